import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { codedError } from './errors';

/** Bounds on what one request may ask for. Defaults fit the dashboard and GraphiQL's introspection. */
export interface Limits {
  /** Deepest field nesting, fragments expanded (introspection needs about 13). */
  maxDepth: number;
  /** Cost: every field counts 1, times the page size of the lists above it. */
  maxCost: number;
  maxAliases: number;
  maxRootFields: number;
  /** Largest page a connection serves (the contract caps `first` at 1000). */
  maxFirst: number;
  /** Assumed length of a list field without `first` (Image.layers, Layer.images…). */
  defaultListSize: number;
  /** Parser token budget: bounds parse and validation work on huge documents. */
  maxTokens: number;
  /** Values (scalars, list items, object fields) in the variables. */
  maxVariableNodes: number;
  maxVariableDepth: number;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  /** Operations open at once on one WebSocket (each subscription holds a buffer). */
  maxSubscriptionsPerConnection: number;
  /** Events buffered for one subscriber before it is cut off as a slow consumer. */
  subscriberBuffer: number;
  /** Largest HTTP response body; a bigger one is replaced by QUERY_TOO_COMPLEX. */
  maxResponseBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 15,
  maxCost: 50_000,
  maxAliases: 50,
  maxRootFields: 20,
  maxFirst: 1000,
  defaultListSize: 20,
  maxTokens: 10_000,
  maxVariableNodes: 200_000,
  maxVariableDepth: 32,
  maxBodyBytes: 8 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  maxSubscriptionsPerConnection: 100,
  subscriberBuffer: 1000,
  maxResponseBytes: 32 * 1024 * 1024,
};

/**
 * What the data says about sizes and work right now (sizes.ts builds it from the
 * read model): lists the contract leaves unpaged are costed by their real
 * length, and fields whose work grows with the log by that work.
 */
export interface CostModel {
  /** The longest this list field can be now; undefined: `defaultListSize`. */
  listSize(type: string, field: string): number | undefined;
  /** Cost of the field's own work beyond 1, given its arguments (replays, verification). */
  work(type: string, field: string, arg: (name: string) => unknown): number;
}

const tooComplex = (message: string) => codedError('QUERY_TOO_COMPLEX', message, 400);
const badInput = (message: string) => codedError('BAD_USER_INPUT', message, 400);

/** Stops the walk as soon as one limit is exceeded (the walk itself must stay cheap). */
class LimitExceeded extends Error {
  constructor(readonly error: GraphQLError) {
    super(error.message);
  }
}

interface Walk {
  schema: GraphQLSchema;
  limits: Limits;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  defaults: Map<string, unknown>;
  aliases: number;
  /** Field occurrences visited, fragments expanded: bounds the work of fragment fan-out. */
  visits: number;
  costs?: CostModel;
}

/**
 * Checks one operation against the limits before it executes: depth, cost,
 * aliases and root fields (fragments expanded, so a fragment spread twice
 * counts twice), and every `first` argument within 0..maxFirst (variables
 * resolved). Expects a validated document (no unknown fields, no fragment cycles).
 */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  limits: Limits = DEFAULT_LIMITS,
  costs?: CostModel,
): GraphQLError | null {
  const root = schema.getRootType(operation.operation);
  if (!root) return null;
  const w: Walk = {
    schema,
    limits,
    fragments: new Map(document.definitions.filter(isFragment).map((f) => [f.name.value, f])),
    variables: variables ?? {},
    defaults: new Map(
      (operation.variableDefinitions ?? []).flatMap((d) =>
        (d.defaultValue ? [[d.variable.name.value, valueFromASTUntyped(d.defaultValue)] as const] : [])),
    ),
    aliases: 0,
    visits: 0,
    costs,
  };
  try {
    const rootFields = countRootFields(w, root, operation.selectionSet);
    if (rootFields > limits.maxRootFields) return tooComplex(`Too many root fields: ${rootFields} > ${limits.maxRootFields}`);
    const cost = selectionCost(w, root, operation.selectionSet, 1);
    if (cost > limits.maxCost) return tooComplex(`Query cost ${cost} exceeds ${limits.maxCost}; ask for smaller pages or fewer fields`);
    return null;
  } catch (e) {
    if (e instanceof LimitExceeded) return e.error;
    throw e;
  }
}

const isFragment = (d: DocumentNode['definitions'][number]): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION;

function countRootFields(w: Walk, type: GraphQLCompositeType, set: SelectionSetNode, seen = new Set<string>()): number {
  let n = 0;
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) n++;
    else if (s.kind === Kind.INLINE_FRAGMENT) n += countRootFields(w, type, s.selectionSet, seen);
    else if (!seen.has(s.name.value)) {
      seen.add(s.name.value);
      const f = w.fragments.get(s.name.value);
      if (f) n += countRootFields(w, type, f.selectionSet, seen);
    }
  }
  return n;
}

