/**
 * The projection tables checked against and rebuilt from a replay of the log
 * (`strata verify`, `strata rebuild`): the transactions are the projections'
 * own, so the application asks for an answer and never holds SQL.
 */
import { readPositions } from '../eventStore/appendCore';
import { headSql } from '../eventStore/reads';
import type { RowPage } from '../eventStore/readOnly';
import type { EventStore, Sql, SqlHandle, StoredEvent } from '../eventStore/types';
import {
  clearTables, compareSnapshots, compareTablePages, projectEvents, replayInto, snapshotTables, type TableDifference,
} from './tables';

class Rollback extends Error {}

const readTx = (tx: Sql) => (from: number, to: number): Promise<StoredEvent[]> => readPositions(tx, from, to);

/** How the tables differ from a replay, computed in a write transaction that is rolled back. */
export async function tableDrift(store: EventStore): Promise<TableDifference[]> {
  let diffs: TableDifference[] = [];
  try {
    await store.writeTransaction(async (tx) => {
      const actual = await snapshotTables(tx);
      const head = await headSql(tx);
      await replayInto(tx, readTx(tx), head);
      diffs = compareSnapshots(actual, await snapshotTables(tx));
      throw new Rollback();
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  return diffs;
}

/** Pages of the real tables (`stored`) or of their scratch copies (`scratch`): src/eventStore/readOnly.ts. */
export interface PagedScratchTables {
  withScratchTables<T>(fn: () => Promise<T>): Promise<T>;
  pages(table: string, side: 'stored' | 'scratch', orderBy: string, pageSize: number): AsyncIterableIterator<RowPage>;
  /** An order that reads rows as they were written (SQLite's rowid), or null. */
  readonly insertionOrder: string | null;
}

/** Rows per page when the stored tables and the replay are compared side by side. */
export const COMPARE_PAGE = 2000;

/**
 * The same comparison on a read-only connection: the replay runs into TEMP
 * copies of the projection tables, so nothing is written (issue 15 item 9),
 * and each copy is compared with its real table page by page, neither held.
 */
export async function tableDriftReadOnly(log: SqlHandle & PagedScratchTables, pageSize = COMPARE_PAGE):
  Promise<TableDifference[]> {
  const head = await headSql(log.sql);
  return log.withScratchTables(async () => {
    await replayInto(log.sql, readTx(log.sql), head);
    return compareWithReplay(log, pageSize);
  });
}

/**
 * A replay fed the log's pages in order, from the first (inside withScratchTables):
 * for a caller that reads the log anyway (src/application/verify.ts, verifyLogReadOnly).
 */
export async function pagedReplay(log: SqlHandle): Promise<(page: readonly StoredEvent[]) => Promise<void>> {
  await clearTables(log.sql);
  return (page) => projectEvents(log.sql, page);
}

/** The scratch tables (a replay, inside withScratchTables) against the stored ones: tableDriftReadOnly's comparison. */
export const compareWithReplay = (log: PagedScratchTables, pageSize = COMPARE_PAGE): Promise<TableDifference[]> =>
  compareTablePages((t, order) => log.pages(t, 'stored', order, pageSize), (t, order) => log.pages(t, 'scratch', order, pageSize),
    log.insertionOrder);

/** Recomputes the tables from the whole log, committed; the number of events replayed. */
export async function rebuildTables(store: EventStore): Promise<number> {
  return store.writeTransaction(async (tx) => replayInto(tx, readTx(tx), await headSql(tx)));
}
