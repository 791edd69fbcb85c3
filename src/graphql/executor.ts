/**
 * How HTTP operations execute once Apollo has parsed and validated them and the
 * strata plugin (http.ts `didResolveOperation`) has enforced auth and the
 * depth/cost limits: queries run as graphql-jit functions compiled once per
 * document (the per-field interpretation of graphql-js, `getArgumentValues` and
 * `promiseForObject` for every field, was most of a large answer's CPU:
 * bench/RESULTS.md); mutations, subscriptions and introspection keep graphql-js.
 *
 * Plugged in through Apollo Server's gateway `executor` hook, which replaces
 * only the execution step: Apollo still parses, validates, runs every plugin
 * hook, formats errors (`formatError` masking) and serializes. The schema is
 * built elsewhere (buildSchema.ts); this module only executes against it.
 *
 * What the compiled query must do exactly as graphql-js does (test/graphql/executor.unit.test.ts):
 * - variables are coerced by graphql-js's own `getVariableValues` first, so a bad
 *   variable gets graphql-js's errors (and Apollo's HTTP 400) before anything runs;
 * - fields without a resolver read the property; graphql-js would also call a
 *   function-valued property and await a promise, which graphql-jit does not,
 *   so no object the resolvers return may rely on that (the test walks the schema);
 * - errors come back as graphql-js `GraphQLError`s with the same message, path,
 *   locations, extensions and `originalError` (classifyError reads the latter),
 *   including errors a scalar's `serialize` throws, which graphql-jit reduces to
 *   their message: see `serializers` below.
 */
