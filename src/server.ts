import http from 'node:http';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { WebSocketServer } from 'ws';
import { getOperationAST, parse, validate, specifiedRules, NoSchemaIntrospectionCustomRule, GraphQLError, type GraphQLSchema,
  type DocumentNode } from 'graphql';
// tsconfig's moduleResolution "node" ignores package exports, so the types come
// from the file and the value from the exported subpath (what Node resolves).
import type { useServer as UseServer } from 'graphql-ws/dist/use/ws';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useServer } = require('graphql-ws/use/ws') as { useServer: typeof UseServer };
import type { EventStore } from './eventStore/types';
import { authenticate, authorizeOperation, type AuthConfig, type ContextAuth, type RequestAuth } from './graphql/auth';
import { formatError, logMaskedErrors, codedError, INTERNAL_MESSAGE } from './graphql/errors';
import { createRequestHandler, strataPlugin, GRAPHQL_PATH, type HttpOptions } from './graphql/http';
import { DEFAULT_LIMITS, checkOperation, checkVariables, type CostModel, type Limits } from './graphql/limits';
import { answerClientError } from './graphql/clientErrors';
import { createLogger, type Logger } from './graphql/logger';
import { createExecutor, executorGateway, type ExecutionEngine } from './graphql/executor';
import { stringifyResult } from './graphql/responseBody';
import type { ResponseCache } from './graphql/responseCache';
import { SLOW_CONSUMER_CLOSE_CODE, SlowConsumerError, type SubscriptionContext } from './graphql/subscriptions';
import { allowedHostsFor, hostAllowed, wsOriginAllowed, type AllowedHosts } from './graphql/hosts';
import { rejectionReason, type Metrics } from './metrics/metrics';
import type { Readiness } from './metrics/readiness';

