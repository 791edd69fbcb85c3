/**
 * A read model as bytes and back (docs/adr/0012-read-model-snapshots.md): the
 * object graph the fold built — records, maps, sets, the ledgers and indexes —
 * written as it is, so that a decoded model is the same graph, not a
 * re-derivation of it.
 *
 * - Objects keep their identity: an object reached twice (a layer record
 *   shared by thousands of images, a stack node in a set) is written once and
 *   referred to after; cycles are fine. Only such objects are numbered (a
 *   first pass finds them; their tag carries SHARED), so a decoder keeps an
 *   index of those, not of the millions of objects reached once (codec 2).
 * - Strings are written once each, in a table: after a decode every equal
 *   string is one string (a fold holds one copy per event that carried it).
 * - Only plain objects, arrays, Maps, Sets, frozen objects and instances of
 *   the classes listed in CLASSES are written. Anything else (a closure, an
 *   unknown class) throws: a snapshot that cannot be exact is not written.
 * - Fields listed as transient (lazy caches holding closures or rebuilt on
 *   demand) are written as null.
 *
 * Layout: "STRATARM" u32 version, u32 string segments, per segment u32 byte
 * length + UTF-8 JSON array of strings; u32 int count, u32 float count, then
 * (8-aligned) the float64s and the int32s as zigzag varints. Nothing here checks that the bytes
 * belong to the log: readModelSnapshots.ts does (position, hash, format,
 * sha256 of the body).
 */
import { ReadModel } from './readModel';
import { SharedImageLayers } from './readModelLayers';
import { ReadModelStats } from './readModelStats';
import { SharedHistorySteps } from './sharedHistory';
import { StreamVersions } from './streamVersions';
import { StorageLedger } from '../domain/storageLedger';
import { BaseChainIndex } from '../domain/baseChains';
import { DriftIndex } from '../domain/drift';
import { sha256Hex } from '../support/sha256';

const MAGIC = 'STRATARM';
const CODEC_VERSION = 2;
/** Strings per JSON segment: keeps each segment far below V8's longest string. */
const SEGMENT = 50_000;

const enum T { Undef, Null, False, True, Int, Float, Str, Ref, Arr, Obj, Frozen, Map, Set, Inst, Fn, NullProto }
/** Added to a container's tag when it is referred to again (T.Ref n: the n-th container so marked). */
const SHARED = 16;

/** The classes a read model is made of, and the fields of each that are caches to drop. */
const CLASSES: readonly { cls: abstract new (...args: never[]) => object; transient: readonly string[] }[] = [
  { cls: ReadModel, transient: ['lineageCache', 'childrenCountedOn', 'liveOrderCache', 'tagsByImageCache'] },
  { cls: StorageLedger, transient: [] },
  { cls: SharedImageLayers, transient: [] },
  { cls: ReadModelStats, transient: [] },
  { cls: BaseChainIndex, transient: [] },
  { cls: DriftIndex, transient: [] },
  { cls: StreamVersions, transient: [] },
  { cls: SharedHistorySteps, transient: [] },
];
/** Functions a model may hold (injected dependencies), by position. */
const FUNCTIONS: readonly unknown[] = [sha256Hex];

/** What the codec's output depends on besides the fold's code (part of the snapshot format: readModelSnapshots.ts). */
export const CODEC_FINGERPRINT = `${MAGIC}/${CODEC_VERSION}`;

export class SnapshotFormatError extends Error {}

/** int32s as zigzag LEB128 varints (most are tags and small indexes: one or two bytes each). */
class Ints {
  buf = Buffer.allocUnsafe(1 << 20);
  bytes = 0;
  n = 0;
  push(v: number): void {
    if (this.bytes + 5 > this.buf.length) {
      const next = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(next, 0, 0, this.bytes);
      this.buf = next;
    }
    let z = ((v << 1) ^ (v >> 31)) >>> 0;
    while (z >= 0x80) { this.buf[this.bytes++] = (z & 0x7f) | 0x80; z >>>= 7; }
    this.buf[this.bytes++] = z;
    this.n++;
  }
}

const PROTOS = new Map<object, number>(CLASSES.map((c, i) => [c.cls.prototype as object, i]));

/** The CLASSES index of an instance's class; throws for any other class or symbol-keyed fields. */
function classOf(o: object, proto: object): number {
  const c = PROTOS.get(proto);
  if (c === undefined) {
    const name = (proto.constructor as { name?: string } | undefined)?.name ?? '?';
    throw new SnapshotFormatError(`read model snapshot: cannot write an instance of ${name}`);
  }
  if (Object.getOwnPropertySymbols(o).length > 0) throw new SnapshotFormatError('read model snapshot: symbol-keyed fields');
  return c;
}

