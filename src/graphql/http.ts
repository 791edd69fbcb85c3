import { randomUUID } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type ApolloServerPlugin, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { EventStore } from '../eventStore/types';
import { authenticate, authorizeOperation, type AuthConfig, type ContextAuth, type RequestAuth } from './auth';
import { classifyError, errorBody, INTERNAL_MESSAGE, logMaskedErrors, codedError } from './errors';
import { checkOperation, checkVariables, type CostModel, type Limits } from './limits';
import type { Logger } from './logger';
import { sendGraphiQL, serveGraphiQLAsset, wantsGraphiQL } from './graphiql';
import { hostAllowed, type AllowedHosts } from './hosts';
import { bodyParts, dropBody } from './responseBody';
import type { ResponseCache } from './responseCache';
import { requestModelsOf } from './resolvers/context';
import { RETRY_AFTER_SECONDS } from '../eventStore/faults';
import type { Metrics } from '../metrics/metrics';
import { recordHttpOperation, type OperationRecord } from '../metrics/httpOperations';
import type { Readiness } from '../metrics/readiness';

export interface HttpOptions {
  apollo: ApolloServer<BaseContext>;
  schema: GraphQLSchema;
  store: EventStore;
  auth: AuthConfig;
  createContext: (auth: ContextAuth) => object;
  corsOrigins: string[];
  logger: Logger;
  limits: Limits;
  /** Directory served at / (null: none). */
  publicDir: string | null;
  /** Host names the server answers to (null: any); see hosts.ts. */
  allowedHosts?: AllowedHosts;
  /** Served at /metrics (null: off, STRATA_METRICS=false). */
  metrics?: Metrics | null;
  /** Answers /readyz (absent: /readyz mirrors /healthz's reachability). */
  readiness?: Readiness;
  /** Other endpoints by path (POST /hooks/registry); each does its own auth. */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>;
  /** Answers kept by log position (responseCache.ts); null: every query executes. */
  responseCache?: ResponseCache | null;
}

/** What the Apollo plugin learns about an HTTP request, for auth and the access log. */
interface RequestInfo {
  /** Ties the access-log line to any masked-error line of the same request. */
  reqId: string;
  auth: RequestAuth;
  operationName?: string | null;
  operationType?: string;
  /** The operation's name as the document spells it (metrics label it; never the client's operationName alone). */
  documentName?: string;
  errorCodes: string[];
  /** Where this request's answer is kept once complete (a cacheable miss). */
  cacheKey?: { key: string; position: number };
  /** The kept answer this request is served (a hit: nothing executed). */
  cachedBody?: Buffer;
}

/** Keyed by the HTTPGraphQLRequest we hand Apollo (it comes back as request.http). */
const infos = new WeakMap<HTTPGraphQLRequest, RequestInfo>();
const NOBODY: RequestAuth = { credential: 'none', actor: null, canRead: false, canWrite: false };

export const GRAPHQL_PATH = '/graphql';
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const ALLOWED_HEADERS = 'authorization, content-type, accept, x-strata-actor, apollo-require-preflight, x-apollo-operation-name';

/**
 * Enforces auth and limits inside Apollo's pipeline, after the operation is
 * known and before anything executes: a refused operation never reaches a resolver.
 */
