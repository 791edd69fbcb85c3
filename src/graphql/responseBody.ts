/**
 * The HTTP body of a GraphQL answer, as Apollo's default serializer writes it
 * (`JSON.stringify(result) + '\n'`), but built from pieces of at most a few tens
 * of kB instead of one string.
 *
 * Why: V8 allocates a string past ~128 kB in its large-object space, and
 * JSON.stringify's result is a rope that must be flattened into such a string
 * before it can be encoded. For a merged-view page (~390 kB) or the storage
 * report, that flattening plus the UTF-8 encoding cost 4x the stringify itself
 * (bench/RESULTS.md, "Query execution, second pass"), and every such string
 * pushes the old generation (the read model lives there) towards a full GC.
 * Small pieces are flattened and encoded in the young generation.
 *
 * The pieces, concatenated, are exactly `JSON.stringify(value)` (the unit test
 * holds that against JSON.stringify itself on random values): arrays are cut
 * into batches that JSON.stringify serializes, plain objects are walked key by
 * key with the same rules (toJSON, skipped undefined/function/symbol values).
 * One difference no GraphQL answer can show: a `toJSON` inside an array batch
 * is given its index within the batch (Apollo's answers hold only what scalars
 * serialize to: strings, numbers, booleans, null, plain objects and arrays).
 */

/** Target length of one piece (characters): well below V8's large-object threshold. */
export const PIECE_CHARS = 32 * 1024;
/** Walk no deeper than this ourselves; below it JSON.stringify does the rest (and reports cycles). */
const MAX_WALK_DEPTH = 24;

/**
 * A batch of array elements as JSON.stringify wrote it, brackets included
 * ("[a,b]"); the body holds only "a,b". A large batch is kept whole and its
 * brackets are dropped as its bytes are written (bodyBytes), so its text is
 * not copied again on the way: cutting the brackets off (a flattened copy) and
 * joining the result into a piece (another) were a quarter of what a storage
 * report allocated per request (issue 19 item 5, third pass).
 */
class Batch {
  constructor(readonly json: string) {}
  /** The elements' text, without the brackets. */
  inner(): string { return this.json.slice(1, -1); }
}

/**
 * A batch of a list kept across answers (leafLists.ts: a storage report's
 * chunk of rows), whose bytes are kept with it: encoded by the first answer
 * that writes it, then handed to the socket as they are. Encoding a 100,000-image
 * report's 58 MB into a new buffer for every answer cost the encoding and, as
 * external memory, made V8 collect the whole 850 MB heap every few answers
 * (issue 19 item 6: the repeated report grew faster than linear in server CPU).
 */
export class KeptBatch {
  /**
   * The text until it is first written, then its bytes with a comma where its "[" was (",a,b]"): a view serves after
   * a list's "[" or after another batch. Only one is kept (a 100,000-image report's lists are 58 MB either way);
   * JSON.stringify's text has no lone surrogate (it escapes them), so the bytes give the text back exactly.
   */
  private text: string | null;
  private encoded: Buffer | null = null;
  /** The text's length in characters. */
  readonly chars: number;
  constructor(json: string) {
    this.text = json;
    this.chars = json.length;
  }

  /** The batch as JSON.stringify wrote it ("[a,b]"). */
  get json(): string {
    return this.text ?? `[${this.encoded!.toString('utf8', 1)}`;
  }

  /** The elements' bytes, without the brackets, after a comma when `comma` (a view of the kept bytes). */
  innerBytes(comma: boolean): Buffer {
    if (!this.encoded) {
      this.encoded = Buffer.from(this.text!, 'utf8');
      this.encoded[0] = 0x2c; // ","
      this.text = null;
    }
    return this.encoded.subarray(comma ? 0 : 1, this.encoded.length - 1);
  }
}

/** A kept batch in a body, and whether a comma goes before it (it is not its list's first). */
class KeptPiece {
  constructor(readonly batch: KeptBatch, readonly comma: boolean) {}
}

type Piece = string | Batch | KeptPiece;

/**
 * A list already serialized (leafLists.ts): its elements' JSON in batches,
 * each as JSON.stringify wrote it ("[a,b]"). Written as its bytes here; any
 * other serializer gets the list itself from `toJSON`.
 */
