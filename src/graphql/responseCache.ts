/**
 * Query answers kept by what they are a function of (docs/adr/0013-query-response-cache.md):
 * the read model's log position when the request arrived, the document, the
 * operation name, the variables and who asks. A repeated dashboard poll between
 * two appends is answered with the bytes of the first, without executing or
 * serializing again; everything before execution still runs per request (parse
 * and validation, auth, the depth/cost limits: the strata plugin's
 * didResolveOperation), so a refused request is refused as before.
 *
 * Exactness:
 * - only operations whose every field is in PURE_FIELDS (fields that read the
 *   read model and their arguments, nothing else: no clock, no blob store, no
 *   table outside the log, not the store's own head), sizes only under CONTENT
 *   accounting (DOCKER reads layer files through a loader);
 * - the position is the model's when the request's lookup ran, and an answer is
 *   kept only if the model was still at that position when it was complete
 *   (positions only grow, so nothing was folded in between): on PostgreSQL the
 *   lookup's catch-up asks the shared database for its head, so another
 *   instance's append makes a new position, hence a miss;
 * - only answers without errors, with HTTP 200, under the response cap;
 * - raw variables as JSON (they came from JSON, so this is exact; differently
 *   ordered but equal variables are merely kept twice).
 */
import {
  getNamedType, isObjectType, Kind, type DocumentNode, type GraphQLObjectType, type GraphQLSchema, type OperationDefinitionNode,
  type SelectionSetNode, type ValueNode, type VariableDefinitionNode,
} from 'graphql';
import type { RequestAuth } from './auth';

/**
 * Fields whose answer is a function of the read model at the request's position
 * and of their arguments only (resolvers read `models.current()`/`models.at(asOf)`
 * and the records reached from it). Add a field only after reading its resolver.
 */
export const PURE_FIELDS: ReadonlySet<string> = new Set([
  'Query.images',
  'ImageConnection.edges', 'ImageConnection.pageInfo', 'ImageConnection.totalCount',
  'ImageEdge.cursor', 'ImageEdge.node',
  'PageInfo.hasNextPage', 'PageInfo.hasPreviousPage', 'PageInfo.startCursor', 'PageInfo.endCursor',
  'Image.id', 'Image.imageId', 'Image.repoTags', 'Image.created', 'Image.architecture', 'Image.os',
  'Image.size', 'Image.sharedSize', 'Image.uniqueSize', 'Image.layers',
  'ImageLayer.index', 'ImageLayer.diffId', 'ImageLayer.chainId', 'ImageLayer.digest', 'ImageLayer.mediaType',
  'ImageLayer.size', 'ImageLayer.createdBy',
]);

/** Arguments whose value decides whether a pure field stays pure: sizes under DOCKER read layer files. */
const ACCOUNTING = 'accounting';

/** What a document needs of its variables to be cacheable: null when it never is. */
interface Plan { accounting: ValueNode[]; variableDefinitions: readonly VariableDefinitionNode[] }

/** Default bound of the kept answers' bytes (STRATA_RESPONSE_CACHE_MB). */
export const DEFAULT_RESPONSE_CACHE_BYTES = 32 * 1024 * 1024;

export interface ModelPosition {
  /** The position the read model has folded to now (synchronous: it only grows). */
  readonly position: number;
  /** Catches up with the log (read-your-writes; on PostgreSQL a head query) and returns the position. */
  current(): Promise<{ position: number }>;
}

