/** `strata serve`: the GraphQL API over HTTP and WebSocket, until SIGTERM/SIGINT. */
import { Strata } from '../application/strata';
import { buildExecutableSchema } from '../graphql/buildSchema';
import { createContext, requestModelsOf } from '../graphql/resolvers/context';
import { createLogger } from '../graphql/logger';
import { startServer } from '../server';
import { HOOK_PATH, registryHook } from '../graphql/registryHook';
import { costModelFor } from '../graphql/costs';
import { loadWriteToken, requireTokenForHost } from './writeToken';
import { Metrics } from '../metrics/metrics';
import { instrumentStore } from '../metrics/instrumentStore';
import { sourcesFor } from '../metrics/sources';
import { DEFAULT_MAX_LAG, readinessOf } from '../metrics/readiness';
import { loadWebhookConfig } from '../webhooks/config';
import { dispatcherOptionsFromEnv, WebhookDispatcher } from '../webhooks/dispatcher';
import { ReadModelSnapshotter } from './snapshotter';
import { DEFAULT_RESPONSE_CACHE_BYTES, ResponseCache } from '../graphql/responseCache';

export interface ServeOptions { port?: string; host?: string; db?: string; blobs?: string }

export async function serve(opts: ServeOptions): Promise<void> {
  const logger = createLogger();
  const host = opts.host ?? process.env.HOST ?? '127.0.0.1';
  requireTokenForHost(host, opts.db);
  const opened = await Strata.open(opts.db, { blobs: opts.blobs });
  // STRATA_METRICS=false: no /metrics and no counting.
  let metrics: Metrics | undefined;
  const app = process.env.STRATA_METRICS === 'false' ? opened
    : new Strata(instrumentStore(opened.store, (metrics = new Metrics(sourcesFor(opened)))), opened.blobs);
  if (metrics) {
    const m = metrics;
    app.onIdempotentReplay = () => m.replays.inc();
    app.onTransfer = (direction, bytes, seconds) => {
      m.transferBytes.inc({ direction }, bytes);
      m.transferSeconds.observe({ direction }, seconds);
    };
  }
  const maxLag = Number(process.env.STRATA_READY_MAX_LAG) >= 0 && process.env.STRATA_READY_MAX_LAG
    ? Number(process.env.STRATA_READY_MAX_LAG) : DEFAULT_MAX_LAG;
  const readiness = readinessOf(app.store, { position: () => app.models.position,
    catchUp: () => void app.models.current().catch(() => undefined) }, maxLag);
  // A configuration mistake stops serve before it listens: deliveries are never silently wrong.
  app.webhookEndpoints = loadWebhookConfig(process.env.STRATA_WEBHOOKS || undefined);
  // Read before the write token is generated and kept (below): a bad value stops serve without making one.
  const cacheBytes = responseCacheBytes(process.env.STRATA_RESPONSE_CACHE_MB);
  const { token: writeToken, source, file } = loadWriteToken(opts.db);
  if (source === 'generated') process.stderr.write(`strata: generated a write token (${writeToken}), kept in ${file}\n`);
  else if (source === 'file') process.stderr.write(`strata: write token in ${file} (STRATA_WRITE_TOKEN overrides it)\n`);
  const schema = buildExecutableSchema(app.store);
  const server = await startServer({
    schema,
    responseCache: cacheBytes > 0 ? new ResponseCache(schema, app.models, cacheBytes) : null,
    store: app.store,
    createContext: (auth) => createContext(app, auth),
    costModel: (context) => costModelFor(app, requestModelsOf(context)),
    port: Number(opts.port ?? process.env.PORT ?? 4000),
    host,
    writeToken,
    readToken: process.env.STRATA_READ_TOKEN || undefined,
    corsOrigins: process.env.STRATA_CORS_ORIGINS ? process.env.STRATA_CORS_ORIGINS.split(',').map((s) => s.trim()) : [],
    allowedHosts: process.env.STRATA_ALLOWED_HOSTS ? process.env.STRATA_ALLOWED_HOSTS.split(',').map((s) => s.trim()) : [],
    logger,
    metrics,
    readiness,
    routes: { [HOOK_PATH]: registryHook(app, logger) },
    introspection: process.env.STRATA_INTROSPECTION !== 'false',
    ...(Number(process.env.STRATA_REQUEST_TIMEOUT_MS) > 0 ? { requestTimeoutMs: Number(process.env.STRATA_REQUEST_TIMEOUT_MS) } : {}),
  });
  app.onReadModelLog = (line) => process.stderr.write(`strata: ${line}\n`);
  // Warm the read model so the first dashboard request does not pay the replay (from the newest snapshot: docs/adr/0012).
  await app.models.current();
  const snapshotter = new ReadModelSnapshotter(app, opts.db, (line) => process.stderr.write(`strata: ${line}\n`));
  snapshotter.start();
  const webhooks = new WebhookDispatcher(app, app.webhookEndpoints, dispatcherOptionsFromEnv(), logger);
  await webhooks.start();
  if (app.webhookEndpoints.length > 0) {
    process.stderr.write(`strata: delivering webhooks to ${app.webhookEndpoints.map((e) => e.name).join(', ')}\n`);
  }
  process.stderr.write(`strata: serving GraphQL at ${server.url}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await webhooks.stop();
    await server.close();
    await snapshotter.stop();
    await app.close();
    // pino writes asynchronously (sonic-boom): at process.exit a line still queued in libuv's thread pool is lost,
    // and on a loaded machine that was the 'listening' line itself (firstRun.e2e). Wait for every line to be written.
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** STRATA_RESPONSE_CACHE_MB: megabytes of query answers kept by log position (ADR 0013); 0 turns the cache off. */
export function responseCacheBytes(env: string | undefined): number {
  if (env === undefined || env.trim() === '') return DEFAULT_RESPONSE_CACHE_BYTES;
  const mb = Number(env);
  if (!Number.isFinite(mb) || mb < 0) {
    throw new Error(`STRATA_RESPONSE_CACHE_MB must be a number of megabytes >= 0, got ${JSON.stringify(env)}`);
  }
  return Math.floor(mb * 1024 * 1024);
}
