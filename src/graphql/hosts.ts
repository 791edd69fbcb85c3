/**
 * DNS-rebinding guard (docs/reliability.md, "DNS rebinding"). A page on any
 * website can make a browser send requests to a name that resolves to
 * 127.0.0.1; such requests carry the attacker's name in Host, and the browser
 * treats the answers as same-origin. So the server answers only requests whose
 * Host is a configured name, and compares a WebSocket's Origin with an
 * allowlist rather than with Host.
 */
import os from 'node:os';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** Host names (no port) a request may name; null: any. */
export type AllowedHosts = ReadonlySet<string> | null;

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';

/** `[::1]` for IPv6 literals, lower case, no trailing dot: how URL.hostname spells a Host header. */
export function normalizeHostName(name: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  return n.includes(':') && !n.startsWith('[') ? `[${n}]` : n;
}

/**
 * The names the server answers to. Bound to loopback: the loopback names. Bound
 * to an address: that address, this machine's addresses and host name, and the
 * loopback names. `extra` (STRATA_ALLOWED_HOSTS) adds names; `*` allows any.
 */
export function allowedHostsFor(boundHost: string, extra: readonly string[] = []): AllowedHosts {
  if (extra.includes('*')) return null;
  const names = new Set<string>([...LOOPBACK_NAMES, ...extra.filter(Boolean).map(normalizeHostName)]);
  if (isLoopback(boundHost)) {
    names.add(normalizeHostName(boundHost));
    return names;
  }
  if (!isWildcard(boundHost)) names.add(normalizeHostName(boundHost));
  names.add(normalizeHostName(os.hostname()));
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) names.add(normalizeHostName(a.address.replace(/%.*$/, '')));
  }
  return names;
}

/** The Host header's name without the port; undefined when absent or unparsable. */
function hostNameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return normalizeHostName(new URL(`http://${host}`).hostname);
  } catch {
    return undefined;
  }
}

/**
 * May this request be answered? A request without Host is not from a browser
 * (every browser sends one), so it cannot be a rebinding attack.
 */
export function hostAllowed(req: IncomingMessage, allowed: AllowedHosts): boolean {
  if (allowed === null || req.headers.host === undefined) return true;
  const name = hostNameOf(req.headers.host);
  return name !== undefined && (allowed.has(name) || isAddressLiteral(name));
}

/**
 * An IP address as Host (`127.0.0.1`, `[::1]`, the printed `0.0.0.0`, a
 * container's address) names no DNS record, so no attacker's page can be
 * served under it: rebinding needs a name.
 */
function isAddressLiteral(name: string): boolean {
  return isIP(name.replace(/^\[(.*)\]$/, '$1')) !== 0;
}

/**
 * A WebSocket's Origin (browsers do not apply CORS to WebSockets): none (not a
 * browser), a configured origin (STRATA_CORS_ORIGINS, `*` for any), or this
 * server's own page: an origin on an allowed host name with the port the
 * request was sent to. Never "whatever Host says" alone.
 */
export function wsOriginAllowed(req: IncomingMessage, corsOrigins: readonly string[], allowed: AllowedHosts): boolean {
  const origin = req.headers.origin;
  if (!origin || corsOrigins.includes('*') || corsOrigins.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.host !== req.headers.host) return false;
  // Host "any" (STRATA_ALLOWED_HOSTS=*) was the operator's choice: same-origin is all we can check.
  return allowed === null || allowed.has(normalizeHostName(url.hostname)) || isAddressLiteral(normalizeHostName(url.hostname));
}
