/**
 * Long lists of leaf-only rows answered as JSON text (issue 19 items 5 and 6):
 * the storage report's per-image and per-layer lists are 100,000+ rows of a
 * few scalars. graphql-jit builds a result object per row and a closure,
 * path and locations array per leaf, and that tree lives until the body is
 * serialized: at 100,000 images ~50 MB promoted per report and a full GC of
 * the read model's heap (bench/RESULTS.md, storage report at 100,000 images).
 *
 * Here a list's rows are resolved, checked and serialized batch by batch
 * while the list's own resolver runs: each batch's row objects are built as
 * graphql-jit builds them (same keys in the same order, values from the same
 * resolvers and scalar serializers) and handed to JSON.stringify at once, so
 * they die young and only the text is kept. The list's resolver then returns
 * an empty list to graphql-jit, and the executor puts the text in its place
 * (`LeafListSession.apply`); responseBody.ts writes it as the list's bytes.
 *
 * Exactness: the text path answers only what it can prove the same as the
 * compiled executor's answer, and hands the rows back to it otherwise:
 * - selections of fields, inline fragments and named fragments on the row's
 *   own object type, merged by response key as graphql-js's collectFields
 *   does; no directive, no argument given (a field's defaults are passed as
 *   graphql-js passes them); leaves, lists of leaves, objects and lists of
 *   objects below; every field in LEAF_LIST_FIELDS;
 * - at run time every value must come back synchronously, without a throw,
 *   non-null where the schema says so, an array where it says list, and
 *   serialize to a non-null value: the first that does not abandons the text
 *   (the rows go to graphql-jit, which then answers them, errors included,
 *   as it always does).
 * test/graphql/leafLists.int.test.ts holds the bytes against graphql-js.
 *
 * Kept text (issue 19 item 6, fourth pass): the report's lists are the
 * ledger's kept arrays, unchanged until the next change. A list's text is kept
 * with that array (`KeptList`) and answered again, without resolving or
 * serializing a row, while the array, the selection and the schema are the
 * same and — unless every field read is one of the row's own figures
 * (ROW_FIELDS) — the read model is at the same log position. At 100,000 images
 * serializing the rows was most of a report's CPU and garbage (a full GC of the
 * read model's old generation per report).
 *
 * Kept rows (fifth pass): after a change the list is a new array, but the
 * ledger keeps the objects of rows whose figures did not change. With
 * `KeptList.rows`, the text is kept in chunks of consecutive rows, by their
 * first row object (`chunkedText`): a chunk is answered again while its rows
 * are the same objects and — for fields beyond the row's own, which the list
 * declares it can vouch for (RowReads) — each row reads the same objects. A
 * report after a commit then serializes the few chunks holding a changed row.
 */
import {
  getArgumentValues, getNullableType, isLeafType, isListType, isNonNullType, isObjectType, Kind,
  type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLLeafType, type GraphQLObjectType,
  type GraphQLOutputType, type GraphQLResolveInfo, type GraphQLSchema, type SelectionSetNode,
} from 'graphql';
import { JsonListText, KeptBatch, PIECE_CHARS } from './responseBody';

/**
 * Fields the text path may answer. Each one's resolver was read: it is
 * synchronous, reads no `info`, and has no side effect (it may run twice when
 * the text is abandoned); a field with arguments reads only its defaults here
 * (a query giving an argument is handed back), and a resolver that answers
 * those with a promise (a loader) abandons the text at run time. Add a field
 * only after reading its resolver.
 * The dashboard's page (issue 19 item 5): ImageEdge's are the default
 * property reads (the edge's cursor a getter encoding its index), Image.layers
 * maps the record's layers to ImageLayerObj (getters; ImageLayer.size is
 * CONTENT's `l.size` by default), Image.size/sharedSize/uniqueSize under
 * their default CONTENT are numbers from the record and the read model's
 * CHAIN_ID ledger (resolvers/sizes.ts), a promise only under DOCKER.
 * The storage report's pages: their edges are offsetConnection's, as ImageEdge.
 */
