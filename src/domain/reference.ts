/**
 * Familiar Docker references (distribution/reference normalize.go):
 * `nginx` = `nginx:latest` = `docker.io/library/nginx:latest`; shown in the short form.
 */
import { badInput } from './errors';

export interface Reference {
  /** Full repository name, e.g. docker.io/library/nginx or ghcr.io/acme/app. */
  repository: string;
  tag: string | null;
  digest: string | null;
}

const DEFAULT_DOMAIN = 'docker.io';
const OFFICIAL_PREFIX = 'library/';
const TAG = /^[\w][\w.-]{0,127}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** distribution/reference NameTotalLengthMax: the full name (domain/path, normalized), tag excluded. */
export const NAME_TOTAL_LENGTH_MAX = 255;
/** normalize.go anchoredIdentifierRegexp: a bare image ID is never a repository name. */
const IDENTIFIER = /^[a-f0-9]{64}$/;

function splitDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash < 0 || (!first.includes('.') && !first.includes(':') && first !== 'localhost')) {
    let rest = name;
    if (!rest.includes('/')) rest = OFFICIAL_PREFIX + rest;
    return [DEFAULT_DOMAIN, rest];
  }
  let domain = first;
  let rest = name.slice(slash + 1);
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !rest.includes('/')) rest = OFFICIAL_PREFIX + rest;
  return [domain, rest];
}

/**
 * Parses a reference; a missing tag stays null (callers decide whether "latest" applies).
 * Docker's limits hold (docs/domain.md §1, issue 15 item 10): a tag matches
 * [\w][\w.-]{0,127}; the normalized name (docker.io/library/… included) is at
 * most 255 characters; 64 hex digits alone are an image ID, not a name.
 */
export function parseReference(input: string): Reference {
  const s = input.trim();
  if (!s) throw badInput('an image reference must not be empty');
  if (IDENTIFIER.test(s)) throw badInput(`"${s}" is an image ID: a repository name cannot be 64 hexadecimal digits`);
  let name = s;
  let digest: string | null = null;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1).toLowerCase();
    name = name.slice(0, at);
    if (!DIGEST.test(digest)) throw badInput(`"${input}" has an invalid digest (expected sha256:<64 hex>)`);
  }
  let tag: string | null = null;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) throw badInput(`"${input}" has an invalid tag "${tag}"`);
  }
  if (!name) throw badInput(`"${input}" has no repository name`);
  if (name !== name.toLowerCase()) throw badInput(`"${input}": repository names must be lowercase`);
  const [domain, path] = splitDomain(name);
  for (const part of path.split('/')) {
    if (!COMPONENT.test(part)) throw badInput(`"${input}" is not a valid image reference (bad path component "${part}")`);
  }
  const repository = `${domain}/${path}`;
  if (repository.length > NAME_TOTAL_LENGTH_MAX) {
    throw badInput(`repository name must not be longer than ${NAME_TOTAL_LENGTH_MAX} characters (${repository.length} as ${domain}/…)`);
  }
  return { repository, tag, digest };
}

/** Short familiar repository: drops "docker.io/" and "library/". */
export function familiarRepository(repository: string): string {
  let r = repository;
  if (r.startsWith(`${DEFAULT_DOMAIN}/`)) r = r.slice(DEFAULT_DOMAIN.length + 1);
  if (r.startsWith(OFFICIAL_PREFIX) && r.split('/').length === 2 && repository.startsWith(`${DEFAULT_DOMAIN}/`)) {
    r = r.slice(OFFICIAL_PREFIX.length);
  }
  return r;
}

/** The canonical short tag form, "nginx:latest" for "docker.io/library/nginx". */
export function normalizeTag(input: string): string {
  const ref = parseReference(input);
  if (ref.digest) throw badInput(`"${input}" is a digest reference, not a tag`);
  const name = familiarRepository(ref.repository);
  // Docker refuses it too ("an ambiguous tag using digest algorithm as name"): sha256:<hex> names an image ID.
  if (name === 'sha256') throw badInput(`"${input}" is ambiguous: "sha256" as a repository name reads as an image ID`);
  return `${name}:${ref.tag ?? 'latest'}`;
}

/** True when the string looks like a bare image ID (sha256:… or 64 hex), not a tag. */
export const looksLikeImageId = (s: string): boolean => /^(sha256:)?[0-9a-f]{64}$/i.test(s.trim());
