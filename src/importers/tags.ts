/**
 * Tags of imported images in the familiar short form (docs/domain.md §6,
 * Names; reference.ts normalizeTag).
 * OCI `org.opencontainers.image.ref.name` may hold a whole reference (`app:1`)
 * or only a tag (`1`): then the repository comes from `io.containerd.image.name`
 * or from the `repo` option.
 */
import { invalidArchive } from '../domain/errors';
import { normalizeTag, parseReference } from '../domain/reference';

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';

function normalized(ref: string, where: string): string {
  try {
    return normalizeTag(ref);
  } catch (e) {
    throw invalidArchive(`${where} holds an invalid image reference "${ref}": ${(e as Error).message}`);
  }
}

function repositoryOf(ref: string): string {
  try {
    return parseReference(ref).repository;
  } catch (e) {
    throw invalidArchive(`${CONTAINERD_NAME} holds an invalid image reference "${ref}": ${(e as Error).message}`);
  }
}

/** A ref.name is only a tag when it has no "/", ":" or "@". */
const isBareTag = (s: string): boolean => !/[/:@]/.test(s);

export function tagsFromAnnotations(annotations: Record<string, string>, repo: string | undefined): string[] {
  const refName = annotations[REF_NAME];
  const containerd = annotations[CONTAINERD_NAME];
  if (refName !== undefined && refName !== '') {
    if (!isBareTag(refName)) return refName.includes('@') ? [] : [normalized(refName, REF_NAME)];
    const repository = containerd ? repositoryOf(containerd) : repo;
    if (!repository) return [];
    return [normalized(`${repository}:${refName}`, REF_NAME)];
  }
  if (containerd && !containerd.includes('@')) return [normalized(containerd, CONTAINERD_NAME)];
  return [];
}

/** The bare tag a ref.name holds when no repository is known to go with it (the image stays untagged), else null. */
export function bareTagWithoutRepository(annotations: Record<string, string>, repo: string | undefined): string | null {
  const refName = annotations[REF_NAME];
  if (!refName || !isBareTag(refName) || repo || annotations[CONTAINERD_NAME]) return null;
  return refName;
}

/** docker-archive manifest.json RepoTags. */
export function normalizeRepoTags(tags: readonly unknown[]): string[] {
  return tags.filter((t): t is string => typeof t === 'string' && t !== '').map((t) => normalized(t, 'manifest.json RepoTags'));
}
