/**
 * A client of the OCI Distribution Spec v1.1 API (docs/adr/0008-registry-client.md):
 * manifests and indexes (OCI, Docker schema 2, manifest lists; schema 1
 * refused), blobs (redirects followed, every byte verified against its
 * digest), monolithic and chunked uploads, cross-repository mounts, tag
 * lists and the catalog with Link pagination (a Link that loops is an
 * error), anonymous / basic / bearer-token auth (auth.ts), bounded retries and
 * timeouts (http.ts). Errors are DomainErrors with one-line messages.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { DomainError } from '../domain/errors';
import { basicHeader, parseChallenge, TokenCache, type Challenge, type Credentials } from './auth';
import { CapError, discard, NetworkError, readCapped, send, type Body, type Transport } from './http';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  schema1: 'application/vnd.docker.distribution.manifest.v1+json',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;
const ACCEPT = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerList].join(', ');

export interface ClientOptions {
  creds?: Credentials | null;
  /** false: plain HTTP and self-signed certificates are accepted (--tls-verify=false). */
  tlsVerify?: boolean;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  /** Manifests larger than this are refused (default 4 MiB, as containerd and Distribution cap them). */
  maxManifestBytes?: number;
  /** Blobs up to this size are uploaded in one PUT; larger ones in PATCH chunks of this size. */
  chunkBytes?: number;
}

export interface Manifest { bytes: Buffer; digest: string; mediaType: string }

export type PushOutcome = 'exists' | 'mounted' | 'uploaded';

