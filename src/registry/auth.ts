/**
 * Credentials for a registry (contract cli.md: --creds USER:PASS, --authfile
 * FILE, $REGISTRY_AUTH_FILE) and the bearer-token challenge flow of the
 * distribution spec's token authentication: a 401 carries
 * `WWW-Authenticate: Bearer realm="…",service="…",scope="…"`; the client
 * asks the realm for a token for that service and scope (with basic
 * credentials when it has them) and retries with `Authorization: Bearer`.
 * Tokens are kept per scope until they expire.
 */
import { readFileSync } from 'node:fs';
import { badInput } from '../domain/errors';

export interface Credentials { username: string; password: string }

export function parseCreds(text: string): Credentials {
  const i = text.indexOf(':');
  if (i <= 0) throw badInput('--creds must be USER:PASS');
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

/** The host an auth file key names: "https://host/v1/" → "host"; Docker Hub's keys → "docker.io". */
function keyHost(key: string): string {
  const h = key.replace(/^[a-z]+:\/\//, '').split('/')[0]!;
  return ['index.docker.io', 'registry-1.docker.io'].includes(h) ? 'docker.io' : h;
}

/**
 * Credentials for `host` from a containers-auth.json or Docker config.json
 * (`{"auths": {"host": {"auth": base64("user:pass")}}}`): the file given, else
 * $REGISTRY_AUTH_FILE. Null when none names the host.
 */
export function credsFromAuthFile(host: string, file?: string | null): Credentials | null {
  const path = file || process.env.REGISTRY_AUTH_FILE;
  if (!path) return null;
  let doc: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw badInput(`cannot read the auth file ${path}: ${why}`);
  }
  const want = keyHost(host);
  for (const [key, entry] of Object.entries(doc.auths ?? {})) {
    if (keyHost(key) !== want || !entry) continue;
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    if (entry.auth) return parseCreds(Buffer.from(entry.auth, 'base64').toString('utf8'));
  }
  return null;
}

export interface Challenge { scheme: string; params: Record<string, string> }

/** Parses `Bearer realm="x",service="y",scope="a b"` (RFC 7235 auth-params; quoted values may hold commas). */
export function parseChallenge(header: string): Challenge | null {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!))) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

export const basicHeader = (c: Credentials): string =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;

/** Bearer tokens by scope, each until shortly before it expires. */
export class TokenCache {
  private readonly tokens = new Map<string, { token: string; until: number }>();

  get(scope: string): string | null {
    const t = this.tokens.get(scope);
    if (!t) return null;
    if (Date.now() >= t.until) { this.tokens.delete(scope); return null; }
    return t.token;
  }

  /** expires_in defaults to 60 s (distribution token spec); refresh 10 s early. */
  set(scope: string, token: string, expiresIn?: number): void {
    const secs = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : 60;
    this.tokens.set(scope, { token, until: Date.now() + Math.max(1, secs - 10) * 1000 });
  }
}
