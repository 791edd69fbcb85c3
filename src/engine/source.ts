/**
 * `docker-daemon:NAME[:TAG]` (or `docker-daemon:sha256:ID`), named as skopeo
 * names it: the image streamed from GET /images/{name}/get, a `docker save`
 * tar read in one pass by the docker-archive importer, never held whole.
 */
import { PassThrough } from 'node:stream';
import { badInput, notFound } from '../domain/errors';
import { familiarRepository, parseReference } from '../domain/reference';
import { connectEngine, engineError, type Engine } from './client';

export const DAEMON_PREFIX = 'docker-daemon:';
const READ_AHEAD_BYTES = 4 << 20;

export const isDaemonSource = (s: string) => s.startsWith(DAEMON_PREFIX);

/** The Engine's name for the image: "name:tag" (latest when no tag) or a full image ID. */
export function daemonImageName(source: string): string {
  const rest = source.slice(DAEMON_PREFIX.length).trim();
  if (rest === '') throw badInput(`"${source}" names no image: use docker-daemon:NAME[:TAG]`);
  if (/^sha256:[0-9a-f]{64}$/.test(rest)) return rest;
  const ref = parseReference(rest);
  if (ref.digest) throw badInput(`"${source}": the Docker Engine names images by NAME:TAG or image ID, not by repository digest`);
  return `${familiarRepository(ref.repository)}:${ref.tag ?? 'latest'}`;
}

/** Opens the `docker save` stream of one image (NOT_FOUND when the Engine has no such image). */
export async function openDaemonImage(name: string, engine?: Engine): Promise<{ stream: NodeJS.ReadableStream; engine: Engine }> {
  const e = engine ?? await connectEngine();
  try {
    await e.docker.getImage(name).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) {
      throw notFound(`no image "${name}" in the Docker Engine at ${e.endpoint.describe}`, { name });
    }
    throw engineError(err, e.endpoint, `GET /images/${name}/json`);
  }
  try {
    const response = await e.docker.getImage(name).get();
    // A bounded read-ahead: the Engine keeps streaming while a layer is being
    // scanned, instead of blocking on a full socket (still never the whole image).
    const stream = response.pipe(new PassThrough({ highWaterMark: READ_AHEAD_BYTES }));
    response.on('error', (err) => stream.destroy(err));
    return { stream, engine: e };
  } catch (err) {
    throw engineError(err, e.endpoint, `GET /images/${name}/get`);
  }
}