export class JsonListText {
  constructor(readonly batches: readonly (string | KeptBatch)[]) {}
  toJSON(): unknown[] {
    return this.batches.flatMap((b) => JSON.parse(typeof b === 'string' ? b : b.json) as unknown[]);
  }
}

class Pieces {
  readonly done: Piece[] = [];
  private cur: string[] = [];
  private len = 0;

  push(s: string): void {
    this.cur.push(s);
    this.len += s.length;
    // Array.join builds a flat string: each piece is encoded without another flattening.
    if (this.len >= PIECE_CHARS) this.flush();
  }

  /**
   * An array batch: kept whole when it is a piece's size on its own, joined with its neighbours when small.
   * A kept batch is always its own piece (its bytes are written as they are kept).
   */
  pushBatch(json: string): void {
    if (json.length < PIECE_CHARS / 2) {
      this.push(json.slice(1, -1));
      return;
    }
    this.flush();
    this.done.push(new Batch(json));
  }

  /** A kept batch, its own piece: its kept bytes are written as they are (with the comma before it). */
  pushKept(batch: KeptBatch, comma: boolean): void {
    this.flush();
    this.done.push(new KeptPiece(batch, comma));
  }

  flush(): void {
    if (this.cur.length) this.done.push(this.cur.length === 1 ? this.cur[0]! : this.cur.join(''));
    this.cur = [];
    this.len = 0;
  }
}

const isPlain = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** What JSON.stringify does with a value before serializing it (toJSON), and whether it is written at all. */
function prepared(v: unknown, key: string): unknown {
  if (v instanceof JsonListText) return v; // written as its text (walk), not through its toJSON
  if (v !== null && (typeof v === 'object' || typeof v === 'bigint')) {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJSON.call(v, key) as unknown;
  }
  return v;
}

const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function walk(out: Pieces, value: unknown, depth: number): void {
  if (value instanceof JsonListText) return writeListText(out, value);
  if (value === null || typeof value !== 'object' || depth >= MAX_WALK_DEPTH || !(Array.isArray(value) || isPlain(value))) {
    // Primitives, boxed primitives, class instances, deep values: JSON.stringify's own answer.
    out.push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) return walkArray(out, value, depth);
  out.push('{');
  let first = true;
  for (const key of Object.keys(value)) {
    const v = prepared((value as Record<string, unknown>)[key], key);
    if (omitted(v)) continue;
    out.push(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
    first = false;
    walk(out, v, depth + 1);
  }
  out.push('}');
}

/**
 * Batches of elements through JSON.stringify; the batch size adapts so that a
 * batch's JSON stays near PIECE_CHARS. An element too big for that is walked.
 */
function walkArray(out: Pieces, list: readonly unknown[], depth: number): void {
  out.push('[');
  let batch = 8;
  for (let i = 0; i < list.length;) {
    const n = Math.min(batch, list.length - i);
    // Elements are prepared by JSON.stringify itself here (toJSON with the index as key, null for omitted).
    const s = JSON.stringify(n === list.length ? list : list.slice(i, i + n));
    if (s.length > 2 * PIECE_CHARS && n > 1) {
      batch = Math.max(1, n >> 2);
      continue; // retry smaller: never keep a large-object-sized batch
    }
    if (s.length > 2 * PIECE_CHARS) {
      // One element bigger than a piece on its own: walk into it.
      // (An omitted value is `null` here, never this big: the element is a real value.)
      if (i > 0) out.push(',');
      walk(out, prepared(list[i], String(i)), depth + 1);
    } else {
      if (i > 0) out.push(',');
      out.pushBatch(s);
      const perElement = s.length / n;
      batch = Math.max(1, Math.min(4096, Math.floor(PIECE_CHARS / Math.max(1, perElement))));
    }
    i += n;
  }
  out.push(']');
}

/** A serialized list: its batches between one pair of brackets, as walkArray writes a list. */
function writeListText(out: Pieces, list: JsonListText): void {
  out.push('[');
  let first = true;
  for (const b of list.batches) {
    if ((typeof b === 'string' ? b.length : b.chars) <= 2) continue; // an empty batch ("[]") adds no element
    if (typeof b !== 'string') out.pushKept(b, !first);
    else {
      if (!first) out.push(',');
      out.pushBatch(b);
    }
    first = false;
  }
  out.push(']');
}

function piecesOf(value: unknown): Piece[] {
  const out = new Pieces();
  const v = prepared(value, '');
  if (omitted(v)) return [];
  walk(out, v, 0);
  out.flush();
  return out.done;
}

/** `JSON.stringify(value)` as pieces of about PIECE_CHARS characters (one piece for a small value). */
export function jsonPieces(value: unknown): string[] {
  return piecesOf(value).map((p) => (typeof p === 'string' ? p : p instanceof KeptPiece
    ? `${p.comma ? ',' : ''}${p.batch.json.slice(1, -1)}` : p.inner()));
}

/**
 * Bodies serialized for Apollo (its `stringifyResult` must return a string)
 * and waiting for the HTTP handler, which writes their bytes itself. Apollo is
 * handed a short token in place of the body; only this module makes tokens.
 */
const TOKEN_PREFIX = '\u0000strata-body:';
const waiting = new Map<string, Piece[]>();
let seq = 0;

/** Apollo's `stringifyResult`: `JSON.stringify(result) + '\n'` like its default, in pieces when large. */
export function stringifyResult(value: unknown): string {
  const pieces = piecesOf(value);
  // A lone piece is a string: a batch always sits between its list's brackets.
  if (pieces.length <= 1) return `${(pieces[0] as string | undefined) ?? ''}\n`;
  pieces.push('\n');
  const token = `${TOKEN_PREFIX}${++seq}`;
  waiting.set(token, pieces);
  return token;
}

/** A body's bytes in parts, written one after the other (the kept batches' bytes among them, not copied). */
export interface BodyParts { parts: Buffer[]; length: number }

/**
 * The bytes of a body Apollo returned: the pieces a token stands for (taken
 * out: each token is read once), or the string itself. Pieces between kept
 * batches are encoded into one buffer per run; a kept batch is its own bytes.
 */
export function bodyParts(body: string): BodyParts {
  const pieces = body.startsWith(TOKEN_PREFIX) ? waiting.get(body) : undefined;
  if (!pieces) {
    const bytes = Buffer.from(body, 'utf8');
    return { parts: [bytes], length: bytes.length };
  }
  waiting.delete(body);
  const parts: Buffer[] = [];
  let length = 0;
  let run = 0;
  const endRun = (to: number) => {
    if (to > run) parts.push(encodeRun(pieces, run, to));
    run = to + 1;
  };
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (!(p instanceof KeptPiece)) continue;
    endRun(i);
    parts.push(p.batch.innerBytes(p.comma));
  }
  endRun(pieces.length);
  for (const part of parts) length += part.length;
  return { parts, length };
}

