/**
 * `strata verify`: the hash chain over the whole log, every stored entry list
 * against the digest its LayerCommitted carries, and the projection tables
 * against a replay (computed inside a transaction that is rolled back).
 * `strata rebuild`: the same replay, committed.
 */
import { ChainVerifier, type ChainCheck } from '../eventStore/hashChain';
import type { EventLog, EventStore, SqlHandle, StoredEvent } from '../eventStore/types';
import type { ReadOnlyLog } from '../eventStore/readOnly';
import type { TableDifference } from '../projections/tables';
import { compareWithReplay, pagedReplay, rebuildTables, tableDrift, tableDriftReadOnly } from '../projections/rebuild';
import { keptFileLinks, loadLayerEntries } from '../projections/layerContents';
import { keyedEventsWithoutKey, keyRecords } from '../eventStore/keyRequests';
import { DomainError } from '../domain/errors';
import { sha256Digest } from '../support/sha256';

const PAGE = 200;

/**
 * Lets other work run between pages: SQLite reads are synchronous, so a
 * verification of a long log would otherwise hold the event loop for seconds
 * (docs/reliability.md, case 15.2).
 */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * What the checks read: an EventStore, or the read-only view `strata verify`
 * opens (src/eventStore/readOnly.ts); the SQL handle is passed on to the
 * store's and the projections' functions, never used here.
 */
export type LogReader = Pick<EventLog, 'readRange' | 'dialect'> & SqlHandle;

/** A row whose JSON cannot be parsed, named by position (rows.ts), or null for any other error. */
const unreadableRow = (e: unknown): { position: number; reason: string } | null =>
  e instanceof DomainError && e.code === 'TAMPERED' && typeof e.details?.position === 'number'
    ? { position: e.details.position, reason: e.message }
    : null;

export type ChainResult = ChainCheck & { headPosition: number };

/** Work done on each page of events the chain has verified so far (src/application/verify.ts: verifyChainAndContents). */
type PageWork = (page: StoredEvent[]) => Promise<void>;

export async function verifyChain(store: LogReader, expectHead?: string | null, eachVerifiedPage?: PageWork): Promise<ChainResult> {
  const v = new ChainVerifier();
  let next = 1;
  let last: StoredEvent | undefined;
  for (;;) {
    let batch: StoredEvent[];
    try {
      batch = await store.readRange(next, undefined, PAGE);
    } catch (e) {
      const bad = unreadableRow(e);
      if (!bad) throw e;
      const r = v.result();
      // An earlier break in the chain (fed from previous pages) is reported first.
      if (!r.ok) return { ...r, headPosition: bad.position };
      return { ...r, ok: false, firstBadPosition: bad.position,
        reason: bad.reason.replace(/^the event at position \d+ has /, 'the row has '), headPosition: bad.position };
    }
    for (const e of batch) v.feed(e);
    if (eachVerifiedPage && v.firstBad === null) await eachVerifiedPage(batch);
    await yieldToEventLoop();
    if (batch.length < PAGE) { last = batch[batch.length - 1] ?? last; break; }
    last = batch[batch.length - 1];
    next = last!.position + 1;
  }
  const r = v.result();
  const headPosition = last?.position ?? 0;
  if (r.ok && expectHead) {
    const [pos, hash] = expectHead.includes(':') ? expectHead.split(':') as [string, string] : [null, expectHead];
    const wanted = hash.toLowerCase();
    if (pos !== null) {
      const at = Number(pos);
      const [e] = await store.readRange(at, at, 1);
      if (!e || e.hash !== wanted) {
        const reason = e
          ? `the hash at position ${at} is not the anchored one (history was rewritten)`
          : `position ${at} no longer exists (the log was truncated)`;
        return { ...r, ok: false, firstBadPosition: at, reason, headPosition };
      }
    } else if (r.headHash !== wanted) {
      return { ...r, ok: false, firstBadPosition: headPosition + 1,
        reason: 'the head hash is not the anchored one (events were truncated or appended after the anchor)', headPosition };
    }
  }
  return { ...r, headPosition };
}

export interface ContentProblem { position: number; diffId: string; reason: string }

/**
 * Every stored entry list against the digest its LayerCommitted carries, fed
 * page by page (the pages of the log in order), then the kept files.
 */