export interface ServerOptions {
  schema: GraphQLSchema;
  store: EventStore;
  /** Builds the resolvers' context; called once per HTTP request or WebSocket operation. */
  createContext: (auth: ContextAuth) => object;
  port: number;
  host: string;
  writeToken?: string;
  readToken?: string;
  /** Origins allowed to call the API from a browser ('*': any). Default: same origin only. */
  corsOrigins?: string[];
  /**
   * Host names to answer besides the defaults (STRATA_ALLOWED_HOSTS; '*': any).
   * Default: the loopback names when bound to loopback (see graphql/hosts.ts).
   */
  allowedHosts?: string[];
  logger?: Logger;
  maxBodyBytes?: number;
  requestTimeoutMs?: number;
  /**
   * The data's list lengths and log-bound work for the cost check (graphql/costs.ts); default: static.
   * Given the request's context over HTTP (its pinned read model: resolvers/context.ts RequestModels).
   */
  costModel?: (context?: object) => Promise<CostModel>;
  /** Other limits (depth, cost, aliases…); see limits.ts. */
  limits?: Partial<Limits>;
  /** Served at /; default public/ at the repository root when it exists. */
  publicDir?: string | null;
  /** Other endpoints by path (POST /hooks/registry). */
  routes?: HttpOptions['routes'];
  /** How long close() lets in-flight requests finish before cutting them. */
  shutdownGraceMs?: number;
  /** Answer __schema/__type (default true, whatever NODE_ENV says: codegen, GraphiQL and audits need it). */
  introspection?: boolean;
  /** How HTTP queries execute (executor.ts); default graphql-jit, 'graphql-js' for comparison. */
  executionEngine?: ExecutionEngine;
  /** How answers are serialized: default in pieces (responseBody.ts), 'apollo' (one string) for comparison. */
  serializer?: 'pieces' | 'apollo';
  /** Served at GET /metrics (absent: no /metrics). */
  metrics?: Metrics;
  /** Answers GET /readyz (absent: ready while the database answers). */
  readiness?: Readiness;
  /** Query answers kept by log position (graphql/responseCache.ts, ADR 0013). Absent: every query executes. */
  responseCache?: ResponseCache | null;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, closes WebSockets. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_PUBLIC_DIR = path.resolve(__dirname, '..', 'public');

/** Apollo Server on node:http at /graphql, graphql-ws on the same path, /healthz, static files. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger();
  const limits: Limits = {
    ...DEFAULT_LIMITS,
    ...opts.limits,
    ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
  };
  const auth = { writeToken: opts.writeToken, readToken: opts.readToken };
  const corsOrigins = opts.corsOrigins ?? [];
  const allowedHosts = allowedHostsFor(opts.host, opts.allowedHosts ?? []);
  // Slow-loris guard: the whole request must arrive within the request budget.
  // Node enforces these timeouts only when it sweeps its connections (every 30 s
  // by default), so sweep often enough for the budget to mean what it says.
  const httpServer = http.createServer({ connectionsCheckingInterval: Math.max(100,
    Math.min(30_000, Math.floor(limits.requestTimeoutMs / 4))) });
  httpServer.requestTimeout = limits.requestTimeoutMs;
  httpServer.headersTimeout = Math.min(httpServer.headersTimeout, limits.requestTimeoutMs);
  httpServer.on('clientError', answerClientError(limits.requestTimeoutMs));

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxBodyBytes });
  const introspection = opts.introspection ?? true;
  const ws = startWebSocket({ wss, httpServer, schema: opts.schema, introspection, auth, createContext: opts.createContext, corsOrigins,
    allowedHosts, logger, limits, costModel: opts.costModel, metrics: opts.metrics });

  const responseCache = opts.responseCache ?? null;
  const apollo = new ApolloServer<BaseContext>({
    // Only execution is ours (executor.ts: graphql-jit for queries); parsing, validation,
    // the strata plugin's auth and limits, formatError and serialization are Apollo's as before.
    gateway: executorGateway(opts.schema, createExecutor(opts.schema, { engine: opts.executionEngine,
      // Lists answered as text need responseBody.ts's serializer to be written as text.
      leafLists: opts.serializer !== 'apollo' })),
    // Apollo's default ties introspection to NODE_ENV, and bin/strata.js runs in production.
    introspection,
    formatError,
    // The same bytes as Apollo's default, large answers in pieces the HTTP handler encodes (responseBody.ts).
    ...(opts.serializer === 'apollo' ? {} : { stringifyResult }),
    includeStacktraceInErrorResponses: false,
    // Auth is a bearer header, never a cookie, so a cross-site form cannot act
    // for a user; CSRF prevention would only break plain GET queries.
    csrfPrevention: false,
    allowBatchedHttpRequests: false,
    // The CLI owns SIGTERM/SIGINT and calls close(); Apollo must not race it.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: limits.maxTokens },
    logger: apolloLogger(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: opts.shutdownGraceMs ?? 10_000 }),
      { async serverWillStart() { return { drainServer: () => ws.dispose() }; } },
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      strataPlugin(opts.schema, limits, logger, opts.costModel, responseCache),
    ],
  });
  await apollo.start();

  const publicDir = opts.publicDir === undefined ? (existsSync(DEFAULT_PUBLIC_DIR) ? DEFAULT_PUBLIC_DIR : null) : opts.publicDir;
  httpServer.on('request', createRequestHandler({ apollo, schema: opts.schema, store: opts.store, auth, createContext: opts.createContext,
    corsOrigins, allowedHosts, logger, limits, publicDir, metrics: opts.metrics, readiness: opts.readiness, routes: opts.routes,
    responseCache }));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port, opts.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${hostForUrl}:${port}${GRAPHQL_PATH}`;
  logger.info({ url }, 'listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    close: () => (closing ??= apollo.stop().then(() => logger.info('stopped'))),
  };
}

/** Apollo's own warnings and errors go to the same structured log. */
function apolloLogger(logger: Logger) {
  const child = logger.child({ component: 'apollo' });
  return {
    debug: (msg: unknown) => child.debug(String(msg)),
    info: (msg: unknown) => child.info(String(msg)),
    warn: (msg: unknown) => child.warn(String(msg)),
    error: (msg: unknown) => child.error(String(msg)),
  };
}

interface WsOptions {
  wss: WebSocketServer;
  httpServer: http.Server;
  schema: GraphQLSchema;
  introspection: boolean;
  auth: AuthConfig;
  createContext: (auth: ContextAuth) => object;
  corsOrigins: string[];
  allowedHosts: AllowedHosts;
  logger: Logger;
  limits: Limits;
  costModel?: () => Promise<CostModel>;
  metrics?: Metrics;
}

/**
 * graphql-ws on the HTTP server's /graphql path. Each operation goes through
 * the same gates as HTTP (parse budget, validation, auth, limits) in onSubscribe,
 * before anything executes.
 */
function startWebSocket(o: WsOptions): { dispose(): Promise<void> } {
  o.httpServer.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Browsers do not apply CORS to WebSockets: check Host and Origin ourselves (hosts.ts).
    if (url.pathname !== GRAPHQL_PATH || !hostAllowed(req, o.allowedHosts) || !wsOriginAllowed(req, o.corsOrigins, o.allowedHosts)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    o.wss.handleUpgrade(req, socket, head, (client) => o.wss.emit('connection', client, req));
  });
  const log = o.logger.child({ transport: 'ws' });
  // graphql-ws keeps each connection's running operations in ctx.subscriptions.
  const open = new Set<{ subscriptions: Record<string, unknown> }>();
  o.metrics?.watchWebSockets(() => ({ connections: open.size,
    operations: [...open].reduce((n, c) => n + Object.keys(c.subscriptions).length, 0) }));
  const refusedOp = (type: string, errors: readonly GraphQLError[]) => {
    const code = errors[0]?.extensions?.code;
    const outcome = typeof code === 'string' ? code : 'GRAPHQL_VALIDATION_FAILED';
    o.metrics?.operations.inc({ transport: 'ws', type, operation: 'anonymous', outcome });
    o.metrics?.rejected.inc({ reason: rejectionReason(outcome) ?? 'invalid' });
    return errors as GraphQLError[];
  };
  const cleanup = useServer<Record<string, unknown> | undefined, { auth: RequestAuth }>(
    {
      onConnect(ctx) {
        const p = ctx.connectionParams ?? {};
        const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
        ctx.extra.auth = authenticate(o.auth, str(p.authorization ?? p.Authorization), str(p['x-strata-actor'] ?? p.actor));
        open.add(ctx as unknown as { subscriptions: Record<string, unknown> });
        return true;
      },
      onClose(ctx) {
        open.delete(ctx as unknown as { subscriptions: Record<string, unknown> });
      },
      async onSubscribe(ctx, _id, payload) {
        const auth = ctx.extra.auth ?? authenticate(o.auth, undefined);
        // graphql-ws has already registered this operation in ctx.subscriptions.
        if (Object.keys(ctx.subscriptions).length > o.limits.maxSubscriptionsPerConnection) {
          const most = o.limits.maxSubscriptionsPerConnection;
          return refusedOp('unknown', [codedError('QUERY_TOO_COMPLEX', `At most ${most} operations at once on one connection`)]);
        }
        // The token first: a refused client learns nothing of the schema
        // (validation's "Did you mean …?" hints name fields).
        if (!auth.canRead) return refusedOp('unknown', [authorizeOperation(auth, 'query')!]);
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: o.limits.maxTokens });
        } catch (e) {
          return refusedOp('unknown', [e instanceof GraphQLError ? e : codedError('BAD_USER_INPUT', 'Could not parse the document')]);
        }
        const invalid = validate(o.schema, document, o.introspection ? undefined : [...specifiedRules, NoSchemaIntrospectionCustomRule]);
        if (invalid.length) return refusedOp('unknown', invalid);
        const op = getOperationAST(document, payload.operationName);
        if (!op) return [codedError('BAD_USER_INPUT', 'Unable to identify the operation')];
        const costs = o.costModel ? await o.costModel().catch(() => undefined) : undefined;
        const refused = authorizeOperation(auth, op.operation) ?? checkVariables(payload.variables, o.limits) ?? checkOperation(o.schema,
          document, op, payload.variables ?? undefined, o.limits, costs);
        if (refused) return refusedOp(op.operation, [refused]);
        log.info({ operation: payload.operationName ?? op.name?.value ?? null, type: op.operation }, 'operation');
        o.metrics?.operations.inc({ transport: 'ws', type: op.operation, operation: o.metrics.operationLabel(op.name?.value),
          outcome: 'ok' });
        try {
          const socket = ctx.extra.socket;
          const subscription: SubscriptionContext = {
            maxBuffered: o.limits.subscriberBuffer,
            // A client that does not read is cut off, not buffered for without bound.
            onSlowConsumer: (last) => {
              log.info({ lastDelivered: last }, 'slow consumer disconnected');
              socket.close(SLOW_CONSUMER_CLOSE_CODE, `slow consumer; resume with Query.events after position ${last}`);
            },
          };
          const contextValue = Object.assign(o.createContext({ actor: auth.actor, canWrite: auth.canWrite }), { subscription });
          return { schema: o.schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
        } catch (err) {
          log.error({ err }, 'createContext failed');
          return [codedError('INTERNAL_SERVER_ERROR', INTERNAL_MESSAGE)];
        }
      },
      onError(_ctx, _id, payload, errors) {
        const slow = errors.find((e) => e.originalError instanceof SlowConsumerError)?.originalError as SlowConsumerError | undefined;
        // Cut off on purpose (the socket is already closing with 4008); logged when it was cut off (onSlowConsumer);
        // the client sees the close code, not this error.
        if (!slow) logMaskedErrors(log, errors, { operation: payload.operationName ?? null });
        return errors.map((e) => formatError(e.toJSON(), e));
      },
      onNext(_ctx, _id, payload, _args, result) {
        if (!result.errors?.length) return;
        logMaskedErrors(log, result.errors, { operation: payload.operationName ?? null });
        return { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) };
      },
    },
    o.wss,
  );
  return {
    async dispose() {
      await cleanup.dispose(); // closes every socket with 1001 Going away
      // A client that never answers the close handshake must not hold shutdown.
      for (const client of o.wss.clients) client.terminate();
    },
  };
}
