/**
 * One HTTP exchange with a registry, on node:http/https so that TLS
 * verification (on by default; off with --tls-verify=false), timeouts and
 * redirects are ours to decide:
 *  - redirects (blob downloads go to storage backends) are followed, at most
 *    5, and Authorization is dropped when the origin changes;
 *  - 429, 5xx and reset or timed-out connections are retried a bounded
 *    number of times with exponential backoff (Retry-After honoured, capped);
 *  - a request that sees no byte for `timeoutMs` fails.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

export type Body = Buffer | (() => Readable) | null;

export interface HttpOptions {
  method: string;
  headers?: Record<string, string>;
  body?: Body;
  /** Follow redirects (GET/HEAD of blobs and manifests). */
  follow?: boolean;
}

export interface Transport {
  tlsVerify: boolean;
  timeoutMs: number;
  retries: number;
  /** First backoff delay; doubled per attempt. */
  backoffMs: number;
}

export class NetworkError extends Error {
  constructor(readonly url: string, override readonly cause: Error) {
    super(`${cause.message}`);
  }
}

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function once(url: URL, opts: HttpOptions, t: Transport): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, {
      method: opts.method,
      headers: { 'user-agent': 'strata', ...opts.headers },
      ...(url.protocol === 'https:' ? { rejectUnauthorized: t.tlsVerify } : {}),
    });
    req.setTimeout(t.timeoutMs, () => {
      const e = new Error(`no response within ${t.timeoutMs} ms`) as NodeJS.ErrnoException;
      e.code = 'ETIMEDOUT';
      req.destroy(e);
    });
    req.on('error', (e) => reject(new NetworkError(url.href, e)));
    req.on('response', (res) => {
      // The timeout keeps guarding the body: a stalled download fails instead of hanging.
      res.setTimeout?.(t.timeoutMs, () => res.destroy(Object.assign(new Error(`download stalled for ${t.timeoutMs} ms`),
        { code: 'ETIMEDOUT' })));
      resolve(res);
    });
    const body = opts.body;
    if (!body) { req.end(); return; }
    if (Buffer.isBuffer(body)) { req.end(body); return; }
    const src = body();
    src.on('error', (e) => req.destroy(e));
    src.pipe(req);
  });
}

/** Drains and drops a response body (so the socket can be reused). */
export function discard(res: IncomingMessage): void {
  res.resume();
  res.on('error', () => undefined);
}

/** Sends with retries and redirects; resolves with the final response (any status). */
export async function send(urlText: string, opts: HttpOptions, t: Transport): Promise<IncomingMessage> {
  let url = new URL(urlText);
  let headers = { ...opts.headers };
  let redirects = 0;
  for (let attempt = 0; ; attempt++) {
    let res: IncomingMessage;
    try {
      res = await once(url, { ...opts, headers }, t);
    } catch (e) {
      const code = (e as NetworkError).cause ? ((e as NetworkError).cause as NodeJS.ErrnoException).code : undefined;
      if (attempt < t.retries && code && RETRYABLE_CODES.has(code)) { await sleep(t.backoffMs * 2 ** attempt); continue; }
      throw e;
    }
    const status = res.statusCode ?? 0;
    if (opts.follow && [301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      discard(res);
      if (++redirects > 5) throw new NetworkError(url.href, new Error('more than 5 redirects'));
      const next = new URL(res.headers.location, url);
      if (next.origin !== url.origin) {
        const { authorization: _drop, ...rest } = headers;
        headers = rest;
      }
      url = next;
      attempt--;
      continue;
    }
    if ((status === 429 || status >= 500) && attempt < t.retries) {
      discard(res);
      const after = Number(res.headers['retry-after']);
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 10_000) : t.backoffMs * 2 ** attempt);
      continue;
    }
    return res;
  }
}

/** The whole body, refusing more than `cap` bytes (checked on Content-Length first, then while reading). */
export async function readCapped(res: IncomingMessage, cap: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > cap) {
    res.destroy();
    throw new CapError(what, cap);
  }
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > cap) { res.destroy(); throw new CapError(what, cap); }
    parts.push(c);
  }
  return Buffer.concat(parts);
}

export class CapError extends Error {
  constructor(what: string, readonly cap: number) { super(`${what} is larger than the ${cap}-byte limit`); }
}

export const fromBuffer = (b: Buffer) => () => Readable.from([b]);