export const LEAF_LIST_FIELDS: ReadonlySet<string> = new Set([
  'ImageStorage.image', 'ImageStorage.size', 'ImageStorage.sharedSize', 'ImageStorage.uniqueSize',
  'LayerUsage.key', 'LayerUsage.diffId', 'LayerUsage.size', 'LayerUsage.imageCount',
  'Image.id', 'Image.imageId', 'Image.repoTags', 'Image.created', 'Image.architecture', 'Image.os',
  'ImageEdge.cursor', 'ImageEdge.node',
  'ImageStorageEdge.cursor', 'ImageStorageEdge.node', 'LayerUsageEdge.cursor', 'LayerUsageEdge.node',
  'Image.size', 'Image.sharedSize', 'Image.uniqueSize', 'Image.layers',
  'ImageLayer.index', 'ImageLayer.diffId', 'ImageLayer.chainId', 'ImageLayer.digest', 'ImageLayer.mediaType',
  'ImageLayer.size', 'ImageLayer.createdBy',
]);

/**
 * Listed fields whose value is a function of the row alone (the ledger's
 * figures, read through): a list's text of these only is a function of its
 * rows. Every other field (the row's `image`, and what is read below it) reads
 * the read model, so such text is answered again only at the same log position.
 * The resolvers of every listed field read no context either (Image's and
 * ImageLayer's sizes only under DOCKER, a promise, which abandons the text):
 * kept text is answered to any request.
 */
const ROW_FIELDS: ReadonlySet<string> = new Set([
  'ImageStorage.size', 'ImageStorage.sharedSize', 'ImageStorage.uniqueSize',
  'LayerUsage.key', 'LayerUsage.diffId', 'LayerUsage.size', 'LayerUsage.imageCount',
]);

type Resolve = (parent: unknown, ctx: unknown) => unknown;

type PlanField =
  | { kind: 'typename'; key: string; name: string }
  | { kind: 'leaf'; key: string; name: string; resolve: Resolve; type: GraphQLLeafType; nonNull: boolean;
      list: null | { itemNonNull: boolean } }
  | { kind: 'object'; key: string; name: string; type: string; resolve: Resolve; nonNull: boolean; fields: PlanField[]; row: Row;
      list: null | { itemNonNull: boolean }; kept?: KeptObject };

/** An object field of a list's row whose text is kept per object (KeptObjects): its selection as answered, and what it reads. */
interface KeptObject { signature: string; schema: GraphQLSchema; reads: RowReads }

/**
 * A selection's row builder: a row's values are put in `values`, in the
 * fields' order, and `build` makes the object from them as an object literal
 * of the response keys in that order (compiled once per selection, as
 * graphql-jit compiles its own): every row of a selection then has one shape,
 * where assigning keys one by one went through V8's megamorphic keyed stores
 * (4 % of a dashboard request's instructions with the edges as text).
 * `values` is reused: a row's are read into its object before the next row's.
 */
interface Row {
  fields: PlanField[]; values: unknown[]; build: (values: unknown[]) => Record<string, unknown>;
  /** With a kept object field (rowText): the row's JSON text from its values' texts. */
  text: ((texts: unknown[]) => string) | null;
}

function rowOf(fields: PlanField[]): Row {
  // JSON strings are JavaScript string literals; "__proto__" never gets here (planFields).
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const build = new Function('v', `return { ${fields.map((f, i) => `${JSON.stringify(f.key)}: v[${i}]`).join(', ')} };`);
  return { fields, values: new Array<unknown>(fields.length).fill(null), build: build as Row['build'], text: null };
}

/**
 * The row's text as JSON.stringify writes an object literal of these keys in
 * this order (`{"key":value,…}`: no response key is an array index, so none is
 * moved ahead), each value already JSON text.
 */
