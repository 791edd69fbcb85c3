/**
 * Export destinations, named as skopeo names them (contract cli.md "Next"):
 * `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:NAME:TAG]`.
 * The path ends at the first ":" after the transport, as in skopeo. A bare
 * path ending in .tar is a docker-archive.
 */
import { badInput } from '../domain/errors';
import { normalizeTag } from '../domain/reference';

export type Destination =
  | { kind: 'oci'; path: string; tag: string | null }
  | { kind: 'oci-archive'; path: string; tag: string | null }
  | { kind: 'docker-archive'; path: string; repoTag: string | null }
  /** A Docker Engine ($DOCKER_HOST): the image is loaded there under NAME:TAG. */
  | { kind: 'docker-daemon'; repoTag: string };

const TRANSPORTS = ['oci', 'oci-archive', 'docker-archive', 'docker-daemon'];

function split(rest: string): [string, string | null] {
  const i = rest.indexOf(':');
  return i < 0 ? [rest, null] : [rest.slice(0, i), rest.slice(i + 1)];
}

export function parseDestination(text: string): Destination {
  const m = /^([a-z-]+):(.*)$/.exec(text);
  if (!m || !['oci', 'oci-archive', 'docker-archive', 'docker', 'docker-daemon', 'dir'].includes(m[1]!)) {
    if (/\.tar$/.test(text)) return { kind: 'docker-archive', path: text, repoTag: null };
    throw badInput(`unknown destination "${text}": use oci:DIR[:TAG], oci-archive:FILE[:TAG] or docker-archive:FILE[:NAME:TAG]`);
  }
  const transport = m[1]!;
  if (!TRANSPORTS.includes(transport)) {
    throw badInput(`export to ${transport}: is not supported yet; use oci:, oci-archive:, docker-archive: or docker-daemon:`);
  }
  if (transport === 'docker-daemon') {
    try { return { kind: 'docker-daemon', repoTag: normalizeTag(m[2]!) }; } catch (e) {
      throw badInput(`destination "${text}": "${m[2]}" is not a NAME:TAG reference (${(e as Error).message})`);
    }
  }
  const [path, ref] = split(m[2]!);
  if (path === '') throw badInput(`destination "${text}" names no path`);
  if (transport === 'docker-archive') {
    if (ref === null || ref === '') return { kind: 'docker-archive', path, repoTag: null };
    try { return { kind: 'docker-archive', path, repoTag: normalizeTag(ref) }; } catch (e) {
      throw badInput(`destination "${text}": "${ref}" is not a NAME:TAG reference (${(e as Error).message})`);
    }
  }
  if (ref !== null && !/^[A-Za-z0-9_][A-Za-z0-9._:@/+-]*$/.test(ref)) {
    throw badInput(`destination "${text}": "${ref}" is not a valid reference name`);
  }
  return { kind: transport as 'oci' | 'oci-archive', path, tag: ref || null };
}