/** Objects reachable from `root` along more than one edge (those the encoding refers back to). */
function sharedObjects(root: object): Set<object> {
  const visited = new Set<object>();
  const shared = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (visited.has(v)) { shared.add(v); continue; }
    visited.add(v);
    if (Array.isArray(v)) { for (const x of v) stack.push(x); continue; }
    if (v instanceof Map) { for (const [k, x] of v) stack.push(k, x); continue; }
    if (v instanceof Set) { for (const x of v) stack.push(x); continue; }
    const proto = Object.getPrototypeOf(v) as object | null;
    const transient = proto === Object.prototype || proto === null ? [] : CLASSES[classOf(v, proto)]!.transient;
    for (const k of Object.keys(v)) if (!transient.includes(k)) stack.push((v as Record<string, unknown>)[k]);
  }
  return shared;
}

export function encodeReadModel(model: ReadModel): Buffer {
  const ints = new Ints();
  const floats: number[] = [];
  const strings = new Map<string, number>();
  const shapes = new Map<string, number>();

  const str = (s: string): number => {
    let i = strings.get(s);
    if (i === undefined) { i = strings.size; strings.set(s, i); }
    return i;
  };
  // A shape (key list) is a string of the table: keys joined by \u0000.
  const shape = (keys: readonly string[]): number => {
    const k = keys.length === 1 ? keys[0]! : keys.join('\u0000');
    let i = shapes.get(k);
    if (i === undefined) { i = str(k); shapes.set(k, i); }
    return i;
  };

  // Which objects are reached more than once (by the same edges the writer follows): only they are
  // numbered, so a decoder indexes the few it will be referred to again, not every object it makes.
  const shared = sharedObjects(model);
  const defined = new Map<object, number>();
  const stack: unknown[] = [model];
  // Iterative, depth-first, each value written before what it holds (graphs are deep: stack nodes, chains).
  const write = (v: unknown): void => {
    switch (typeof v) {
      case 'undefined': ints.push(T.Undef); return;
      case 'boolean': ints.push(v ? T.True : T.False); return;
      case 'number':
        if ((v | 0) === v && !Object.is(v, -0)) { ints.push(T.Int); ints.push(v); return; }
        ints.push(T.Float); ints.push(floats.length); floats.push(v);
        return;
      case 'string': ints.push(T.Str); ints.push(str(v)); return;
      case 'function': {
        const i = FUNCTIONS.indexOf(v);
        if (i < 0) throw new SnapshotFormatError(`read model snapshot: cannot write a function (${(v as { name?: string }).name || '?'})`);
        ints.push(T.Fn); ints.push(i); return;
      }
      case 'object': break;
      default: throw new SnapshotFormatError(`read model snapshot: cannot write a ${typeof v}`);
    }
    if (v === null) { ints.push(T.Null); return; }
    const o = v as object;
    let flag = 0;
    if (shared.has(o)) {
      const ref = defined.get(o);
      if (ref !== undefined) { ints.push(T.Ref); ints.push(ref); return; }
      defined.set(o, defined.size);
      flag = SHARED;
    }
    if (Array.isArray(o)) {
      if (Object.isFrozen(o) && o.length > 0) throw new SnapshotFormatError('read model snapshot: a frozen array');
      ints.push(T.Arr | flag); ints.push(o.length);
      for (let i = o.length - 1; i >= 0; i--) stack.push(o[i]);
      return;
    }
    if (o instanceof Map) {
      ints.push(T.Map | flag); ints.push(o.size);
      const items: unknown[] = [];
      for (const [k, val] of o) items.push(k, val);
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
      return;
    }
    if (o instanceof Set) {
      ints.push(T.Set | flag); ints.push(o.size);
      const items = [...o];
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
      return;
    }
    const proto = Object.getPrototypeOf(o) as object | null;
    const keys = Object.keys(o);
    if (proto === Object.prototype || proto === null) {
      const frozen = Object.isFrozen(o);
      if (proto === null && frozen) throw new SnapshotFormatError('read model snapshot: a frozen null-prototype object');
      ints.push((proto === null ? T.NullProto : frozen ? T.Frozen : T.Obj) | flag);
      ints.push(shape(keys));
      for (let i = keys.length - 1; i >= 0; i--) stack.push((o as Record<string, unknown>)[keys[i]!]);
    } else {
      const c = classOf(o, proto);
      const transient = CLASSES[c]!.transient;
      ints.push(T.Inst | flag); ints.push(c); ints.push(shape(keys));
      for (let i = keys.length - 1; i >= 0; i--) stack.push(transient.includes(keys[i]!) ? null : (o as Record<string, unknown>)[keys[i]!]);
    }
  };
  while (stack.length > 0) {
    write(stack.pop());
  }

  const table = [...strings.keys()];
  const segments: Buffer[] = [];
  for (let i = 0; i < table.length; i += SEGMENT) segments.push(Buffer.from(JSON.stringify(table.slice(i, i + SEGMENT)), 'utf8'));
  const headLen = 8 + 4 + 4 + segments.reduce((s, b) => s + 4 + b.length, 0) + 8;
  const pad = (8 - (headLen % 8)) % 8;
  const out = Buffer.alloc(headLen + pad + floats.length * 8 + ints.bytes);
  let at = out.write(MAGIC, 0, 'latin1');
  at = out.writeUInt32LE(CODEC_VERSION, at);
  at = out.writeUInt32LE(segments.length, at);
  for (const s of segments) { at = out.writeUInt32LE(s.length, at); at += s.copy(out, at); }
  at = out.writeUInt32LE(ints.n, at);
  at = out.writeUInt32LE(floats.length, at);
  at += pad;
  for (const f of floats) at = out.writeDoubleLE(f, at);
  ints.buf.copy(out, at, 0, ints.bytes);
  return out;
}