class ContentsCheck {
  readonly problems: ContentProblem[] = [];
  private readonly layerPositions = new Map<string, number>();
  /** A tampered entry list ends the check (it is reported alone). */
  stopped = false;

  constructor(private readonly store: LogReader) {}

  async page(batch: readonly StoredEvent[]): Promise<void> {
    if (this.stopped) return;
    const { store, problems } = this;
    const layers = batch.filter((e) => e.type === 'LayerCommitted');
    for (const e of layers) if (!this.layerPositions.has(e.data.diffId)) this.layerPositions.set(e.data.diffId, e.position);
    if (layers.length === 0) return;
    let loaded;
    try {
      loaded = await loadLayerEntries(store, layers.map((e) => e.data.diffId));
    } catch (err) {
      if (err instanceof DomainError && err.code === 'TAMPERED') {
        const diffId = String(err.details?.diffId ?? '');
        const at = layers.find((e) => e.data.diffId === diffId);
        problems.push({ position: at?.position ?? layers[0]!.position, diffId, reason: err.message });
        this.stopped = true;
        return;
      }
      throw err;
    }
    for (const e of layers) {
      const c = loaded.get(e.data.diffId);
      if (!c) problems.push({ position: e.position, diffId: e.data.diffId, reason: 'the layer\'s entry list is missing' });
      else if (c.entriesDigest !== e.data.entriesDigest) problems.push({ position: e.position, diffId: e.data.diffId,
        reason: 'the stored entry list is not the one the event names' });
    }
  }

  /** After the last page: the problems, or the kept files' when there are none. */
  async finish(): Promise<ContentProblem[]> {
    if (this.problems.length === 0) this.problems.push(...await verifyKeptFiles(this.store, this.layerPositions));
    return this.problems;
  }
}

export async function verifyContents(store: LogReader): Promise<ContentProblem[]> {
  const check = new ContentsCheck(store);
  let next = 1;
  for (;;) {
    const batch = await store.readRange(next, undefined, PAGE);
    await check.page(batch);
    if (check.stopped || batch.length < PAGE) break;
    next = batch[batch.length - 1]!.position + 1;
  }
  return check.finish();
}

/**
 * verifyChain, then verifyContents when the chain holds, with the same
 * results, from one read of the log: each page the chain has verified goes
 * to the entry-list check before the next page is read (reading and parsing
 * the log twice was a tenth of `strata verify` at 100,000 images;
 * bench/RESULTS.md, item 6). The entry-list check's own error, if any, is
 * thrown only when the chain holds, where verifyContents would have thrown
 * it; a broken chain is reported as before, with no entry-list problems.
 */
export async function verifyChainAndContents(store: LogReader, expectHead?: string | null, alsoEachPage?: PageWork):
  Promise<{ chain: ChainResult; contents: ContentProblem[] }> {
  const contents = new ContentsCheck(store);
  const entryLists = deferringErrors((page) => contents.page(page));
  const chain = await verifyChain(store, expectHead, async (page) => {
    await entryLists.page(page);
    await alsoEachPage?.(page);
  });
  if (!chain.ok) return { chain, contents: [] };
  entryLists.rethrow();
  return { chain, contents: await contents.finish() };
}

/**
 * Page work whose first error is kept, not thrown (no more pages go to it
 * after one): `rethrow` throws it where the work, done after the whole
 * chain, would have thrown it.
 */
function deferringErrors(work: PageWork): { page: PageWork; rethrow(): void } {
  let failed: { error: unknown } | null = null;
  return {
    async page(page) {
      if (failed) return;
      try {
        await work(page);
      } catch (error) {
        failed = { error };
      }
    },
    rethrow() { if (failed) throw failed.error; },
  };
}

/**
 * Kept files (os-release) are not in the chain: each link (layer, path) → content
 * must name the file the layer's verified entry list holds at that path, and the
 * content must hash to its digest.
 */