function rowTextOf(fields: readonly PlanField[]): (texts: unknown[]) => string {
  const parts = fields.map((f, i) => `${JSON.stringify(`${i === 0 ? '{' : ','}${JSON.stringify(f.key)}:`)} + v[${i}]`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('v', `return ${parts.join(' + ')} + '}';`) as (texts: unknown[]) => string;
}

/** The fields as answered: response key, field name, nested selection (JSON strings: no key can break the form). */
const signatureOf = (fields: readonly PlanField[]): string => fields.map((f) => {
  const key = JSON.stringify(f.key);
  if (f.kind === 'typename') return `${key}:__typename`;
  return `${key}:${JSON.stringify(f.name)}${f.kind === 'object' ? `{${signatureOf(f.fields)}}` : ''}`;
}).join(',');

/**
 * `signature`: the selection as answered (row type, response keys, fields, in
 * order), the same for two documents that select the same; `rowOnly`: every
 * field is in ROW_FIELDS (or __typename).
 */
interface RowPlan {
  itemNonNull: boolean; fields: PlanField[]; row: Row; signature: string; rowOnly: boolean; reads: readonly string[];
}

/** Every field the plan reads, as `Type.field` (nested ones included; __typename reads nothing). */
function readsOf(type: string, fields: readonly PlanField[], out: string[] = []): string[] {
  for (const f of fields) {
    if (f.kind === 'typename') continue;
    out.push(`${type}.${f.name}`);
    if (f.kind === 'object') readsOf(f.type, f.fields, out);
  }
  return out;
}

/** Thrown inside the text path only: the rows go back to graphql-jit. */
const ABANDON = Symbol('abandon');

/** The plan of a list field, kept per field node of a compiled document (null: not answerable as text). */
const plans = new WeakMap<FieldNode, { returnType: GraphQLOutputType; objects: KeptObjects | undefined; plan: RowPlan | null }>();

function planOf(info: GraphQLResolveInfo, objects: KeptObjects | undefined): RowPlan | null {
  const node = info.fieldNodes[0]!;
  const kept = plans.get(node);
  if (kept && kept.returnType === info.returnType && kept.objects === objects) return kept.plan;
  let plan: RowPlan | null = null;
  const list = getNullableType(info.returnType);
  if (isListType(list)) {
    const item = list.ofType as GraphQLOutputType;
    const rowType = getNullableType(item);
    const fields = isObjectType(rowType) && node.selectionSet
      ? planFields(rowType, [node.selectionSet], info.fragments, info) : null;
    if (fields) {
      const type = (rowType as GraphQLObjectType).name;
      plan = { itemNonNull: isNonNullType(item), fields, row: rowOf(fields), signature: `${String(item)}{${signatureOf(fields)}}`,
        rowOnly: fields.every((f) => f.kind === 'typename' || (f.kind === 'leaf' && ROW_FIELDS.has(`${type}.${f.name}`))),
        reads: readsOf(type, fields) };
      if (objects) keepObjects(plan, objects, info.schema);
    }
  }
  plans.set(node, { returnType: info.returnType, objects, plan });
  return plan;
}

/**
 * Marks the row's object fields (not lists) of the kept type whose every read
 * field is one `objects.reads` covers; with one, the row is written as text (rowText).
 */
function keepObjects(plan: RowPlan, objects: KeptObjects, schema: GraphQLSchema): void {
  for (const f of plan.fields) {
    if (f.kind !== 'object' || f.list || f.type !== objects.type) continue;
    if (!readsOf(f.type, f.fields).every((r) => objects.reads.fields.has(r))) continue;
    f.kept = { signature: `${f.type}{${signatureOf(f.fields)}}`, schema, reads: objects.reads };
    plan.row.text = rowTextOf(plan.fields);
  }
}

/** The selection sets' fields by response key, as graphql-js collects them (first occurrence's order); null if unsupported. */
function collect(type: GraphQLObjectType, sets: readonly SelectionSetNode[], fragments: Record<string, FragmentDefinitionNode>):
  Map<string, FieldNode[]> | null {
  const out = new Map<string, FieldNode[]>();
  const seenFragments = new Set<string>();
  const walk = (set: SelectionSetNode): boolean => {
    for (const s of set.selections) {
      if (s.directives?.length) return false;
      if (s.kind === Kind.FIELD) {
        const key = s.alias?.value ?? s.name.value;
        const nodes = out.get(key);
        if (nodes) nodes.push(s);
        else out.set(key, [s]);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        if (s.typeCondition && s.typeCondition.name.value !== type.name) return false;
        if (!walk(s.selectionSet)) return false;
      } else {
        if (seenFragments.has(s.name.value)) continue;
        seenFragments.add(s.name.value);
        const def = fragments[s.name.value];
        if (!def || def.directives?.length || def.typeCondition.name.value !== type.name || !walk(def.selectionSet)) return false;
      }
    }
    return true;
  };
  for (const set of sets) if (!walk(set)) return null;
  return out;
}

function planFields(type: GraphQLObjectType, sets: readonly SelectionSetNode[], fragments: Record<string, FragmentDefinitionNode>,
  info: GraphQLResolveInfo): PlanField[] | null {
  const collected = collect(type, sets, fragments);
  if (!collected) return null;
  const fields: PlanField[] = [];
  for (const [key, nodes] of collected) {
    // Assigning "__proto__" would set the row object's prototype, not a key (rowObject): graphql-jit answers it.
    if (key === '__proto__') return null;
    const name = nodes[0]!.name.value;
    if (nodes.some((n) => n.name.value !== name || n.arguments?.length)) return null;
    if (name === '__typename') {
      fields.push({ kind: 'typename', key, name: type.name });
      continue;
    }
    const def = type.getFields()[name];
    if (!def || !LEAF_LIST_FIELDS.has(`${type.name}.${name}`)) return null;
    const resolve = resolverOf(def, type, nodes, info);
    const nonNull = isNonNullType(def.type);
    const t = getNullableType(def.type);
    if (isLeafType(t)) {
      fields.push({ kind: 'leaf', key, name, resolve, type: t, nonNull, list: null });
    } else if (isListType(t)) {
      const item = t.ofType as GraphQLOutputType;
      const inner = getNullableType(item);
      const list = { itemNonNull: isNonNullType(item) };
      if (isLeafType(inner)) {
        fields.push({ kind: 'leaf', key, name, resolve, type: inner, nonNull, list });
      } else if (isObjectType(inner)) {
        const sub = planFields(inner, nodes.map((n) => n.selectionSet!), fragments, info);
        if (!sub) return null;
        fields.push({ kind: 'object', key, name, type: inner.name, resolve, nonNull, fields: sub, row: rowOf(sub), list });
      } else {
        return null;
      }
    } else if (isObjectType(t)) {
      const sub = planFields(t, nodes.map((n) => n.selectionSet!), fragments, info);
      if (!sub) return null;
      fields.push({ kind: 'object', key, name, type: t.name, resolve, nonNull, fields: sub, row: rowOf(sub), list: null });
    } else {
      return null;
    }
  }
  return fields;
}

/** The arguments of a field without any (its resolver reads none). */
const NO_ARGS: Readonly<Record<string, never>> = Object.freeze({});

/**
 * The field's resolver (the fields listed read no info), or a plain property
 * read as graphql-jit does. No argument is given in the query (planFields), so
 * the arguments are the field's defaults, as graphql-js's getArgumentValues
 * makes them (frozen: a resolver writing to them throws and abandons the text).
 */
function resolverOf(def: GraphQLField<unknown, unknown>, type: GraphQLObjectType, nodes: FieldNode[], info: GraphQLResolveInfo): Resolve {
  const name = def.name;
  const resolve = def.resolve;
  // A read compiled per field (one property, its own inline cache), as graphql-jit reads it.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  if (!resolve) return new Function('p', `return p[${JSON.stringify(name)}];`) as Resolve;
  const args = def.args.length ? Object.freeze(getArgumentValues(def, nodes[0]!, {})) : NO_ARGS;
  const fieldInfo = { ...info, fieldName: name, fieldNodes: nodes, returnType: def.type, parentType: type, path: undefined } as
    unknown as GraphQLResolveInfo;
  return (parent, ctx) => resolve(parent, args, ctx, fieldInfo);
}

const isThenable = (v: unknown) => v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';

function resolved(f: { resolve: Resolve }, parent: unknown, ctx: unknown): unknown {
  let v: unknown;
  try {
    v = f.resolve(parent, ctx);
  } catch {
    throw ABANDON;
  }
  if (isThenable(v)) throw ABANDON;
  return v;
}

function leafValue(type: GraphQLLeafType, v: unknown): unknown {
  let out: unknown;
  try {
    out = type.serialize(v);
  } catch {
    throw ABANDON;
  }
  if (out === null || out === undefined) throw ABANDON;
  return out;
}

/** One row's answer object, as graphql-jit would build it. */
function rowObject(row: Row, parent: unknown, ctx: unknown): Record<string, unknown> {
  const { fields, values } = row;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!;
    if (f.kind === 'typename') {
      values[k] = f.name;
      continue;
    }
    const v = resolved(f, parent, ctx);
    if (v === null || v === undefined) {
      if (f.nonNull) throw ABANDON;
      values[k] = null;
    } else if (f.list) {
      values[k] = listItems(f, f.list.itemNonNull, v, ctx);
    } else {
      values[k] = f.kind === 'object' ? rowObject(f.row, v, ctx) : leafValue(f.type, v);
    }
  }
  return row.build(values);
}

