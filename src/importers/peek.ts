/**
 * Looking at the first bytes of a stream (compression magic, JSON or not)
 * without losing them: one pass, nothing buffered beyond those bytes.
 */
export const toBuffer = (c: unknown): Buffer => (Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));

/** Reads the first bytes of a stream, then hands back a stream of all of it. */
export async function peek(src: AsyncIterable<unknown>, n: number): Promise<{ head: Buffer; all: AsyncGenerator<Buffer> }> {
  const it = src[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const r = await it.next();
    if (r.done) { done = true; break; }
    const c = toBuffer(r.value);
    first.push(c);
    have += c.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    try {
      yield* first;
      while (!done) {
        const r = await it.next();
        if (r.done) break;
        yield toBuffer(r.value);
      }
    } finally {
      if (!done) await it.return?.();
    }
  }
  return { head: Buffer.concat(first), all: all() };
}