export function strataPlugin(
  schema: GraphQLSchema, limits: Limits, logger: Logger, costModel?: (context?: object) => Promise<CostModel>, cache?: ResponseCache | null,
): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart(start) {
      const info = start.request.http ? infos.get(start.request.http) : undefined;
      return {
        async didResolveOperation(rc) {
          if (!rc.operation) return; // Apollo has already refused the request
          if (info) {
            info.operationName = rc.operationName;
            info.operationType = rc.operation.operation;
            info.documentName = rc.operation.name?.value;
          }
          const refused = authorizeOperation(info?.auth ?? NOBODY, rc.operation.operation);
          if (refused) throw refused;
          if (rc.operation.operation === 'subscription') {
            throw codedError('BAD_USER_INPUT', `Subscriptions run over WebSocket (graphql-ws) at ${GRAPHQL_PATH}, not over HTTP`, 400);
          }
          // A query reads one head model: the cost model, the cache key and every root field share its catch-up.
          if (rc.operation.operation === 'query') requestModelsOf(rc.contextValue)?.pin();
          // Sizes and log-bound work from the data; without them (the store is down) the static model.
          const costs = costModel ? await costModel(rc.contextValue).catch(() => undefined) : undefined;
          const tooBig = checkOperation(schema, rc.document, rc.operation, rc.request.variables, limits, costs);
          if (tooBig) throw tooBig;
        },
        // After every didResolveOperation (auth, limits) passed: a kept answer instead of executing.
        async responseForOperation(rc) {
          if (!cache || !info) return null;
          // The model cannot catch up (the store is down): execute, so the resolvers report it as they always do.
          const k = await cache.keyFor(rc.document, rc.operation, rc.request.operationName, rc.source, rc.request.variables, info.auth,
            requestModelsOf(rc.contextValue)).catch(() => null);
          if (!k) return null;
          const body = cache.get(k.key, k.position);
          if (!body) {
            info.cacheKey = k;
            return null;
          }
          info.cachedBody = body;
          // Apollo serializes this stand-in (and sets the headers as for any answer); the handler sends the kept bytes.
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data: {} } } };
        },
        async didEncounterErrors(rc) {
          if (info) info.errorCodes = rc.errors.map((e) => classifyError(e).code);
          logMaskedErrors(logger, rc.errors, { reqId: info?.reqId, operation: rc.operationName ?? null });
        },
        async willSendResponse(rc) {
          // A storage fault says "retry later" in HTTP terms too (faults.ts).
          if (info?.errorCodes.includes('UNAVAILABLE')) {
            rc.response.http.status = 503;
            rc.response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
          }
        },
      };
    },
  };
}

/** The node:http request listener: CORS, /healthz, /graphql, static files. */
export function createRequestHandler(o: HttpOptions) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    // A request target URL cannot parse (e.g. "//": an authority with no host) is refused,
    // never thrown: an exception here would end the whole server process.
    const url = URL.canParse(req.url ?? '/', 'http://localhost') ? new URL(req.url ?? '/', 'http://localhost') : null;
    if (!url) return sendError(req, res, 'BAD_USER_INPUT', `Malformed request target ${JSON.stringify(req.url)}`, 400);
    const reqId = randomUUID().slice(0, 8);
    const log: Record<string, unknown> = { reqId, method: req.method, path: url.pathname };
    const op: OperationRecord = {};
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (o.metrics && url.pathname === GRAPHQL_PATH && (req.method === 'POST' || req.method === 'GET') && !wantsGraphiQL(req)) {
        recordHttpOperation(o.metrics, op, log.errors as string[] | undefined, res.statusCode, ms / 1000);
      }
      // Probes and scrapes come every few seconds: they would drown the access log.
      const level = PROBE_PATHS.has(url.pathname) ? 'debug' : 'info';
      o.logger[level]({ ...log, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    res.setHeader('x-content-type-options', 'nosniff');
    route(o, req, res, url, log, op).catch((err) => {
      o.logger.error({ err }, 'request handler failed');
      if (!res.headersSent) send(res, 500, 'application/json; charset=utf-8', errorBody('INTERNAL_SERVER_ERROR', INTERNAL_MESSAGE));
      else res.destroy();
    });
  };
}

