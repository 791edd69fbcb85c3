/**
 * When `strata serve` writes read-model snapshots (docs/adr/0012-read-model-snapshots.md):
 *
 * - every STRATA_SNAPSHOT_INTERVAL_MS (default 60 s) it looks at how many
 *   events its model holds past the newest snapshot; at STRATA_SNAPSHOT_EVERY
 *   (default 20,000) it runs `strata snapshot` in a child process (one at a
 *   time), which starts from that snapshot, folds the rest and writes: the
 *   encoding never holds this process's event loop, so appends and queries
 *   go on;
 * - on a clean shutdown, when the model holds STRATA_SNAPSHOT_MIN (default
 *   5,000) events past the newest snapshot, it writes one itself from the
 *   model at hand before closing the store.
 *
 * STRATA_SNAPSHOT_EVERY=0 turns both off. Snapshots are a cache: none, or a
 * failed write, only means the next start folds more of the log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Strata } from '../application/strata';

const envInt = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number >= 0 (got "${v}")`);
  return n;
};

export class ReadModelSnapshotter {
  private readonly every = envInt('STRATA_SNAPSHOT_EVERY', 20_000);
  private readonly intervalMs = envInt('STRATA_SNAPSHOT_INTERVAL_MS', 60_000);
  private readonly min = envInt('STRATA_SNAPSHOT_MIN', 5_000);
  private timer: NodeJS.Timeout | null = null;
  private child: ChildProcess | null = null;
  /** Position the last child was started at: the next waits for `every` more events. */
  private childAt = 0;

  constructor(private readonly app: Strata, private readonly db: string | undefined, private readonly log: (line: string) => void) {}

  start(): void {
    if (this.every === 0) return;
    this.timer = setInterval(() => this.tick(), Math.max(1000, this.intervalMs));
    this.timer.unref();
  }

  private tick(): void {
    const models = this.app.models;
    if (this.child || models.eventsSinceSnapshot < this.every || models.position - this.childAt < this.every) return;
    this.childAt = models.position;
    const cli = path.resolve(__dirname, '../../bin/strata.js');
    const child = spawn(process.execPath, [cli, 'snapshot', ...(this.db ? ['--db', this.db] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let out = '';
    child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('close', (code) => {
      this.child = null;
      if (code === 0) this.app.models.noteSnapshot(this.childAt);
      if (code === 0) this.log(out.trim().split('\n').pop() ?? 'read model snapshot written');
      else this.log(`read model snapshot (child process) failed (${code}): ${out.trim().slice(-300)}`);
    });
  }

  /** Stops the timer, waits for a running child, and writes a snapshot of the model at hand when it is far enough ahead. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const running = this.child;
    if (running && running.exitCode === null) await new Promise<void>((resolve) => running.once('close', () => resolve()));
    if (this.every === 0 || this.app.models.eventsSinceSnapshot < this.min) return;
    try {
      const written = await this.app.models.snapshot();
      if (written) this.log(`read model snapshot at position ${written.position}: ${(written.bytes / 1e6).toFixed(1)} MB`);
    } catch (e) {
      this.log(`read model snapshot on shutdown failed: ${(e as Error).message}`);
    }
  }
}