async function verifyKeptFiles(store: LogReader, layerPositions: Map<string, number>): Promise<ContentProblem[]> {
  const rows = await keptFileLinks(store);
  if (rows.length === 0) return [];
  const entries = await loadLayerEntries(store, rows.map((r) => r.diff_id));
  const problems: ContentProblem[] = [];
  for (const r of rows) {
    const position = layerPositions.get(r.diff_id) ?? 0;
    const atPath = entries.get(r.diff_id)?.entries.filter((e) => e.path === r.path).pop();
    const content = r.content ? Buffer.from(r.content) : null;
    if (!atPath || atPath.kind !== 'FILE' || atPath.contentDigest !== r.digest) {
      problems.push({ position, diffId: r.diff_id, reason: `the kept file ${r.path} is not the one the layer's entry list holds` });
    } else if (!content || sha256Digest(content) !== r.digest) {
      problems.push({ position, diffId: r.diff_id, reason: `the kept file ${r.path} does not match its digest` });
    }
  }
  return problems.sort((a, b) => a.position - b.position);
}

export const verifyProjections = (store: EventStore): Promise<TableDifference[]> => tableDrift(store);

/** The same comparison on a read-only connection (src/projections/rebuild.ts). */
type PagedLog = LogReader & Pick<ReadOnlyLog, 'withScratchTables' | 'pages' | 'insertionOrder'>;

export const verifyProjectionsReadOnly = (log: PagedLog, pageSize?: number): Promise<TableDifference[]> =>
  tableDriftReadOnly(log, pageSize);

export const rebuildProjections = (store: EventStore): Promise<number> => rebuildTables(store);

export interface KeyProblem { position: number; key: string; reason: string }

/**
 * Idempotency keys must name the event that carries them: a forged row would
 * make a later retry look like a duplicate and silently drop its write.
 */
/** Both parts of a key's request, or neither (keys recorded before requests were stored). */
const wellFormedKeyRequest = (operation: string | null, inputDigest: string | null): boolean =>
  (operation === null && inputDigest === null) || (typeof operation === 'string' && operation.length > 0
    && /^sha256:[0-9a-f]{64}$/.test(inputDigest ?? ''));

export async function verifyIdempotencyKeys(store: LogReader): Promise<KeyProblem[]> {
  const problems: KeyProblem[] = [];
  const rows = await keyRecords(store);
  for (const r of rows) {
    const first = Number(r.first_position);
    if (r.carried !== r.key) problems.push({ position: first, key: r.key,
      reason: `idempotency key "${r.key}" is not carried by the event at position ${first}` });
    else if (Number(r.last_position) < first || Number(r.last_exists) !== 1) {
      problems.push({ position: first, key: r.key, reason: `idempotency key "${r.key}" names positions that do not exist` });
    }
    else if (!wellFormedKeyRequest(r.operation, r.input_digest)) problems.push({ position: first, key: r.key,
      reason: `idempotency key "${r.key}" records a malformed request (operation and input digest go together)` });
  }
  const orphans = await keyedEventsWithoutKey(store);
  for (const o of orphans) problems.push({ position: Number(o.position), key: o.idempotency_key,
    reason: `the event at position ${Number(o.position)} carries idempotency key "${o.idempotency_key}" but the key table lost it` });
  return problems.sort((a, b) => a.position - b.position);
}

export interface LogVerification { chain: ChainResult; contents: (ContentProblem | KeyProblem)[]; projections: TableDifference[] }

/**
 * `strata verify`'s checks with one read of the log: verifyChainAndContents
 * with the projections' replay fed the same pages (into the scratch tables),
 * then the idempotency keys and the comparison with the replay. The results
 * are those of verifyChain, verifyContents, verifyIdempotencyKeys and
 * verifyProjectionsReadOnly run one after another: nothing but the chain when
 * it breaks; an error of the replay itself thrown after the entry lists' and
 * the keys', where the replay would have thrown it. The log was read three
 * times (bench/RESULTS.md, item 6).
 */
export async function verifyLogReadOnly(log: PagedLog, expectHead?: string | null, pageSize?: number): Promise<LogVerification> {
  return log.withScratchTables(async () => {
    const replay = deferringErrors(await pagedReplay(log));
    const { chain, contents } = await verifyChainAndContents(log, expectHead, replay.page);
    if (!chain.ok) return { chain, contents: [], projections: [] };
    const keys = await verifyIdempotencyKeys(log);
    replay.rethrow();
    return { chain, contents: [...contents, ...keys], projections: await compareWithReplay(log, pageSize) };
  });
}