/** A list below a row (an image's repo tags, its layers), as graphql-jit would build it. */
function listItems(f: Exclude<PlanField, { kind: 'typename' }>, itemNonNull: boolean, v: unknown, ctx: unknown): unknown[] {
  if (!Array.isArray(v)) throw ABANDON;
  // Pushed, as below (listText).
  const items: unknown[] = [];
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as unknown;
    if (x === null || x === undefined) {
      if (itemNonNull) throw ABANDON;
      items.push(null);
    } else {
      items.push(f.kind === 'object' ? rowObject(f.row, x, ctx) : leafValue(f.type, x));
    }
  }
  return items;
}

/**
 * A row with a kept object field, as JSON text: what rowObject answers, each
 * value as JSON.stringify writes it inside the row (a leaf must be a string, a
 * number or a boolean here: those are written the same alone), the kept
 * field's from its object's kept text.
 */
function rowText(row: Row, parent: unknown, ctx: unknown): string {
  const { fields, values } = row;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!;
    if (f.kind === 'typename') {
      values[k] = JSON.stringify(f.name);
      continue;
    }
    const v = resolved(f, parent, ctx);
    if (v === null || v === undefined) {
      if (f.nonNull) throw ABANDON;
      values[k] = 'null';
    } else if (f.list) {
      values[k] = JSON.stringify(listItems(f, f.list.itemNonNull, v, ctx));
    } else if (f.kind === 'object') {
      values[k] = f.kept ? objectText(f, f.kept, v, ctx) : JSON.stringify(rowObject(f.row, v, ctx));
    } else {
      const out = leafValue(f.type, v);
      if (typeof out !== 'string' && typeof out !== 'number' && typeof out !== 'boolean') throw ABANDON;
      values[k] = JSON.stringify(out);
    }
  }
  return row.text!(values);
}

