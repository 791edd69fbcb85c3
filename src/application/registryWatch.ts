/**
 * `strata watch docker://HOST[/REPO]` (issue 18, "Follow", for registries
 * without webhooks): each poll lists the tags (HEAD per tag for its digest)
 * and compares them with the ledger: a new tag is pulled, a tag now naming
 * another digest is pulled by that digest and moved (the TagMoved keeps its
 * previous image), a tag gone from the registry is untagged. The cursor is
 * the log itself — the ledger's tags under HOST/REPO and the manifest digests
 * its images were pulled as — so a restart neither loses nor repeats anything.
 */
import { normalizeTag } from '../domain/reference';
import { parseRegistryRef, registryClient, type RegistryAccess } from '../registry';
import { pullFromRegistry } from './registryPull';
import { tagDigests } from './registryEvents';
import { untag } from './commands/tags';
import type { Strata } from './strata';

export interface PollChange { kind: 'pulled' | 'moved' | 'untagged'; tag: string; digest: string | null }

export async function pollRegistry(app: Strata, source: string, access: RegistryAccess & { actor: string }): Promise<PollChange[]> {
  const ref = parseRegistryRef(source, { repoOptional: true });
  const repos = ref.repository ? [ref.repository] : await registryClient(ref.host, access).catalog();
  const changes: PollChange[] = [];
  for (const repo of repos) {
    const remote = await tagDigests(ref.host, repo, access);
    const model = await app.models.current();
    const prefix = normalizeTag(`${ref.host}/${repo}:x`).slice(0, -1);
    const holds = (imageId: string, digest: string) => {
      const img = model.images.get(imageId);
      const pulledAs = (model.transfers.get(imageId) ?? []).some((t) => t.manifestDigest === digest);
      return !!img && (img.manifestDigests.includes(digest) || pulledAs);
    };
    for (const [tag, digest] of remote) {
      const name = `${prefix}${tag}`;
      const current = model.tags.get(name)?.imageId ?? null;
      if (current && holds(current, digest)) continue;
      await pullFromRegistry(app, `docker://${ref.host}/${repo}@${digest}`, { ...access, tagAs: tag, actor: access.actor, alwaysRecord: true });
      changes.push({ kind: current ? 'moved' : 'pulled', tag: name, digest });
    }
    for (const t of model.tags.values()) {
      if (!t.imageId || !t.name.startsWith(prefix) || t.name.slice(prefix.length).includes('/')) continue;
      if (remote.has(t.name.slice(prefix.length))) continue;
      if (await untag(app, { tag: t.name }, { actor: access.actor })) changes.push({ kind: 'untagged', tag: t.name, digest: null });
    }
  }
  return changes;
}
