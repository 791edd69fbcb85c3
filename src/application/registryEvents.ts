/**
 * Following a registry through its notifications (issue 18, "Follow";
 * Distribution's `application/vnd.docker.distribution.events.v1+json`
 * envelopes, `{"events":[{id, action, target:{mediaType, repository, digest,
 * tag, url}, request:{host}}]}`): a manifest push with a tag pulls that image
 * and moves its tag; a manifest delete untags the repository's tags that
 * named it (and removes the image once no tag names it); layer-blob events
 * and pulls are ignored. Each event is idempotent by its id — Distribution
 * retries until it gets a 2xx — through the idempotency key
 * `registry-event:<id>`.
 */
import { DomainError, badInput } from '../domain/errors';
import { normalizeTag } from '../domain/reference';
import { MEDIA, registryClient, type RegistryAccess } from '../registry';
import { pullFromRegistry } from './registryPull';
import { untag } from './commands/tags';
import { removeImage } from './commands/removeImage';
import type { Strata } from './strata';

export interface RegistryEvent {
  id: string;
  action: string;
  target: { mediaType?: string; repository?: string; digest?: string; tag?: string; url?: string };
}

const MANIFEST_TYPES = new Set<string>([MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerList]);

/** The envelope's events, or BAD_USER_INPUT naming what is wrong (nothing is done for a malformed envelope). */
export function parseEnvelope(body: unknown): RegistryEvent[] {
  const events = (body as { events?: unknown })?.events;
  if (!Array.isArray(events)) throw badInput('not a registry notification envelope: no "events" array');
  return events.map((e, i) => {
    const ev = e as Partial<RegistryEvent> | null;
    if (!ev || typeof ev.id !== 'string' || ev.id === '' || typeof ev.action !== 'string' || typeof ev.target !== 'object' || !ev.target) {
      throw badInput(`event ${i} of the envelope needs a string id, an action and a target`);
    }
    for (const k of ['mediaType', 'repository', 'digest', 'tag', 'url'] as const) {
      if (ev.target[k] !== undefined && typeof ev.target[k] !== 'string') throw badInput(`event ${i}: target.${k} must be a string`);
    }
    return ev as RegistryEvent;
  });
}

export interface HookOutcome { pulled: number; untagged: number; ignored: number }

/** The registry to pull back from: STRATA_HOOK_REGISTRY (host[:port] or docker://host), else the event's own URL host. */
function registryHost(e: RegistryEvent, configured: string | null): string {
  if (configured) return configured.replace(/^docker:\/\//, '').replace(/\/+$/, '');
  if (e.target.url) {
    try { return new URL(e.target.url).host; } catch { /* fall through */ }
  }
  throw badInput(`event ${e.id}: no registry to pull from (set STRATA_HOOK_REGISTRY)`);
}

export async function applyRegistryEvents(app: Strata, events: readonly RegistryEvent[], opts: RegistryAccess & {
  registry?: string | null; actor?: string;
}): Promise<HookOutcome> {
  const out: HookOutcome = { pulled: 0, untagged: 0, ignored: 0 };
  const actor = opts.actor ?? 'hook:registry';
  for (const e of events) {
    const t = e.target;
    const key = `registry-event:${e.id}`;
    // Distribution's delete events carry no media type; a blob's digest names no manifest, so it untags nothing.
    const manifest = t.mediaType ? MANIFEST_TYPES.has(t.mediaType) : e.action === 'delete';
    if (!manifest || !t.repository) { out.ignored++; continue; }
    const host = registryHost(e, opts.registry ?? null);
    if (e.action === 'push' && t.tag) {
      // By the digest the event names: the tag may not point at it yet when the notification arrives (or already point further).
      const source = t.digest ? `docker://${host}/${t.repository}@${t.digest}` : `docker://${host}/${t.repository}:${t.tag}`;
      await pullFromRegistry(app, source, { ...opts, actor, idempotencyKey: key, alwaysRecord: true, tagAs: t.tag });
      out.pulled++;
    } else if (e.action === 'delete' && (t.digest || t.tag)) {
      const model = await app.models.current();
      const prefix = normalizeTag(`${host}/${t.repository}:x`).slice(0, -1);
      let imageId: string | null = null;
      if (t.digest) imageId = model.resolve(`${host}/${t.repository}@${t.digest}`)?.imageId ?? null;
      const names = [...model.tags.values()].filter((x) => x.imageId && x.name.startsWith(prefix)
        && (t.tag ? x.name === `${prefix}${t.tag}` : imageId !== null && x.imageId === imageId));
      for (const [i, tag] of names.entries()) {
        imageId ??= tag.imageId;
        if (await untag(app, { tag: tag.name, idempotencyKey: `${key}:${i}` }, { actor })) out.untagged++;
      }
      const after = await app.models.current();
      if (imageId && after.isLive(after.images.get(imageId)) && after.repoTags(imageId).length === 0) {
        try { await removeImage(app, { ref: imageId, idempotencyKey: `${key}:remove` }, { actor }); } catch (err) {
          if (!(err instanceof DomainError)) throw err; // a container still uses it: the untag stands
        }
      }
    } else {
      out.ignored++;
    }
  }
  return out;
}

/** For `strata watch`: the tag → digest map of a repository now (HEAD per tag). */
export async function tagDigests(host: string, repository: string, access: RegistryAccess): Promise<Map<string, string>> {
  const client = registryClient(host, access);
  const out = new Map<string, string>();
  for (const tag of (await client.tags(repository)).sort()) {
    const d = await client.manifestDigest(repository, tag);
    if (d) out.set(tag, d);
  }
  return out;
}