interface ObjectText { schema: GraphQLSchema; signature: string; reads: readonly unknown[]; text: string }

/**
 * Kept object texts by the first object each reads (KeptObjects: an image's
 * record), dropped with it: one selection's text per object, the latest.
 */
const objectTexts = new WeakMap<object, ObjectText>();

function sameReads(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * An object's JSON text (JSON.stringify writes a plain object the same alone
 * as inside its row), answered again while the selection and the schema are
 * the same and everything it reads is the same objects and values.
 */
function objectText(f: Extract<PlanField, { kind: 'object' }>, kept: KeptObject, v: unknown, ctx: unknown): string {
  const reads = kept.reads.of(v);
  const first = reads[0];
  if (first === null || typeof first !== 'object') return JSON.stringify(rowObject(f.row, v, ctx));
  const k = objectTexts.get(first);
  if (k && k.schema === kept.schema && k.signature === kept.signature && sameReads(k.reads, reads)) return k.text;
  const text = JSON.stringify(rowObject(f.row, v, ctx));
  objectTexts.set(first, { schema: kept.schema, signature: kept.signature, reads, text });
  return text;
}

/** A batch of rows as JSON.stringify writes the array of their objects. */
function rowsText(row: Row, objects: unknown[]): string {
  if (!row.text) return JSON.stringify(objects);
  let out = '[';
  for (let i = 0; i < objects.length; i++) out += (i ? ',' : '') + (objects[i] === null ? 'null' : (objects[i] as string));
  return `${out}]`;
}

/** A row's object, or its text when the row has a kept object field (rowsText joins them). */
const rowAnswer = (row: Row, parent: unknown, ctx: unknown): unknown =>
  (row.text ? rowText(row, parent, ctx) : rowObject(row, parent, ctx));