export class ResponseCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  private at = -1;
  private readonly plans = new WeakMap<DocumentNode, Map<string, Plan | null>>();
  hits = 0;
  misses = 0;

  constructor(private readonly schema: GraphQLSchema, readonly models: ModelPosition, private readonly maxBytes: number) {}

  /**
   * The key of this request's answer at the model's current position, or null
   * when it is not cacheable. Resolves after the model has caught up; `models`:
   * the request's own view of it (the head model its resolvers read), else this cache's.
   */
  async keyFor(document: DocumentNode, operation: OperationDefinitionNode, operationName: string | null | undefined,
    source: string, variables: Record<string, unknown> | undefined, auth: RequestAuth,
    models: Pick<ModelPosition, 'current'> = this.models): Promise<{ key: string; position: number } | null> {
    if (operation.operation !== 'query') return null;
    const plan = this.planOf(document, operation);
    if (!plan || !plan.accounting.every((v) => isContent(v, plan.variableDefinitions, variables))) return null;
    const { position } = await models.current();
    const who = `${auth.credential}\u0000${auth.canWrite ? 'w' : 'r'}\u0000${auth.actor ?? ''}`;
    const key = `${who}\u0000${operationName ?? ''}\u0000${JSON.stringify(variables ?? {})}\u0000${source}`;
    return { key, position };
  }

  get(key: string, position: number): Buffer | undefined {
    if (position !== this.at) return undefined;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.hits += 1;
    } else this.misses += 1;
    return hit;
  }

  /** Keeps an answer computed at `position` if the model is still there (nothing folded while it ran). */
  set(key: string, position: number, body: Buffer): void {
    if (this.models.position !== position || body.length > this.maxBytes) return;
    if (position !== this.at) {
      // Positions only grow: answers at an older one can never be asked for again.
      this.entries.clear();
      this.bytes = 0;
      this.at = position;
    }
    const old = this.entries.get(key);
    if (old) { this.bytes -= old.length; this.entries.delete(key); }
    this.entries.set(key, body);
    this.bytes += body.length;
    while (this.bytes > this.maxBytes) {
      const [k, v] = this.entries.entries().next().value as [string, Buffer];
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }

  get size(): { entries: number; bytes: number } { return { entries: this.entries.size, bytes: this.bytes }; }

  private planOf(document: DocumentNode, operation: OperationDefinitionNode): Plan | null {
    let byOp = this.plans.get(document);
    if (!byOp) { byOp = new Map(); this.plans.set(document, byOp); }
    const name = operation.name?.value ?? '';
    let plan = byOp.get(name);
    if (plan === undefined) {
      const accounting: ValueNode[] = [];
      plan = pureSelection(this.schema, document, this.schema.getQueryType()!, operation.selectionSet, accounting, new Set())
        ? { accounting, variableDefinitions: operation.variableDefinitions ?? [] } : null;
      byOp.set(name, plan);
    }
    return plan;
  }
}

/** True when every field under `set` is pure; collects the accounting arguments met. */
function pureSelection(schema: GraphQLSchema, document: DocumentNode, type: GraphQLObjectType, set: SelectionSetNode,
  accounting: ValueNode[], fragments: Set<string>): boolean {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      if (s.name.value === '__typename') continue;
      if (!PURE_FIELDS.has(`${type.name}.${s.name.value}`)) return false;
      for (const a of s.arguments ?? []) if (a.name.value === ACCOUNTING) accounting.push(a.value);
      const field = type.getFields()[s.name.value];
      if (!field) return false;
      if (s.selectionSet) {
        const inner = getNamedType(field.type);
        if (!isObjectType(inner) || !pureSelection(schema, document, inner, s.selectionSet, accounting, fragments)) return false;
      }
    } else {
      const def = s.kind === Kind.INLINE_FRAGMENT ? s
        : document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
      if (!def || (def.kind !== Kind.INLINE_FRAGMENT && def.kind !== Kind.FRAGMENT_DEFINITION)) return false;
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        if (fragments.has(s.name.value)) continue;
        fragments.add(s.name.value);
      }
      const on = def.typeCondition ? schema.getType(def.typeCondition.name.value) : type;
      if (on !== type || !isObjectType(on)) return false;
      if (!pureSelection(schema, document, on, def.selectionSet, accounting, fragments)) return false;
    }
  }
  return true;
}

/** True when an accounting argument is CONTENT: a literal, its variable or that one's default, or the schema's (null, absent). */
function isContent(value: ValueNode, defs: readonly VariableDefinitionNode[], variables: Record<string, unknown> | undefined): boolean {
  if (value.kind === Kind.ENUM) return value.value === 'CONTENT';
  if (value.kind === Kind.NULL) return true;
  if (value.kind !== Kind.VARIABLE) return false;
  const name = value.name.value;
  const given = variables?.[name];
  if (given === null || given === 'CONTENT') return true;
  if (given !== undefined) return false;
  const def = defs.find((d) => d.variable.name.value === name)?.defaultValue;
  return !def || isContent(def, [], undefined);
}
