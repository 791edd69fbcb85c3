/**
 * `docker://HOST[:PORT]/REPO[:TAG|@DIGEST]` as skopeo names registry images
 * (contract cli.md "Sources"). A first component without ".", ":" and other
 * than "localhost" is not a host: the image is on Docker Hub, where a
 * single-component name lives under library/ (docs/domain.md §6, Names).
 */
import { badInput } from '../domain/errors';

export interface RegistryRef {
  /** host[:port] as written ("docker.io" for Docker Hub). */
  host: string;
  /** Repository path; "" when only a registry was named (watch docker://HOST). */
  repository: string;
  tag: string | null;
  digest: string | null;
}

const REPO = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export const isRegistrySource = (s: string): boolean => s.startsWith('docker://');

/** Parses a docker:// reference; `repoOptional` for watch (a whole registry). */
export function parseRegistryRef(text: string, opts: { repoOptional?: boolean } = {}): RegistryRef {
  if (!isRegistrySource(text)) throw badInput(`"${text}" is not a docker://HOST/REPO[:TAG|@DIGEST] reference`);
  let rest = text.slice('docker://'.length);
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw badInput(`"${text}": "${digest}" is not a sha256:<64 hex> digest`);
  }
  const parts = rest.split('/');
  let host = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 || opts.repoOptional) {
    if (first.includes('.') || first.includes(':') || first === 'localhost') { host = first; parts.shift(); }
  }
  if (host === '' ) throw badInput(`"${text}" names no registry host`);
  let last = parts.pop() ?? '';
  let tag: string | null = null;
  const colon = last.lastIndexOf(':');
  if (colon >= 0) { tag = last.slice(colon + 1); last = last.slice(0, colon); }
  if (last !== '') parts.push(last);
  let repository = parts.join('/');
  if (repository === '') {
    if (!opts.repoOptional) throw badInput(`"${text}" names no repository (docker://HOST/REPO[:TAG|@DIGEST])`);
  } else if (!REPO.test(repository)) {
    throw badInput(`"${text}": "${repository}" is not a valid repository name (lower case, digits, separators . _ -)`);
  }
  if (host === 'docker.io' && repository !== '' && !repository.includes('/')) repository = `library/${repository}`;
  if (tag !== null && !TAG.test(tag)) throw badInput(`"${text}": "${tag}" is not a valid tag`);
  if (tag === null && digest === null && repository !== '' && !opts.repoOptional) tag = 'latest';
  return { host, repository, tag, digest };
}

/** The reference as text again (docker://host/repo:tag or @digest). */
export function formatRegistryRef(r: RegistryRef): string {
  const base = r.repository ? `docker://${r.host}/${r.repository}` : `docker://${r.host}`;
  return r.digest ? `${base}@${r.digest}` : r.tag ? `${base}:${r.tag}` : base;
}

/** The ledger's tag for a pulled tag: host/repo:tag (normalizeTag drops docker.io/library/). */
export function ledgerTag(r: RegistryRef, tag: string): string {
  return r.host === 'docker.io' ? `${r.repository}:${tag}` : `${r.host}/${r.repository}:${tag}`;
}