/** The rows as JSON text in batches of about PIECE_CHARS; null when one of them cannot be answered here. */
function listText(plan: RowPlan, rows: readonly unknown[], ctx: unknown): JsonListText | null {
  const batches: string[] = [];
  let batch = 16;
  try {
    for (let i = 0; i < rows.length;) {
      const n = Math.min(batch, rows.length - i);
      // Pushed (a packed array): JSON.stringify takes a holey array's slow path, an element lookup each.
      const objects: unknown[] = [];
      for (let j = 0; j < n; j++) {
        const row = rows[i + j];
        if (row === null || row === undefined) {
          if (plan.itemNonNull) throw ABANDON;
          objects.push(null);
        } else {
          objects.push(rowAnswer(plan.row, row, ctx));
        }
      }
      const json = rowsText(plan.row, objects);
      batches.push(json);
      batch = Math.max(1, Math.min(4096, Math.floor(PIECE_CHARS / Math.max(1, json.length / n))));
      i += n;
    }
  } catch (e) {
    if (e === ABANDON) return null;
    throw e;
  }
  return new JsonListText(batches);
}

/** Where a text answer goes in the executor's result: the response path of its list. */
interface Placed { keys: (string | number)[]; text: JsonListText }

/** One execution's text answers; the executor opens it on the request's context and applies it to the result. */
export class LeafListSession {
  readonly placed: Placed[] = [];

  /** Puts each text in place of the empty list graphql-jit answered at its path (a path cut short by a null is skipped). */
  apply(data: unknown): void {
    for (const { keys, text } of this.placed) {
      let at: unknown = data;
      for (let i = 0; i < keys.length - 1 && at !== null && typeof at === 'object'; i++) {
        at = (at as Record<string | number, unknown>)[keys[i]!];
      }
      if (at === null || typeof at !== 'object') continue;
      const last = keys[keys.length - 1]!;
      const here = (at as Record<string | number, unknown>)[last];
      if (Array.isArray(here) && here.length === 0) (at as Record<string | number, unknown>)[last] = text;
    }
  }
}

/**
 * The session a context's resolvers answer into. Two executions on one
 * context object at once (tests share contexts) cannot tell their resolvers
 * apart: from the second's start until both end, no text is made (`current` null).
 */
const slots = new WeakMap<object, { current: LeafListSession | null; open: number }>();

/** Opens a session on a request's context (null when the context is not an object). */
export function openLeafLists(ctx: unknown): LeafListSession | null {
  if (ctx === null || typeof ctx !== 'object') return null;
  const s = new LeafListSession();
  const slot = slots.get(ctx);
  if (slot) {
    slot.open++;
    slot.current = null;
  } else {
    slots.set(ctx, { current: s, open: 1 });
  }
  return s;
}

export function closeLeafLists(ctx: unknown): void {
  if (ctx === null || typeof ctx !== 'object') return;
  const slot = slots.get(ctx);
  if (slot && --slot.open === 0) slots.delete(ctx);
}

/**
 * A list whose text may be kept: `list` is the kept array the rows are made
 * from (unchanged while it lives: the ledger makes a new one on a change),
 * `model` what the rows' other fields read, at its log position.
 */
export interface KeptList {
  list: object; model: { readonly position: number };
  /**
   * Per-row text across changes: `list`'s elements are rows never changed in
   * place (a changed row is a new object), `row` makes the object the fields
   * resolve on from one, and `slot` names the list across its arrays (one
   * ledger's layers, say). A list whose fields are all the row's own
   * (ROW_FIELDS) then serializes only rows it has not seen.
   */
  rows?: { slot: object; row: (raw: unknown) => unknown; reads?: RowReads };
}

/**
 * What a row's other fields read, for per-row text of selections beyond the
 * row's own figures: the listed `fields` (besides ROW_FIELDS) read only what
 * `of(raw)` returns, objects never changed in place (a change makes a new
 * one). A row's text is answered again while each is the same object.
 */
export interface RowReads { fields: ReadonlySet<string>; of: (raw: unknown) => readonly unknown[] }