/** The model the bytes hold; throws SnapshotFormatError on anything but an exact, complete encoding. */
export function decodeReadModel(bytes: Buffer): ReadModel {
  const fail = (why: string): never => { throw new SnapshotFormatError(`read model snapshot: ${why}`); };
  if (bytes.length < 24 || bytes.toString('latin1', 0, 8) !== MAGIC) fail('not a read model snapshot');
  if (bytes.readUInt32LE(8) !== CODEC_VERSION) fail(`codec version ${bytes.readUInt32LE(8)}, expected ${CODEC_VERSION}`);
  const nSegments = bytes.readUInt32LE(12);
  let at = 16;
  const table: string[] = [];
  for (let s = 0; s < nSegments; s++) {
    if (at + 4 > bytes.length) fail('truncated string table');
    const len = bytes.readUInt32LE(at);
    at += 4;
    if (at + len > bytes.length) fail('truncated string table');
    let seg: unknown;
    try { seg = JSON.parse(bytes.toString('utf8', at, at + len)); } catch { fail('unreadable string table'); }
    if (!Array.isArray(seg) || seg.some((x) => typeof x !== 'string')) fail('unreadable string table');
    for (const x of seg as string[]) table.push(x);
    at += len;
  }
  if (at + 8 > bytes.length) fail('truncated');
  const nInts = bytes.readUInt32LE(at);
  const nFloats = bytes.readUInt32LE(at + 4);
  at += 8;
  at += (8 - (at % 8)) % 8;
  if (at + nFloats * 8 > bytes.length) fail('truncated numbers');
  const floats = new Float64Array(nFloats);
  for (let i = 0; i < nFloats; i++) floats[i] = bytes.readDoubleLE(at + i * 8);
  at += nFloats * 8;
  const end = bytes.length;
  let read = 0;

  /** The containers flagged SHARED, in order: what T.Ref refers to. */
  const shared: object[] = [];
  const shapes = new Map<number, string[]>();
  /**
   * Per shape, how to make an object with its fields in place (V8 memory, measured): `{}` given 20 fields
   * one by one falls into dictionary mode (~880 bytes for an image record against ~200 as the fold's literal
   * makes it); a copy of an object parsed with those keys has them in-object. A frozen copy of a copy takes its
   * own hidden class (~390 bytes for a layer record), so frozen objects are parsed each (~104 against 95).
   */
  const templates = new Map<number, { copy: Record<string, unknown>; json: string } | null>();
  const templateOf = (i: number, keys: readonly string[]) => {
    let t = templates.get(i);
    if (t === undefined) {
      const json = `{${keys.map((k) => `${JSON.stringify(k)}:null`).join(',')}}`;
      t = keys.includes('__proto__') ? null : { copy: JSON.parse(json) as Record<string, unknown>, json };
      templates.set(i, t);
    }
    return t;
  };
  const keysOf = (i: number): string[] => {
    let k = shapes.get(i);
    if (!k) {
      const s = table[i];
      if (s === undefined) fail('bad shape');
      k = s === '' ? [] : s!.split('\u0000');
      shapes.set(i, k);
    }
    return k;
  };
  const next = (): number => {
    let z = 0;
    let shift = 0;
    for (;;) {
      if (at >= end || shift > 28) fail('truncated values');
      const b = bytes[at++]!;
      z |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    read++;
    return (z >>> 1) ^ -(z & 1);
  };

  // Containers being filled, one frame per non-empty container, as parallel stacks (no object per frame:
  // at 100,000 images that was millions of short-lived objects): what each is, how many values it has
  // taken and takes, its keys (objects) or the key waiting for its value (maps).
  const enum K { Arr, Map, Set, Obj, FrozenObj }
  let cap = 64;
  let kinds = new Uint8Array(cap);
  let filled = new Int32Array(cap);
  let sizes = new Int32Array(cap);
  const targets: any[] = [];
  const keyLists: (string[] | null)[] = [];
  const pendingKeys: unknown[] = [];
  let depth = 0;
  const open = (kind: K, target: object, n: number, keys: string[] | null): void => {
    if (depth === cap) {
      cap *= 2;
      const k = new Uint8Array(cap); k.set(kinds); kinds = k;
      const f = new Int32Array(cap); f.set(filled); filled = f;
      const z = new Int32Array(cap); z.set(sizes); sizes = z;
    }
    kinds[depth] = kind; filled[depth] = 0; sizes[depth] = n;
    targets[depth] = target; keyLists[depth] = keys; pendingKeys[depth] = undefined;
    depth++;
  };
  let root: unknown;
  for (;;) {
    let value: unknown;
    const word = next();
    const tag = word & ~SHARED;
    if (word !== tag && (word !== (tag | SHARED) || tag < T.Arr || tag === T.Fn)) fail(`bad tag ${word}`);
    let opened = false;
    switch (tag) {
      case T.Undef: value = undefined; break;
      case T.Null: value = null; break;
      case T.False: value = false; break;
      case T.True: value = true; break;
      case T.Int: value = next(); break;
      case T.Float: { const i = next(); if (i < 0 || i >= nFloats) fail('bad number'); value = floats[i]; break; }
      case T.Str: { value = table[next()]; if (value === undefined) fail('bad string'); break; }
      case T.Fn: { value = FUNCTIONS[next()]; if (value === undefined) fail('bad function'); break; }
      case T.Ref: { value = shared[next()]; if (value === undefined) fail('bad reference'); break; }
      case T.Arr: {
        const n = next();
        if (n < 0 || n > end - at) fail('truncated values');
        // Sized up front: filled by push, an array keeps spare slots (16 for one element).
        const a = new Array<unknown>(n);
        value = a;
        if (n > 0) { open(K.Arr, a, n, null); opened = true; }
        break;
      }
      case T.Map: {
        const n = next();
        if (n < 0 || n * 2 > end - at) fail('truncated values');
        const m = new Map();
        value = m;
        if (n > 0) { open(K.Map, m, n * 2, null); opened = true; }
        break;
      }
      case T.Set: {
        const n = next();
        if (n < 0 || n > end - at) fail('truncated values');
        const st = new Set();
        value = st;
        if (n > 0) { open(K.Set, st, n, null); opened = true; }
        break;
      }
      case T.Obj: case T.Frozen: case T.NullProto: case T.Inst: {
        const cls = tag === T.Inst ? CLASSES[next()] : undefined;
        if (tag === T.Inst && !cls) fail('bad class');
        const shapeIndex = next();
        const keys = keysOf(shapeIndex);
        let o: Record<string, unknown>;
        if (cls) {
          o = Object.create(cls.cls.prototype as object) as Record<string, unknown>;
        } else if (tag === T.NullProto) {
          o = Object.create(null) as Record<string, unknown>;
        } else {
          const t = keys.length > 0 ? templateOf(shapeIndex, keys) : null;
          o = !t ? {} : tag === T.Frozen ? JSON.parse(t.json) as Record<string, unknown> : { ...t.copy };
        }
        value = o;
        if (keys.length > 0) { open(tag === T.Frozen ? K.FrozenObj : K.Obj, o, keys.length, keys); opened = true; }
        else if (tag === T.Frozen) Object.freeze(o);
        break;
      }
      default: fail(`bad tag ${tag}`);
    }
    if (word !== tag) shared.push(value as object);
    if (opened) continue;
    // Place the value, then close every container it completes.
    for (;;) {
      if (depth === 0) { root = value; break; }
      const d = depth - 1;
      const i = filled[d]!;
      switch (kinds[d]) {
        case K.Arr: (targets[d] as unknown[])[i] = value; break;
        case K.Set: (targets[d] as Set<unknown>).add(value); break;
        case K.Map:
          if ((i & 1) === 0) pendingKeys[d] = value; else (targets[d] as Map<unknown, unknown>).set(pendingKeys[d], value);
          break;
        default: (targets[d] as Record<string, unknown>)[keyLists[d]![i]!] = value;
      }
      if (i + 1 < sizes[d]!) { filled[d] = i + 1; break; }
      depth = d;
      value = targets[d];
      if (kinds[d] === K.FrozenObj) Object.freeze(value);
      targets[d] = null; keyLists[d] = null; pendingKeys[d] = null;
    }
    if (depth === 0 && root !== undefined) break;
  }
  if (read !== nInts || at !== end) fail('trailing values');
  if (!(root instanceof ReadModel)) fail('not a read model');
  return root as ReadModel;
}