async function route(o: HttpOptions, req: IncomingMessage, res: ServerResponse, url: URL, log: Record<string, unknown>,
  op: OperationRecord) {
  if (!hostAllowed(req, o.allowedHosts ?? null)) {
    // DNS rebinding (hosts.ts): a name we were not configured with.
    return send(res, 403, 'application/json; charset=utf-8', JSON.stringify({ error: 'host not allowed; add it to STRATA_ALLOWED_HOSTS' }));
  }
  if (!applyCors(o.corsOrigins, req, res)) return;
  if (req.method === 'OPTIONS') {
    res.setHeader('allow', 'GET, HEAD, POST, OPTIONS');
    return send(res, 204);
  }
  const extra = o.routes?.[url.pathname];
  if (extra) return extra(req, res);
  if (url.pathname === GRAPHQL_PATH) {
    if (wantsGraphiQL(req)) return sendGraphiQL(req, res);
    if (req.method !== 'GET' && req.method !== 'POST') return methodNotAllowed(res, 'GET, POST');
    return graphql(o, req, res, url, log, op);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
  if (url.pathname === '/healthz') return healthz(o, req, res);
  if (url.pathname === '/readyz') return readyz(o, res);
  if (url.pathname === '/metrics' && o.metrics) return metrics(o, o.metrics, req, res);
  if (await serveGraphiQLAsset(url.pathname, req, res)) return;
  if (o.publicDir && (await serveStatic(o.publicDir, url.pathname, req, res))) return;
  send(res, 404, 'application/json; charset=utf-8', JSON.stringify({ error: 'not found' }));
}

/**
 * CORS for the configured origins ('*' for any). Returns false when it has
 * answered the request itself (a refused preflight).
 */
function applyCors(allowed: string[], req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (!origin || allowed.length === 0) {
    if (origin && req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      send(res, 403, 'application/json; charset=utf-8', JSON.stringify({ error: 'origin not allowed' }));
      return false;
    }
    return true;
  }
  const ok = allowed.includes('*') || allowed.includes(origin);
  if (!allowed.includes('*')) res.setHeader('vary', 'Origin');
  if (!ok) {
    if (req.method !== 'OPTIONS') return true; // the browser blocks the response: no header is enough
    send(res, 403, 'application/json; charset=utf-8', JSON.stringify({ error: 'origin not allowed' }));
    return false;
  }
  res.setHeader('access-control-allow-origin', allowed.includes('*') ? '*' : origin);
  if (req.method === 'OPTIONS') {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
    res.setHeader('access-control-max-age', '600');
  }
  return true;
}

/**
 * 200 while reads work; `writable: false` and the reason when a write would
 * fail now (read-only database, full disk, the last write's storage fault).
 * The head is shown only to callers who may read.
 */
async function healthz(o: HttpOptions, req: IncomingMessage, res: ServerResponse) {
  const mayRead = authenticate(o.auth, req.headers.authorization).canRead;
  try {
    const head = await o.store.head();
    const writeProblem = o.store.writeProblem ? await o.store.writeProblem().catch(() => 'the database cannot be checked') : null;
    const body = { ok: true, ...(mayRead ? { head } : {}), writable: writeProblem === null,
      ...(writeProblem ? { reason: writeProblem } : {}) };
    send(res, 200, 'application/json; charset=utf-8', JSON.stringify(body));
  } catch (err) {
    o.logger.warn({ errCode: (err as { code?: unknown })?.code, message: (err as Error)?.message }, 'healthz: store unavailable');
    res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    send(res, 503, 'application/json; charset=utf-8',
      JSON.stringify({ ok: false, writable: false, reason: 'the database is unavailable' }));
  }
}

/** Prometheus text; behind the read token when reads are (a scrape config sends it as a bearer token). */
async function metrics(o: HttpOptions, m: Metrics, req: IncomingMessage, res: ServerResponse) {
  if (!authenticate(o.auth, req.headers.authorization).canRead) {
    res.setHeader('www-authenticate', 'Bearer');
    return send(res, 401, 'application/json; charset=utf-8', JSON.stringify({ error: 'send the read token' }));
  }
  const { contentType, body } = await m.text();
  res.setHeader('cache-control', 'no-store');
  send(res, 200, contentType, req.method === 'HEAD' ? undefined : body);
}

/**
 * Readiness (liveness is /healthz): 200 when this instance can serve, else 503
 * with the reason. The reason names no data, so it is shown to anyone.
 */
async function readyz(o: HttpOptions, res: ServerResponse) {
  const state = o.readiness ? await o.readiness().catch(() => ({ ready: false, reason: 'the database is unavailable' }))
    : await o.store.head().then(() => ({ ready: true }), () => ({ ready: false, reason: 'the database is unavailable' }));
  res.setHeader('cache-control', 'no-store');
  if (!state.ready) res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
  send(res, state.ready ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(state));
}

async function graphql(o: HttpOptions, req: IncomingMessage, res: ServerResponse, url: URL, log: Record<string, unknown>,
  op: OperationRecord) {
  const auth = authenticate(o.auth, req.headers.authorization, header(req, 'x-strata-actor'));
  // Refuse early when no operation could be allowed: no parsing, no schema hints.
  const refused = auth.canRead ? null : authorizeOperation(auth, 'query');
  if (refused) {
    op.early = 'auth';
    return sendError(req, res, refused.extensions.code as string, refused.message, 401);
  }

  let body: unknown;
  if (req.method === 'POST') {
    const parsed = await readJsonBody(req, o.limits.maxBodyBytes);
    if (parsed.error) {
      op.early = 'body';
      return sendError(req, res, 'BAD_USER_INPUT', parsed.error, parsed.status);
    }
    body = parsed.value;
    const vars = body && typeof body === 'object' ? (body as Record<string, unknown>).variables : undefined;
    const tooBig = checkVariables(vars, o.limits);
    if (tooBig) {
      op.early = 'limits';
      return sendError(req, res, 'BAD_USER_INPUT', tooBig.message, 400);
    }
  }

  const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers: toHeaderMap(req), search: url.search, body };
  const info: RequestInfo = { reqId: log.reqId as string, auth, errorCodes: [] };
  infos.set(httpGraphQLRequest, info);
  const context = async () => {
    try {
      return o.createContext({ actor: auth.actor, canWrite: auth.canWrite }) as BaseContext;
    } catch (err) {
      o.logger.error({ err }, 'createContext failed');
      throw codedError('INTERNAL_SERVER_ERROR', INTERNAL_MESSAGE, 500);
    }
  };
  const answer = o.apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
  const result = await withTimeout(answer, o.limits.requestTimeoutMs);
  // An answer that comes after the timeout is never sent: its serialized body must not stay parked.
  if (result === TIMEOUT) answer.then((late) => { if (late.body.kind === 'complete') dropBody(late.body.string); }, () => {});
  Object.assign(log, { operation: info.operationName ?? null, type: info.operationType,
    errors: info.errorCodes.length ? info.errorCodes : undefined });
  Object.assign(op, { type: info.operationType, documentName: info.documentName });
  if (result === TIMEOUT) {
    if (info.operationType === 'mutation') {
      // graphql-js cannot cancel: the write may still commit. Say so (ADR 0005).
      log.errors = ['OUTCOME_UNKNOWN'];
      return sendError(req, res, 'OUTCOME_UNKNOWN',
        `The mutation did not finish within ${o.limits.requestTimeoutMs} ms and may still commit; `
        + 'retry with the same idempotencyKey to learn its outcome (without a key a retry may apply it twice)',
        503, { retryWithSameIdempotencyKey: true });
    }
    log.errors = ['QUERY_TOO_COMPLEX'];
    return sendError(req, res, 'QUERY_TOO_COMPLEX', `The request took longer than ${o.limits.requestTimeoutMs} ms; ask for less`, 503);
  }
  // Answers change with every append: never cache them (Apollo's cache-control
  // plugin is disabled: it cost 14-17% of server CPU for hints we never set).
  res.setHeader('cache-control', 'no-store');
  for (const [k, v] of result.headers) res.setHeader(k, v);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    // The cost model bounds what a query may ask for; this bounds what it may send (case 15.7).
    // Encoded once here: res.end(string) would scan the string for its byte length (Content-Length)
    // and then encode it again when writing (both passes showed in profiles of 1,000-row pages).
    // A large answer comes as pieces (responseBody.ts): never one string in V8's large-object space.
    // Kept batches come as their own kept bytes (responseBody.ts KeptBatch): written as parts, never joined here.
    const { parts, length: bytes } = info.cachedBody ? { parts: [info.cachedBody], length: info.cachedBody.length }
      : bodyParts(result.body.string);
    if (bytes > o.limits.maxResponseBytes) {
      log.errors = ['QUERY_TOO_COMPLEX'];
      res.removeHeader('content-length');
      return sendError(req, res, 'QUERY_TOO_COMPLEX',
        `The response would be ${bytes} bytes, over the ${o.limits.maxResponseBytes}-byte cap; ask for smaller pages or fewer fields`, 400);
    }
    if (info.cacheKey && !info.errorCodes.length && res.statusCode === 200 && o.responseCache) {
      o.responseCache.set(info.cacheKey.key, info.cacheKey.position, parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes));
    }
    if (parts.length === 1) return void res.end(parts[0]);
    res.setHeader('content-length', bytes);
    // One writev for all parts (corked until the end).
    res.cork();
    for (const part of parts) res.write(part);
    return void res.end();
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

