/**
 * A Docker Engine through its API (contract cli.md `docker-daemon:`), with
 * dockerode: the endpoint from $DOCKER_HOST (unix:///var/run/docker.sock by
 * default; unix://PATH, tcp://HOST:PORT, or a bare socket path), the API
 * version negotiated as the Docker CLI does (the lower of the Engine's and
 * ours), and the Engine's failures turned into one-line errors naming the
 * endpoint.
 */
import type Docker from 'dockerode';
import { DomainError } from '../domain/errors';

/** The newest Engine API version Strata speaks (Docker Engine 20.10 is 1.41). */
/**
 * dockerode (with ssh2, gRPC and protobufjs: ~190 modules, a third of a
 * second) loads when an Engine is first used, not with every `strata` command
 * that merely imports this module's callers (docs/adr/0010-compiled-at-install.md).
 */
const dockerode = (): typeof Docker => require('dockerode') as typeof Docker;

export const MAX_API_VERSION = '1.43';
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface Endpoint { describe: string; options: Docker.DockerOptions }

export function endpointOf(host: string | undefined = process.env.DOCKER_HOST): Endpoint {
  const h = host && host.trim() !== '' ? host.trim() : DEFAULT_DOCKER_HOST;
  if (h.startsWith('unix://')) return { describe: h, options: { socketPath: h.slice('unix://'.length) } };
  if (h.startsWith('/')) return { describe: `unix://${h}`, options: { socketPath: h } };
  const m = /^(tcp|http|https):\/\/([^:/]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(h);
  if (!m) throw new DomainError('BAD_USER_INPUT', `DOCKER_HOST "${h}" is not unix://PATH or tcp://HOST:PORT`);
  const https = m[1] === 'https' || (m[1] === 'tcp' && process.env.DOCKER_TLS_VERIFY === '1');
  const port = m[3] ? Number(m[3]) : https ? 2376 : 2375;
  return { describe: h, options: { host: m[2]!.replace(/^\[|\]$/g, ''), port, protocol: https ? 'https' : 'http' } };
}

const numeric = (v: string) => v.split('.').map(Number) as [number, number];
export function lowerVersion(a: string, b: string): string {
  const [a1, a2] = numeric(a);
  const [b1, b2] = numeric(b);
  return a1 < b1 || (a1 === b1 && a2 <= b2) ? a : b;
}

/** Whatever went wrong talking to the Engine, as one line naming where. */
export class EngineUnavailable extends Error {
  readonly code = 'UNAVAILABLE';
}

export function engineError(e: unknown, endpoint: Endpoint, what: string): DomainError | EngineUnavailable {
  if (e instanceof DomainError || e instanceof EngineUnavailable) return e;
  const err = e as { code?: string; statusCode?: number; json?: { message?: string } | null; message?: string; reason?: string };
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT' || err.code === 'EHOSTUNREACH' || err.code === 'ECONNRESET'
    || err.code === 'ETIMEDOUT') {
    return new EngineUnavailable(
      `cannot reach a Docker Engine at ${endpoint.describe} (${err.code}): is dockerd running? (set DOCKER_HOST to use another)`);
  }
  if (err.code === 'EACCES') return new DomainError('FORBIDDEN',
    `no permission to use the Docker Engine socket at ${endpoint.describe} (EACCES)`);
  const message = (err.json && typeof err.json === 'object' && err.json.message) || err.reason || err.message || String(e);
  if (err.statusCode === 404) return new DomainError('NOT_FOUND', `${what}: ${String(message).split('\n')[0]}`);
  if (err.statusCode === 409) return new DomainError('CONFLICT', `${what}: ${String(message).split('\n')[0]}`);
  return new DomainError('INTERNAL_SERVER_ERROR', `${what} at ${endpoint.describe}: ${String(message).split('\n')[0]}`);
}

export interface Engine { docker: Docker; endpoint: Endpoint; apiVersion: string }

/** Connects and negotiates the API version (GET /version, unversioned, as the Docker CLI does). */
export async function connectEngine(host?: string): Promise<Engine> {
  const endpoint = endpointOf(host);
  const probe = new (dockerode())(endpoint.options);
  let server: string;
  try {
    const v = await probe.version();
    server = v.ApiVersion;
  } catch (e) {
    throw engineError(e, endpoint, 'GET /version');
  }
  const apiVersion = lowerVersion(server, MAX_API_VERSION);
  return { docker: new (dockerode())({ ...endpoint.options, version: `v${apiVersion}` }), endpoint, apiVersion };
}