/**
 * Objects below a list's rows whose text is kept across requests (issue 19
 * item 5: the dashboard's image nodes): an object field of the row (not a
 * list) of `type` whose every read field `reads.fields` covers is answered from
 * its kept text while `reads.of(object)` gives the same objects and values as
 * when it was made (the first one an object, the key it is kept by). Anything
 * that changes what the text says must change one of them.
 */
export interface KeptObjects { type: string; reads: RowReads }

/** Whether every field the plan reads is the row's own or one the list's `reads` covers. */
const coveredBy = (plan: RowPlan, reads: RowReads | undefined) =>
  plan.rowOnly || (reads !== undefined && plan.reads.every((f) => ROW_FIELDS.has(f) || reads.fields.has(f)));

interface KeptText { schema: GraphQLSchema; signature: string; model: object; position: number | null; text: JsonListText }

/**
 * The latest text per list array (dropped with it). One selection only: what
 * is kept is at most one answer's lists per ledger (58 MB at 100,000 images),
 * whatever selections clients alternate between.
 */
const keptTexts = new WeakMap<object, KeptText>();

function keptText(keep: KeptList, plan: RowPlan, schema: GraphQLSchema): JsonListText | null {
  const k = keptTexts.get(keep.list);
  if (!k || k.schema !== schema || k.signature !== plan.signature || k.model !== keep.model) return null;
  return k.position === null || k.position === keep.model.position ? k.text : null;
}

/** Keeps a list's text, its batches as KeptBatch (their bytes kept too once written); answers what it keeps. */
function keepText(keep: KeptList, plan: RowPlan, schema: GraphQLSchema, made: JsonListText): JsonListText {
  const position = plan.rowOnly ? null : keep.model.position;
  const text = made.batches.every((b) => b instanceof KeptBatch) ? made
    : new JsonListText(made.batches.map((b) => (b instanceof KeptBatch ? b : new KeptBatch(b))));
  keptTexts.set(keep.list, { schema, signature: plan.signature, model: keep.model, position, text });
  return text;
}

/**
 * A run of consecutive rows answered as one JSON array: the row objects it was
 * made from, what they read (RowReads, flattened row by row) and its text
 * (with its bytes once an answer has written them: responseBody.ts).
 */
interface Chunk { rows: readonly object[]; reads: readonly unknown[]; batch: KeptBatch }

/**
 * Kept chunks by their first row object, for one slot's latest selection (a
 * selection other than the last starts afresh: at most one text per row is kept).
 */
interface RowTexts { schema: GraphQLSchema; signature: string; model: object; chunks: WeakMap<object, Chunk>; chunkRows: number }
const rowTexts = new WeakMap<object, RowTexts>();

/**
 * A chunk's size, in characters of text: a change makes one chunk again per
 * row changed (at 100,000 images, ~150 rows). Not one row per chunk: per row,
 * a JSON.stringify call and a WeakMap entry cost as much again as the serializing.
 * Not much smaller either: responseBody.ts writes a batch of at least
 * PIECE_CHARS / 2 as it is, and copies smaller ones into pieces on every answer
 * (at 64 rows a chunk, 58 MB copied per repeated report and a full GC every third).
 */
const CHUNK_CHARS = (3 * PIECE_CHARS) / 4;
const MAX_CHUNK_ROWS = 4096;

/** Whether `c` is the text of the rows from `at` now: the same objects, reading the same objects. */
function fits(c: Chunk, raws: readonly unknown[], at: number, reads: RowReads | undefined): boolean {
  if (at + c.rows.length > raws.length) return false;
  let p = 0;
  for (let m = 0; m < c.rows.length; m++) {
    const raw = raws[at + m];
    if (raw !== c.rows[m]) return false;
    if (reads) for (const x of reads.of(raw)) if (c.reads[p++] !== x) return false;
  }
  return p === c.reads.length;
}

/**
 * A list's text from kept chunks of it, serializing only rows not seen
 * before, or whose reads (RowReads) are other objects than when their text was
 * made (after a commit: the few chunks holding a changed row). A chunk is
 * made from where a kept one no longer fits up to the next row that starts a
 * kept chunk (or about CHUNK_CHARS of text), so a row added in the middle breaks one
 * chunk, not the rest. Each chunk's text is JSON.stringify's of its rows, as
 * `listText`'s batches are. Null when a row cannot be answered here.
 */
