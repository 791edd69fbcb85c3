/**
 * Loads an image archive into a Docker Engine (POST /images/load, what
 * `docker load` does), streaming: the archive is written into the request
 * body as it is produced. The Engine answers with JSON messages; an
 * errorDetail among them is the load's failure.
 */
import { PassThrough, type Writable } from 'node:stream';
import { connectEngine, engineError, type Engine } from './client';

export async function loadIntoEngine(
  write: (out: Writable) => Promise<number>, engine?: Engine,
): Promise<{ bytes: number; messages: string[] }> {
  const e = engine ?? await connectEngine();
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  const answer = (async () => {
    let res: NodeJS.ReadableStream;
    try {
      res = await e.docker.loadImage(body, { quiet: true }) as unknown as NodeJS.ReadableStream;
    } catch (err) {
      throw engineError(err, e.endpoint, 'POST /images/load');
    }
    let text = '';
    for await (const c of res as AsyncIterable<Buffer | string>) text += c.toString();
    const messages: string[] = [];
    for (const line of text.split(/\r?\n/).filter((l) => l.trim() !== '')) {
      let m: { stream?: string; error?: string; errorDetail?: { message?: string } };
      try { m = JSON.parse(line); } catch { messages.push(line); continue; }
      if (m.errorDetail || m.error) throw engineError({ message: m.errorDetail?.message ?? m.error }, e.endpoint, 'docker load');
      if (m.stream) messages.push(m.stream.trim());
    }
    return messages;
  })();
  let bytes: number;
  try {
    bytes = await write(body);
    body.end();
  } catch (err) {
    body.destroy(err as Error);
    await answer.catch(() => undefined);
    throw err;
  }
  return { bytes, messages: await answer };
}