const envInt = (name: string): number | undefined => {
  const n = Number(process.env[name]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export class RegistryClient {
  private readonly t: Transport;
  private readonly tokens = new TokenCache();
  private scheme: Promise<string> | null = null;
  private basic = false;
  readonly maxManifestBytes: number;
  readonly chunkBytes: number;

  constructor(readonly host: string, private readonly opts: ClientOptions = {}) {
    this.t = {
      tlsVerify: opts.tlsVerify !== false, timeoutMs: opts.timeoutMs ?? envInt('STRATA_REGISTRY_TIMEOUT_MS') ?? 30_000,
      retries: opts.retries ?? 4, backoffMs: opts.backoffMs ?? 250,
    };
    this.maxManifestBytes = opts.maxManifestBytes ?? envInt('STRATA_REGISTRY_MAX_MANIFEST_BYTES') ?? 4 * 1024 * 1024;
    this.chunkBytes = opts.chunkBytes ?? envInt('STRATA_REGISTRY_CHUNK_BYTES') ?? 32 * 1024 * 1024;
  }

  /** Docker Hub's API lives at registry-1.docker.io. */
  private get apiHost(): string { return this.host === 'docker.io' ? 'registry-1.docker.io' : this.host; }

  /** https; with --tls-verify=false, plain http when the registry does not speak TLS. */
  private base(): Promise<string> {
    this.scheme ??= (async () => {
      if (this.t.tlsVerify) return `https://${this.apiHost}`;
      // --tls-verify=false: https when the registry speaks it (any certificate), else plain http.
      try {
        const res = await send(`https://${this.apiHost}/v2/`, { method: 'GET' }, { ...this.t, retries: 0, timeoutMs: Math.min(this.t.timeoutMs, 5000) });
        discard(res);
        return `https://${this.apiHost}`;
      } catch (e) {
        const code = e instanceof NetworkError ? (e.cause as NodeJS.ErrnoException).code : undefined;
        if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') throw this.unreachable(e);
        return `http://${this.apiHost}`;
      }
    })();
    this.scheme.catch(() => { this.scheme = null; });
    return this.scheme;
  }

  private unreachable(e: unknown): DomainError {
    const c = e instanceof NetworkError ? e.cause as NodeJS.ErrnoException : e as NodeJS.ErrnoException;
    const what = c.code && !c.message.includes(c.code) ? `${c.code} ${c.message}` : c.message;
    const hint = /certificate|self.signed|CERT_/i.test(what) ? ' (a self-signed registry needs --tls-verify=false)' : '';
    return new DomainError('BAD_USER_INPUT', `cannot reach registry ${this.host}: ${what}${hint}`, { host: this.host });
  }

  private authHint(repo: string, status: number, detail: string): DomainError {
    const creds = this.opts.creds ? 'the credentials given were refused' : 'no credentials were given';
    return new DomainError('UNAUTHENTICATED',
      `registry ${this.host} refused access to ${repo || 'the registry'} (${status}${detail ? `: ${detail}` : ''}; ${creds}): `
      + 'give --creds USER:PASS or --authfile FILE', { host: this.host });
  }

  private async fetchToken(ch: Challenge, scope: string, repo: string): Promise<string> {
    const realm = ch.params['realm'];
    if (!realm) throw this.authHint(repo, 401, 'bearer challenge without realm');
    const url = new URL(realm);
    if (ch.params['service']) url.searchParams.set('service', ch.params['service']);
    const scopes = new Set([...(ch.params['scope'] ?? '').split(' '), ...scope.split(' ')].filter(Boolean));
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (this.opts.creds) headers['authorization'] = basicHeader(this.opts.creds);
    let res: IncomingMessage;
    try { res = await send(url.href, { method: 'GET', headers }, this.t); } catch (e) { throw this.unreachable(e); }
    if (res.statusCode === 401 || res.statusCode === 403) { discard(res); throw this.authHint(repo, res.statusCode, 'token server'); }
    const body = await readCapped(res, 1 << 20, 'token response');
    if ((res.statusCode ?? 0) >= 300) throw new DomainError('BAD_USER_INPUT', `token server ${url.origin} answered ${res.statusCode}`);
    let doc: { token?: string; access_token?: string; expires_in?: number };
    try { doc = JSON.parse(body.toString('utf8')); } catch {
      throw new DomainError('BAD_USER_INPUT', `token server ${url.origin} sent no JSON`);
    }
    const token = doc.token ?? doc.access_token;
    if (!token) throw new DomainError('BAD_USER_INPUT', `token server ${url.origin} sent no token`);
    this.tokens.set(scope, token, doc.expires_in);
    return token;
  }

  private authorization(scope: string): string | null {
    const token = this.tokens.get(scope);
    if (token) return `Bearer ${token}`;
    if (this.basic && this.opts.creds) return basicHeader(this.opts.creds);
    return null;
  }

  /** One authenticated request: a 401 runs the challenge flow once, then retries. */
  async request(pathOrUrl: string, opts: { method: string; headers?: Record<string, string>; body?: Body; follow?: boolean },
    scope: string, repo: string): Promise<IncomingMessage> {
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${await this.base()}${pathOrUrl}`;
    const go = async (auth: string | null) => {
      try {
        return await send(url, { ...opts, headers: { ...opts.headers, ...(auth ? { authorization: auth } : {}) } }, this.t);
      } catch (e) { throw this.unreachable(e); }
    };
    const first = this.authorization(scope);
    const res = await go(first);
    if (res.statusCode !== 401) return res;
    const ch = parseChallenge(String(res.headers['www-authenticate'] ?? ''));
    const detail = await errorDetail(res);
    let auth: string;
    if (ch?.scheme === 'bearer') auth = `Bearer ${await this.fetchToken(ch, scope, repo)}`;
    else if (ch?.scheme === 'basic' && this.opts.creds && first !== basicHeader(this.opts.creds)) {
      this.basic = true;
      auth = basicHeader(this.opts.creds);
    }
    else throw this.authHint(repo, 401, detail);
    const again = await go(auth);
    if (again.statusCode === 401) throw this.authHint(repo, 401, await errorDetail(again));
    return again;
  }

  private async fail(res: IncomingMessage, what: string, repo: string): Promise<never> {
    const status = res.statusCode ?? 0;
    const detail = await errorDetail(res);
    if (status === 401) throw this.authHint(repo, status, detail);
    if (status === 403) throw new DomainError('FORBIDDEN', `registry ${this.host} forbids ${what} (403${detail ? `: ${detail}` : ''})`);
    if (status === 404) throw new DomainError('NOT_FOUND', `${what}: not found in registry ${this.host}${detail ? ` (${detail})` : ''}`);
    throw new DomainError('BAD_USER_INPUT', `registry ${this.host} answered ${status} to ${what}${detail ? `: ${detail}` : ''}`);
  }

  // ---- manifests -------------------------------------------------------------

  /** A manifest or index by tag or digest, its bytes verified and capped. */
  async getManifest(repo: string, ref: string): Promise<Manifest> {
    const what = `manifest ${repo}${ref.startsWith('sha256:') ? '@' : ':'}${ref}`;
    const res = await this.request(`/v2/${repo}/manifests/${ref}`, { method: 'GET', headers: { accept: ACCEPT }, follow: true },
      pull(repo), repo);
    if (res.statusCode !== 200) await this.fail(res, what, repo);
    let bytes: Buffer;
    try { bytes = await readCapped(res, this.maxManifestBytes, `${what} from ${this.host}`); } catch (e) {
      if (e instanceof CapError) throw new DomainError('BAD_USER_INPUT', e.message);
      throw this.unreachable(e);
    }
    const digest = sha256(bytes);
    const claimed = ref.startsWith('sha256:') ? ref : String(res.headers['docker-content-digest'] ?? '') || null;
    if (claimed && claimed !== digest) {
      throw new DomainError('INVALID_ARCHIVE', `registry ${this.host} served ${what} whose bytes hash to ${digest}, not ${claimed}`);
    }
    const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    let declared: string | undefined;
    let schemaVersion: unknown;
    try { ({ mediaType: declared, schemaVersion } = JSON.parse(bytes.toString('utf8'))); } catch {
      throw new DomainError('INVALID_ARCHIVE', `registry ${this.host} served ${what} that is not JSON`);
    }
    if (schemaVersion === 1 || type === MEDIA.schema1 || type === MEDIA.schema1Signed) {
      throw new DomainError('BAD_USER_INPUT', `${what} is a Docker schema 1 manifest, which Strata does not read `
        + '(deprecated; push the image again with a current client to get schema 2 or OCI)');
    }
    return { bytes, digest, mediaType: declared ?? type };
  }

  /** The digest a tag names now, or null when the tag is absent (HEAD; GET when the registry sends no digest). */
  async manifestDigest(repo: string, ref: string): Promise<string | null> {
    const res = await this.request(`/v2/${repo}/manifests/${ref}`, { method: 'HEAD', headers: { accept: ACCEPT }, follow: true },
      pull(repo), repo);
    discard(res);
    if (res.statusCode === 404) return null;
    if (res.statusCode !== 200) await this.fail(res, `manifest ${repo}:${ref}`, repo);
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' && d ? d : (await this.getManifest(repo, ref)).digest;
  }

  /** PUT the bytes as they are; returns the digest the registry stores them under (checked against ours). */
  async putManifest(repo: string, ref: string, m: { bytes: Buffer; mediaType: string }): Promise<string> {
    const res = await this.request(`/v2/${repo}/manifests/${ref}`, {
      method: 'PUT', headers: { 'content-type': m.mediaType, 'content-length': String(m.bytes.length) }, body: m.bytes,
    }, push(repo), repo);
    if (res.statusCode !== 201 && res.statusCode !== 200) await this.fail(res, `push of manifest ${repo}:${ref}`, repo);
    discard(res);
    const ours = sha256(m.bytes);
    const theirs = String(res.headers['docker-content-digest'] ?? '') || ours;
    if (theirs !== ours) {
      throw new DomainError('INVALID_ARCHIVE', `registry ${this.host} stored manifest ${repo}:${ref} as ${theirs}, not ${ours}`);
    }
    return theirs;
  }

  /** DELETE of a manifest by digest (removes every tag naming it); a registry with deletes disabled says so. */
  async deleteManifest(repo: string, digest: string): Promise<void> {
    const res = await this.request(`/v2/${repo}/manifests/${digest}`, { method: 'DELETE' }, push(repo), repo);
    if (res.statusCode === 404) { discard(res); return; }
    if (res.statusCode === 405) {
      discard(res);
      throw new DomainError('BAD_USER_INPUT', `registry ${this.host} does not allow deletes in ${repo} `
        + '(Distribution: storage.delete.enabled: true)');
    }
    if (res.statusCode !== 202 && res.statusCode !== 200) await this.fail(res, `delete of manifest ${repo}@${digest}`, repo);
    discard(res);
  }

  // ---- blobs -----------------------------------------------------------------

  /** The blob as a stream that fails at its end unless the bytes hash to `digest` (and count `size`). */
  async getBlob(repo: string, digest: string, size?: number): Promise<Readable> {
    const res = await this.request(`/v2/${repo}/blobs/${digest}`, { method: 'GET', follow: true }, pull(repo), repo);
    if (res.statusCode !== 200) await this.fail(res, `blob ${digest} of ${repo}`, repo);
    const hash = createHash('sha256');
    let n = 0;
    const host = this.host;
    const check = new Transform({
      transform(chunk: Buffer, _e, cb: TransformCallback) {
        n += chunk.length;
        if (size !== undefined && n > size) { cb(mismatch(host, digest, `more than the ${size} bytes its descriptor says`)); return; }
        hash.update(chunk);
        cb(null, chunk);
      },
      flush(cb: TransformCallback) {
        const actual = `sha256:${hash.digest('hex')}`;
        if (size !== undefined && n !== size) cb(mismatch(host, digest, `${n} bytes, not ${size}`));
        else cb(actual === digest ? null : mismatch(host, digest, `bytes that hash to ${actual}`));
      },
    });
    res.on('error', (e) => check.destroy(this.unreachable(e)));
    return res.pipe(check);
  }

  /** Size of a blob the repository has, or null. */
  async statBlob(repo: string, digest: string, scope = pull(repo)): Promise<number | null> {
    const res = await this.request(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD', follow: true }, scope, repo);
    discard(res);
    if (res.statusCode === 404) return null;
    if (res.statusCode !== 200) await this.fail(res, `blob ${digest} of ${repo}`, repo);
    const n = Number(res.headers['content-length']);
    return Number.isFinite(n) ? n : 0;
  }

  /**
   * Makes the repository hold a blob: nothing when it has it, a mount from
   * one of `mountFrom` (same registry) when one works, else an upload —
   * one PUT up to chunkBytes, PATCH chunks beyond.
   */
  async pushBlob(
    repo: string, digest: string, size: number, open: () => Readable, mountFrom: readonly string[] = [],
  ): Promise<PushOutcome> {
    if ((await this.statBlob(repo, digest, push(repo))) !== null) return 'exists';
    let location: string | null = null;
    for (const from of mountFrom) {
      if (from === repo) continue;
      const res = await this.request(`/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
        { method: 'POST', headers: { 'content-length': '0' } }, `${push(repo)} ${pull(from)}`, repo);
      discard(res);
      if (res.statusCode === 201) return 'mounted';
      if (res.statusCode === 202 && res.headers.location) { location = await this.resolve(res.headers.location); break; }
    }
    if (!location) {
      const res = await this.request(`/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': '0' } },
        push(repo), repo);
      if (res.statusCode !== 202 || !res.headers.location) await this.fail(res, `upload of blob ${digest} to ${repo}`, repo);
      discard(res);
      location = await this.resolve(res.headers.location!);
    }
    if (size <= this.chunkBytes) {
      await this.finish(repo, location, digest, { body: open, length: size });
      return 'uploaded';
    }
    let offset = 0;
    for await (const chunk of chunks(open(), this.chunkBytes)) {
      const res = await this.request(location, {
        method: 'PATCH', body: chunk,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(chunk.length),
          'content-range': `${offset}-${offset + chunk.length - 1}` },
      }, push(repo), repo);
      if (res.statusCode !== 202) await this.fail(res, `chunk ${offset} of blob ${digest} to ${repo}`, repo);
      discard(res);
      offset += chunk.length;
      if (res.headers.location) location = await this.resolve(res.headers.location);
    }
    if (offset !== size) throw new DomainError('INVALID_ARCHIVE', `blob ${digest} had ${offset} bytes, not ${size}`);
    await this.finish(repo, location, digest, { body: Buffer.alloc(0), length: 0 });
    return 'uploaded';
  }

  private async finish(repo: string, location: string, digest: string, b: { body: Body; length: number }): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.request(url.href, {
      method: 'PUT', body: b.body, headers: { 'content-type': 'application/octet-stream', 'content-length': String(b.length) },
    }, push(repo), repo);
    if (res.statusCode !== 201) await this.fail(res, `upload of blob ${digest} to ${repo}`, repo);
    discard(res);
  }

  private async resolve(location: string): Promise<string> {
    return new URL(location, `${await this.base()}/`).href;
  }

  // ---- listings --------------------------------------------------------------

  /** Every tag of a repository (Link pagination followed; a loop is an error). */
  async tags(repo: string): Promise<string[]> {
    const out: string[] = [];
    await this.pages(`/v2/${repo}/tags/list?n=1000`, pull(repo), repo, `tags of ${repo}`, (doc) => {
      for (const t of (doc as { tags?: unknown }).tags as unknown[] ?? []) if (typeof t === 'string') out.push(t);
    });
    return out;
  }

  /** Every repository of the registry (the catalog; Link pagination). */
  async catalog(): Promise<string[]> {
    const out: string[] = [];
    await this.pages('/v2/_catalog?n=1000', 'registry:catalog:*', '', 'catalog', (doc) => {
      for (const r of (doc as { repositories?: unknown }).repositories as unknown[] ?? []) if (typeof r === 'string') out.push(r);
    });
    return out;
  }

  private async pages(first: string, scope: string, repo: string, what: string, each: (doc: unknown) => void): Promise<void> {
    const seen = new Set<string>();
    let next: string | null = await this.resolve(first);
    while (next) {
      if (seen.has(next)) {
        throw new DomainError('BAD_USER_INPUT', `registry ${this.host}: the Link header of the ${what} loops (back to ${next})`);
      }
      if (seen.size >= 10_000) throw new DomainError('BAD_USER_INPUT', `registry ${this.host}: the ${what} has more than 10000 pages`);
      seen.add(next);
      const res = await this.request(next, { method: 'GET', follow: true }, scope, repo);
      if (res.statusCode !== 200) await this.fail(res, what, repo);
      const link = String(res.headers['link'] ?? '');
      const body = await readCapped(res, 16 << 20, `${what} from ${this.host}`);
      try { each(JSON.parse(body.toString('utf8'))); } catch {
        throw new DomainError('INVALID_ARCHIVE', `registry ${this.host} sent the ${what} as no JSON`);
      }
      const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
      next = m ? new URL(m[1]!, next).href : null;
    }
  }
}

const pull = (repo: string) => `repository:${repo}:pull`;
const push = (repo: string) => `repository:${repo}:pull,push`;

const mismatch = (host: string, digest: string, what: string) =>
  new DomainError('INVALID_ARCHIVE', `registry ${host} served blob ${digest} with ${what}`);

/** The error message of an OCI error body ({"errors":[{"code","message"}]}), or "". */
async function errorDetail(res: IncomingMessage): Promise<string> {
  try {
    const body = await readCapped(res, 64 * 1024, 'error');
    const doc = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    return (doc.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(' ')).join('; ').replace(/\s+/g, ' ').slice(0, 300);
  } catch {
    return '';
  }
}

/** Re-chunks a stream into pieces of exactly `size` bytes (the last shorter). */
async function* chunks(src: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let n = 0;
  for await (const c of src as AsyncIterable<Buffer>) {
    let buf = c;
    while (buf.length > 0) {
      const take = Math.min(size - n, buf.length);
      parts.push(buf.subarray(0, take));
      n += take;
      buf = buf.subarray(take);
      if (n === size) { yield Buffer.concat(parts); parts = []; n = 0; }
    }
  }
  if (n > 0) yield Buffer.concat(parts);
}

export { Readable };
