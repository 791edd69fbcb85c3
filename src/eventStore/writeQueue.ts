/**
 * A process-wide FIFO of write transactions, one per database: SQLite has a
 * single writer, and queueing in-process keeps our own writers from spinning
 * on SQLITE_BUSY against each other (other processes are handled by retries).
 */
const tails = new Map<string, Promise<unknown>>();

export function enqueueWrite<T>(key: string, job: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(job, job);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  void tail.then(() => { if (tails.get(key) === tail) tails.delete(key); });
  return run;
}

/** True when no write transaction of this process is queued or running on `key`. */
export function writeQueueIdle(key: string): boolean {
  return !tails.has(key);
}