/**
 * Cost of a selection set at a given depth (1 = root fields). pageSize is the
 * `first` of the connection whose fields these are: it multiplies the
 * connection's lists (edges, nodes), not its totalCount or pageInfo.
 */
function selectionCost(w: Walk, type: GraphQLCompositeType, set: SelectionSetNode, depth: number, pageSize?: number): number {
  let cost = 0;
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) cost += fieldCost(w, type, s, depth, pageSize);
    else {
      const frag = s.kind === Kind.INLINE_FRAGMENT ? s : w.fragments.get(s.name.value);
      if (!frag) continue;
      const cond = frag.typeCondition ? w.schema.getType(frag.typeCondition.name.value) : type;
      cost += selectionCost(w, cond && isCompositeType(cond) ? cond : type, frag.selectionSet, depth, pageSize);
    }
  }
  return cost;
}

function fieldCost(w: Walk, parent: GraphQLCompositeType, node: FieldNode, depth: number, pageSize?: number): number {
  if (++w.visits > w.limits.maxCost) throw new LimitExceeded(tooComplex(`Query selects more than ${w.limits.maxCost} fields`));
  if (depth > w.limits.maxDepth) throw new LimitExceeded(tooComplex(`Query depth exceeds ${w.limits.maxDepth}`));
  if (node.alias && ++w.aliases > w.limits.maxAliases) throw new LimitExceeded(tooComplex(`More than ${w.limits.maxAliases} aliases`));
  const def = fieldDef(parent, node.name.value);
  // `first` is checked wherever it appears, even on a field with no selection.
  const firstArg = def?.args.find((a) => a.name === 'first');
  const first = firstArg ? checkedFirst(w, node, firstArg.defaultValue) : undefined;
  const own = def && w.costs ? w.costs.work(parent.name, def.name, (name) => argumentValue(w, node, def, name)) : 0;
  if (!node.selectionSet || !def) return 1 + own;
  const childType = getNamedType(def.type);
  if (!isCompositeType(childType)) return 1 + own;
  const isList = isListType(getNullableType(def.type));
  // Introspection is bounded by the schema itself: count it, but do not multiply.
  const introspection = node.name.value.startsWith('__');
  let size = 1;
  if (!introspection && isList) {
    size = first ?? (parent.name.endsWith('Connection') ? pageSize : undefined)
      ?? w.costs?.listSize(parent.name, def.name) ?? w.limits.defaultListSize;
  }
  const childPage = first !== undefined && !isList ? first : undefined;
  return 1 + own + size * selectionCost(w, childType, node.selectionSet, depth + 1, childPage);
}

/** An argument's value as the resolver will see it: literal, variable, or the schema's default. */
function argumentValue(w: Walk, node: FieldNode, def: GraphQLField<unknown, unknown>, name: string): unknown {
  const arg = node.arguments?.find((a) => a.name.value === name);
  const schemaDefault = def.args.find((a) => a.name === name)?.defaultValue;
  if (!arg) return schemaDefault;
  if (arg.value.kind === Kind.VARIABLE) {
    const v = arg.value.name.value;
    return v in w.variables ? w.variables[v] : w.defaults.has(v) ? w.defaults.get(v) : schemaDefault;
  }
  return valueFromASTUntyped(arg.value, w.variables);
}

function fieldDef(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

function checkedFirst(w: Walk, node: FieldNode, schemaDefault: unknown): number {
  const arg = node.arguments?.find((a) => a.name.value === 'first');
  let value: unknown = schemaDefault;
  if (arg?.value.kind === Kind.VARIABLE) {
    const name = arg.value.name.value;
    value = name in w.variables ? w.variables[name] : w.defaults.has(name) ? w.defaults.get(name) : schemaDefault;
  } else if (arg) value = valueFromASTUntyped(arg.value);
  if (value === null || value === undefined) return w.limits.defaultListSize;
  // Not an integer: coercion reports it with the usual message after this check.
  if (typeof value !== 'number' || !Number.isInteger(value)) return w.limits.defaultListSize;
  if (value < 0 || value > w.limits.maxFirst) {
    throw new LimitExceeded(badInput(`first must be between 0 and ${w.limits.maxFirst} (got ${value})`));
  }
  return value;
}

/**
 * Refuses variables too big or too deeply nested to coerce cheaply (the body
 * cap alone still lets a few MB of tiny values through).
 */
export function checkVariables(variables: unknown, limits: Limits = DEFAULT_LIMITS): GraphQLError | null {
  let nodes = 0;
  const stack: Array<[unknown, number]> = [[variables, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++nodes > limits.maxVariableNodes) return badInput(`Variables hold more than ${limits.maxVariableNodes} values`);
    if (depth > limits.maxVariableDepth) return badInput(`Variables nest deeper than ${limits.maxVariableDepth}`);
    if (v && typeof v === 'object') for (const c of Object.values(v)) stack.push([c, depth + 1]);
  }
  return null;
}
