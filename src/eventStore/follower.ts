/**
 * Follows the log by position: delivers every event with position >= from, in
 * order, exactly once, whoever appended it (another process, another instance).
 * Polling by position is the portable mechanism; `nudge()` lets an adapter wake
 * it early (after a local commit, or on PostgreSQL NOTIFY).
 */
import type { StoredEvent } from './types';

export interface FollowSource {
  readRange(from: number, to?: number, limit?: number): Promise<StoredEvent[]>;
}

export class LogFollower {
  private next: number;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;

  constructor(
    private readonly source: FollowSource,
    from: number,
    private readonly onEvents: (events: StoredEvent[]) => Promise<void> | void,
    private readonly intervalMs: number,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {
    this.next = Math.max(1, from);
    this.schedule(0);
  }

  nudge(): void {
    if (this.running) { this.again = true; return; }
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref?.();
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    let delay = this.intervalMs;
    try {
      const batch = await this.source.readRange(this.next, undefined, 500);
      if (batch.length > 0 && !this.stopped) {
        await this.onEvents(batch);
        this.next = batch[batch.length - 1]!.position + 1;
        if (batch.length === 500) delay = 0;
      }
    } catch (e) {
      this.onError(e);
    } finally {
      this.running = false;
      if (this.again) { this.again = false; delay = 0; }
      this.schedule(delay);
    }
  }
}
