/**
 * A read model as bytes and back (docs/adr/0012-read-model-snapshots.md): the
 * object graph the fold built — records, maps, sets, the ledgers and indexes —
 * written as it is, so that a decoded model is the same graph, not a
 * re-derivation of it.
 *
 * - Objects keep their identity: an object reached twice (a layer record
 *   shared by thousands of images, a stack node in a set) is written once and
 *   referred to after; cycles are fine.
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
const CODEC_VERSION = 1;
/** Strings per JSON segment: keeps each segment far below V8's longest string. */
const SEGMENT = 50_000;

const enum T { Undef, Null, False, True, Int, Float, Str, Ref, Arr, Obj, Frozen, Map, Set, Inst, Fn, NullProto }

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

export function encodeReadModel(model: ReadModel): Buffer {
  const ints = new Ints();
  const floats: number[] = [];
  const strings = new Map<string, number>();
  const seen = new Map<object, number>();
  const shapes = new Map<string, number>();
  const protos = new Map<object, number>(CLASSES.map((c, i) => [c.cls.prototype as object, i]));
  let objects = 0;

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
    const ref = seen.get(o);
    if (ref !== undefined) { ints.push(T.Ref); ints.push(ref); return; }
    seen.set(o, objects++);
    if (Array.isArray(o)) {
      if (Object.isFrozen(o) && o.length > 0) throw new SnapshotFormatError('read model snapshot: a frozen array');
      ints.push(T.Arr); ints.push(o.length);
      for (let i = o.length - 1; i >= 0; i--) stack.push(o[i]);
      return;
    }
    if (o instanceof Map) {
      ints.push(T.Map); ints.push(o.size);
      const items: unknown[] = [];
      for (const [k, val] of o) items.push(k, val);
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
      return;
    }
    if (o instanceof Set) {
      ints.push(T.Set); ints.push(o.size);
      const items = [...o];
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
      return;
    }
    const proto = Object.getPrototypeOf(o) as object | null;
    const keys = Object.keys(o);
    if (proto === Object.prototype || proto === null) {
      const frozen = Object.isFrozen(o);
      if (proto === null && frozen) throw new SnapshotFormatError('read model snapshot: a frozen null-prototype object');
      ints.push(proto === null ? T.NullProto : frozen ? T.Frozen : T.Obj);
      ints.push(shape(keys));
      for (let i = keys.length - 1; i >= 0; i--) stack.push((o as Record<string, unknown>)[keys[i]!]);
    } else {
      const c = protos.get(proto);
      if (c === undefined) {
        const name = (proto.constructor as { name?: string } | undefined)?.name ?? '?';
        throw new SnapshotFormatError(`read model snapshot: cannot write an instance of ${name}`);
      }
      if (Object.getOwnPropertySymbols(o).length > 0) throw new SnapshotFormatError('read model snapshot: symbol-keyed fields');
      const transient = CLASSES[c]!.transient;
      ints.push(T.Inst); ints.push(c); ints.push(shape(keys));
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

  const objects: object[] = [];
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

  // Containers being filled (one frame per non-empty container): how many values each still takes and where they go.
  const enum K { Arr, Map, Set, Obj }
  interface Frame { kind: K; target: any; keys: string[] | null; i: number; n: number; pendingKey: unknown; freeze: boolean }
  const frames: Frame[] = [];
  let root: unknown;
  for (;;) {
    let value: unknown;
    let open: Frame | null = null;
    const tag = next();
    switch (tag) {
      case T.Undef: value = undefined; break;
      case T.Null: value = null; break;
      case T.False: value = false; break;
      case T.True: value = true; break;
      case T.Int: value = next(); break;
      case T.Float: { const i = next(); if (i < 0 || i >= nFloats) fail('bad number'); value = floats[i]; break; }
      case T.Str: { value = table[next()]; if (value === undefined) fail('bad string'); break; }
      case T.Fn: { value = FUNCTIONS[next()]; if (value === undefined) fail('bad function'); break; }
      case T.Ref: { value = objects[next()]; if (value === undefined) fail('bad reference'); break; }
      case T.Arr: {
        const n = next();
        if (n > end - at) fail('truncated values');
        // Sized up front: filled by push, an array keeps spare slots (16 for one element).
        const a = new Array<unknown>(n);
        objects.push(a);
        value = a;
        if (n > 0) open = { kind: K.Arr, target: a, keys: null, i: 0, n, pendingKey: undefined, freeze: false };
        break;
      }
      case T.Map: {
        const n = next();
        const m = new Map();
        objects.push(m);
        value = m;
        if (n > 0) open = { kind: K.Map, target: m, keys: null, i: 0, n: n * 2, pendingKey: undefined, freeze: false };
        break;
      }
      case T.Set: {
        const n = next();
        const st = new Set();
        objects.push(st);
        value = st;
        if (n > 0) open = { kind: K.Set, target: st, keys: null, i: 0, n, pendingKey: undefined, freeze: false };
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
        objects.push(o);
        value = o;
        if (keys.length > 0) open = { kind: K.Obj, target: o, keys, i: 0, n: keys.length, pendingKey: undefined, freeze: tag === T.Frozen };
        else if (tag === T.Frozen) Object.freeze(o);
        break;
      }
      default: fail(`bad tag ${tag}`);
    }
    if (open) { frames.push(open); continue; }
    // Place the value, then close every container it completes.
    for (;;) {
      const f = frames[frames.length - 1];
      if (!f) { root = value; break; }
      switch (f.kind) {
        case K.Arr: (f.target as unknown[])[f.i] = value; break;
        case K.Set: (f.target as Set<unknown>).add(value); break;
        case K.Map:
          if ((f.i & 1) === 0) f.pendingKey = value; else (f.target as Map<unknown, unknown>).set(f.pendingKey, value);
          break;
        default: (f.target as Record<string, unknown>)[f.keys![f.i]!] = value;
      }
      if (++f.i < f.n) break;
      frames.pop();
      if (f.freeze) Object.freeze(f.target);
      value = f.target;
    }
    if (frames.length === 0 && root !== undefined) break;
  }
  if (read !== nInts || at !== end) fail('trailing values');
  if (!(root instanceof ReadModel)) fail('not a read model');
  return root as ReadModel;
}