/** The bytes of a body as one buffer (bodyParts joined). */
export function bodyBytes(body: string): Buffer {
  const { parts, length } = bodyParts(body);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
}

/** Pieces from..to (none of them kept batches) encoded into one buffer. */
function encodeRun(pieces: readonly Piece[], from: number, to: number): Buffer {
  const run = pieces.slice(from, to) as (string | Batch)[]; // no KeptPiece between from and to
  // A batch's brackets are one byte each.
  const sizes = run.map((p) => (typeof p === 'string' ? Buffer.byteLength(p, 'utf8') : Buffer.byteLength(p.json, 'utf8') - 2));
  const out = Buffer.allocUnsafe(sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  run.forEach((p, i) => {
    const size = sizes[i]!;
    if (typeof p === 'string') {
      // As many bytes as characters: all ASCII, where latin1 is the same bytes and a plain copy.
      at += out.write(p, at, size === p.length ? 'latin1' : 'utf8');
      return;
    }
    if (at === 0) {
      // No byte before it in this buffer to write its "[" over: its elements, cut out.
      at += out.write(p.inner(), at, 'utf8');
      return;
    }
    // Written one byte early, so that its "[" lands on the byte before (put back) and its "]" just
    // past its place, where the piece after it (a list goes on with "," or ends with "]") writes next.
    const before = out[at - 1]!;
    out.write(p.json, at - 1, Math.min(size + 2, out.length - at + 1), size + 2 === p.json.length ? 'latin1' : 'utf8');
    out[at - 1] = before;
    at += size;
  });
  return out;
}

/** Forgets a body nobody will send (the request timed out before Apollo answered). */
export function dropBody(body: string): void {
  waiting.delete(body);
}

/** Bodies serialized and not yet taken (tests check nothing is left behind). */
export const waitingBodies = () => waiting.size;