function chunkedText(plan: RowPlan, keep: KeptList & { rows: NonNullable<KeptList['rows']> }, raws: readonly unknown[],
  schema: GraphQLSchema, ctx: unknown): JsonListText | null {
  let kept = rowTexts.get(keep.rows.slot);
  if (!kept || kept.schema !== schema || kept.signature !== plan.signature || kept.model !== keep.model) {
    kept = { schema, signature: plan.signature, model: keep.model, chunks: new WeakMap(), chunkRows: 16 };
    rowTexts.set(keep.rows.slot, kept);
  }
  const { chunks } = kept;
  const reads = plan.rowOnly ? undefined : keep.rows.reads;
  const batches: KeptBatch[] = [];
  // A row that starts a kept chunk of a good size ends the chunk being made (a small one is made again, into this one).
  const startsChunk = (raw: unknown) => (chunks.get(raw as object)?.batch.chars ?? 0) >= CHUNK_CHARS / 2;
  try {
    for (let i = 0; i < raws.length;) {
      const c = chunks.get(raws[i] as object);
      if (c && fits(c, raws, i, reads)) {
        batches.push(c.batch);
        i += c.rows.length;
        continue;
      }
      const rows: object[] = [];
      const rowReads: unknown[] = [];
      let j = i;
      do {
        const raw = raws[j];
        // Rows are objects (kept per object); anything else is answered as before.
        if (raw === null || typeof raw !== 'object') throw ABANDON;
        rows.push(raw);
        if (reads) for (const x of reads.of(raw)) rowReads.push(x);
        j++;
      } while (j < raws.length && j - i < kept.chunkRows && !startsChunk(raws[j]));
      // Pushed, not pre-sized: a holey array sends JSON.stringify down its slow path.
      const objects: unknown[] = [];
      for (let m = 0; m < rows.length; m++) {
        const row = keep.rows.row(rows[m]);
        if (row === null || row === undefined) throw ABANDON;
        objects.push(rowAnswer(plan.row, row, ctx));
      }
      const batch = new KeptBatch(rowsText(plan.row, objects));
      chunks.set(rows[0]!, { rows, reads: rowReads, batch });
      batches.push(batch);
      // Rows per chunk from this list's row length (a chunk of a few rows says little about it).
      const perChunk = Math.floor(CHUNK_CHARS * rows.length / batch.chars);
      if (rows.length >= 16) kept.chunkRows = Math.min(MAX_CHUNK_ROWS, Math.max(16, perChunk));
      i = j;
    }
  } catch (e) {
    if (e === ABANDON) return null;
    throw e;
  }
  return new JsonListText(batches);
}

/**
 * A list field's resolver hands its rows here: with a session open and a
 * plan for the field, the rows are answered as text and an empty list goes to
 * graphql-jit; otherwise (no session, graphql-js, a selection or a value the
 * text path does not answer) the rows themselves. `rows` may be a function:
 * with kept text (`keep`) the rows are not made.
 */
export function leafList<T>(rows: T[] | (() => T[]), ctx: unknown, info: GraphQLResolveInfo | undefined, keep?: KeptList,
  objects?: KeptObjects): T[] {
  const all = () => (typeof rows === 'function' ? rows() : rows);
  const s = ctx !== null && typeof ctx === 'object' ? slots.get(ctx)?.current : undefined;
  if (!s || !info || info.fieldNodes.length !== 1 || !info.path) return all();
  const plan = planOf(info, objects);
  if (!plan) return all();
  let text = keep ? keptText(keep, plan, info.schema) : null;
  if (!text && keep?.rows && Array.isArray(keep.list) && coveredBy(plan, keep.rows.reads)) {
    text = chunkedText(plan, { ...keep, rows: keep.rows }, keep.list, info.schema, ctx);
    // When null, answered below as without kept rows (text from the rows, or graphql-jit).
    if (text) text = keepText(keep, plan, info.schema, text);
  }
  if (!text) {
    const list = all();
    text = listText(plan, list, ctx);
    if (!text) return list;
    if (keep) text = keepText(keep, plan, info.schema, text);
  }
  const keys: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) keys.unshift(p.key);
  s.placed.push({ keys, text });
  return [];
}