import {
  execute, GRAPHQL_MAX_INT, GRAPHQL_MIN_INT, GraphQLBoolean, GraphQLError, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLScalarType,
  GraphQLString, Kind, type DocumentNode, type ExecutionResult, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { toError } from 'graphql/jsutils/toError';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import { closeLeafLists, openLeafLists } from './leafLists';

export type ExecutionEngine = 'jit' | 'graphql-js';

export interface ExecuteRequest {
  document: DocumentNode;
  /** The document's text: with the operation name, the key of the compiled-query cache. */
  source: string;
  /** Undefined when the document has no operation of that name (graphql-js answers the error). */
  operation: OperationDefinitionNode | undefined;
  operationName: string | null;
  variables?: Record<string, unknown>;
  contextValue: unknown;
}

export type Execute = (r: ExecuteRequest) => Promise<ExecutionResult>;

/** Compiled documents kept (least recently used dropped first). */
export const DEFAULT_COMPILED_CACHE = 500;

/**
 * Errors a scalar's serialize throws, parked under a token message while
 * graphql-jit carries only the message to its error object; taken back when
 * the result's errors are converted (at most this many are parked at once).
 */
const PARKED_MAX = 10_000;

export interface ExecutorOptions {
  engine?: ExecutionEngine;
  /** Compiled documents kept; default DEFAULT_COMPILED_CACHE. */
  cacheSize?: number;
  /** Called after each compilation (tests count them). */
  onCompile?: (operationName: string | null) => void;
  /**
   * Long leaf-only lists (the storage report's) answered as JSON text in the
   * result (leafLists.ts): only for a server whose serializer is responseBody.ts's.
   */
  leafLists?: boolean;
}

/**
 * The values graphql-js's own String, ID, Boolean, Int and Float serializers
 * return as they are (the first case of each), keyed by the serializer: a leaf
 * holding one is answered without the call (a merged-view page serializes
 * 10,000 leaves; issue 19 item 5, third pass). Anything else, and a scalar
 * whose serialize was replaced, goes through the serializer as before.
 */
const returnedUnchanged = new Map<GraphQLScalarType['serialize'], (v: unknown) => boolean>([
  [GraphQLString.serialize, (v) => typeof v === 'string'],
  [GraphQLID.serialize, (v) => typeof v === 'string'],
  [GraphQLBoolean.serialize, (v) => typeof v === 'boolean'],
  [GraphQLInt.serialize, (v) => typeof v === 'number' && Number.isInteger(v) && v <= GRAPHQL_MAX_INT && v >= GRAPHQL_MIN_INT],
  [GraphQLFloat.serialize, (v) => typeof v === 'number' && Number.isFinite(v)],
]);

export function createExecutor(schema: GraphQLSchema, opts: ExecutorOptions = {}): Execute {
  const engine = opts.engine ?? 'jit';
  const graphqlJs: Execute = async (r) => execute({ schema, document: r.document, contextValue: r.contextValue,
    variableValues: r.variables, operationName: r.operationName ?? undefined });
  if (engine === 'graphql-js') return graphqlJs;

  const cacheSize = opts.cacheSize ?? DEFAULT_COMPILED_CACHE;
  /** Map keeps insertion order: re-inserting on a hit makes the first key the least recently used. */
  const cache = new Map<string, CompiledQuery | null>();
  const parked = new Map<string, unknown>();
  let parkedSeq = 0;
  const customSerializers: Record<string, (v: unknown) => unknown> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLScalarType)) continue;
    const serialize = (v: unknown) => {
      try {
        return type.serialize(v);
      } catch (err) {
        const token = `\u0000strata-serialize-error:${++parkedSeq}`;
        if (parked.size >= PARKED_MAX) parked.delete(parked.keys().next().value as string);
        parked.set(token, err);
        throw new Error(token);
      }
    };
    const unchanged = returnedUnchanged.get(type.serialize);
    customSerializers[type.name] = unchanged ? (v) => (unchanged(v) ? v : serialize(v)) : serialize;
  }

  const compiled = (r: ExecuteRequest): CompiledQuery | null => {
    const key = `${r.operationName ?? ''}\u0000${r.source}`;
    const hit = cache.get(key);
    if (hit !== undefined) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    // A document graphql-jit cannot compile (it answers with errors instead) runs on graphql-js.
    const c = compileQuery(schema, r.document, r.operationName ?? undefined, { customSerializers });
    const value = isCompiledQuery(c) ? c : null;
    opts.onCompile?.(r.operationName);
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
    return value;
  };

  const toGraphQLError = (e: GraphQLError): GraphQLError => {
    let message = e.message;
    let original: unknown = e.originalError;
    if (message.startsWith('\u0000strata-serialize-error:')) {
      original = parked.get(message);
      parked.delete(message);
      message = original instanceof Error ? original.message : `Unexpected error value: ${String(original)}`;
    }
    // graphql-js's locatedError: a thrown non-Error becomes an Error saying so (NonErrorThrown).
    if (original !== undefined && original !== null && !(original instanceof Error)) {
      original = toError(original);
      message = (original as Error).message;
    }
    // An error graphql-jit raised itself (no original): graphql-js throws these from
    // completeValue, an Error for a null in a non-null position or a scalar that
    // serialized to nothing, a GraphQLError for the rest (not a list, an abstract
    // type that resolved to no object type); classifyError tells them apart.
    if (original === undefined || original === null) {
      original = message.startsWith('Cannot return null for non-nullable field ') || message.startsWith('Expected a value of type "')
        ? new Error(message) : new GraphQLError(message);
    }
    // graphql-js returns an error already located (it has a path) as it is.
    if (original instanceof GraphQLError && original.path) return original;
    const out = new GraphQLError(message, {
      path: e.path, originalError: (original as Error | undefined) ?? undefined,
      extensions: e.extensions ?? (original as { extensions?: Record<string, unknown> } | undefined)?.extensions,
    });
    if (e.locations) (out as { locations?: unknown }).locations = e.locations;
    return out;
  };

  return async (r) => {
    // No operation (an unknown operationName): graphql-js says which, as Apollo expects.
    if (!r.operation || r.operation.operation !== 'query' || asksIntrospection(r.document, r.operation.selectionSet)) return graphqlJs(r);
    const query = compiled(r);
    if (!query) return graphqlJs(r);
    const coerced = getVariableValues(schema, r.operation.variableDefinitions ?? [], r.variables ?? {}, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const session = opts.leafLists ? openLeafLists(r.contextValue) : null;
    let result: ExecutionResult;
    try {
      result = await query.query(undefined, r.contextValue, r.variables ?? {});
    } finally {
      if (session) closeLeafLists(r.contextValue);
    }
    session?.apply(result.data);
    if (!result.errors?.length) return { data: result.data };
    return { data: result.data, errors: result.errors.map(toGraphQLError) };
  };
}

/** `__schema` / `__type` at the root, directly or through fragments (graphql-js answers those). */
function asksIntrospection(document: DocumentNode, set: SelectionSetNode, seen = new Set<string>()): boolean {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      if (s.name.value === '__schema' || s.name.value === '__type') return true;
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      if (asksIntrospection(document, s.selectionSet, seen)) return true;
    } else if (!seen.has(s.name.value)) {
      seen.add(s.name.value);
      const def = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
      if (def && def.kind === Kind.FRAGMENT_DEFINITION && asksIntrospection(document, def.selectionSet, seen)) return true;
    }
  }
  return false;
}

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

/**
 * Apollo Server's gateway interface around a fixed schema: `load` hands Apollo
 * the schema and the executor, so Apollo's parse, validation, plugins, error
 * formatting and serialization stay as they are and only execution changes.
 */
export function executorGateway(schema: GraphQLSchema, run: Execute): Gateway {
  const executor: GatewayExecutor = (rc) => run({
    // The name the client asked for: with none resolved (rc.operationName is then null), graphql-js must see it to refuse it.
    document: rc.document, source: rc.source, operation: rc.operation, operationName: rc.request.operationName ?? null,
    variables: rc.request.variables, contextValue: rc.context,
  }) as ReturnType<GatewayExecutor>;
  return {
    async load() { return { executor }; },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async stop() {},
  };
}