const TIMEOUT = Symbol('timeout');

/** Stops waiting (the work itself cannot be cancelled: graphql-js has no abort). */
async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<typeof TIMEOUT>((resolve) => (timer = setTimeout(() => resolve(TIMEOUT), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

type BodyResult = { value: unknown; error?: undefined; status?: undefined } | { error: string; status: number; value?: undefined };

/** Reads at most max bytes and parses JSON: 413 past the cap, 415 for other media types, 400 when malformed. */
async function readJsonBody(req: IncomingMessage, max: number): Promise<BodyResult> {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    return { error: `Unsupported Content-Type ${type}; send application/json`, status: 415 };
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return tooLarge(req, max);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return tooLarge(req, max);
    chunks.push(chunk);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { error: 'Malformed JSON body', status: 400 };
  }
}

function tooLarge(req: IncomingMessage, max: number): BodyResult {
  // Stop reading; the connection is closed after the 413 (see send).
  req.pause();
  (req as IncomingMessage & { tooLarge?: boolean }).tooLarge = true;
  // A file's bytes (FileChange.contentBase64) are the usual reason: say how to send large ones.
  const hint = 'to commit large files use `strata commit IMAGE --layer FILE.tar` or --from-dir DIR';
  return { error: `Request body exceeds ${max} bytes; ${hint}`, status: 413 };
}

/** A GraphQL-shaped error answer, in the media type the client accepts. */
function sendError(
  req: IncomingMessage, res: ServerResponse, code: string, message: string, status: number, extensions?: Record<string, unknown>,
) {
  const accept = req.headers.accept ?? '';
  const type = accept.includes('application/graphql-response+json')
    ? 'application/graphql-response+json; charset=utf-8'
    : 'application/json; charset=utf-8';
  if (code === 'UNAUTHENTICATED') res.setHeader('www-authenticate', 'Bearer');
  if ((req as IncomingMessage & { tooLarge?: boolean }).tooLarge) res.setHeader('connection', 'close');
  send(res, status, type, errorBody(code, message, extensions));
}

function send(res: ServerResponse, status: number, type?: string, body?: string) {
  res.statusCode = status;
  if (type) res.setHeader('content-type', type);
  res.end(body);
}

function methodNotAllowed(res: ServerResponse, allow: string) {
  res.setHeader('allow', allow);
  send(res, 405, 'application/json; charset=utf-8', JSON.stringify({ error: 'method not allowed' }));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function toHeaderMap(req: IncomingMessage): HeaderMap {
  const map = new HeaderMap();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) map.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  return map;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Serves a file under root, index.html for a directory. The resolved real
 * path must stay inside the real root (no `..`, no encoded `..`, no symlink out).
 * Returns false when there is no such file.
 */
export async function serveStatic(root: string, urlPath: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return false;
  }
  if (rel.includes('\0')) return false;
  const realRoot = await fsp.realpath(root).catch(() => null);
  if (!realRoot) return false;
  let file = path.join(realRoot, path.posix.normalize('/' + rel));
  const stat = await fsp.stat(file).catch(() => null);
  if (!stat) return false;
  if (stat.isDirectory()) file = path.join(file, 'index.html');
  const real = await fsp.realpath(file).catch(() => null);
  if (!real || (real !== realRoot && !real.startsWith(realRoot + path.sep))) return false;
  const st = await fsp.stat(real).catch(() => null);
  if (!st?.isFile()) return false;
  res.statusCode = 200;
  res.setHeader('content-type', CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('content-length', st.size);
  res.setHeader('cache-control', 'no-cache');
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  await new Promise<void>((resolve, reject) => {
    createReadStream(real).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
  });
  return true;
}
