/**
 * `Query.verifyLog` for a server: one verification per head and anchor, shared
 * by every caller asking at once and kept for a minute, and one verification
 * running at a time per store; each yields between pages (verify.ts). A
 * client cannot make the server verify the same log twenty times over
 * (docs/reliability.md, case 15.2). `strata verify` always reads afresh.
 */
import type { EventStore } from '../eventStore/types';
import { verifyChain } from './verify';

type Result = Awaited<ReturnType<typeof verifyChain>>;

/** How long a verification answers for the same head (an edit that appends nothing is seen after this). */
export const VERIFICATION_TTL_MS = 60_000;

interface Entry { at: number; result: Promise<Result> }

class SharedVerification {
  private readonly entries = new Map<string, Entry>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: EventStore) {}

  private key(head: number, expectHead?: string | null) {
    return `${head}|${expectHead ?? ''}`;
  }

  /** True when verifying at this head (with this anchor) costs nothing: done recently or running. */
  isShared(head: number, expectHead?: string | null): boolean {
    const e = this.entries.get(this.key(head, expectHead));
    return !!e && Date.now() - e.at < VERIFICATION_TTL_MS;
  }

  async verify(expectHead?: string | null): Promise<Result> {
    const head = await this.store.head();
    const key = this.key(head, expectHead);
    const now = Date.now();
    for (const [k, e] of this.entries) if (now - e.at >= VERIFICATION_TTL_MS) this.entries.delete(k);
    let entry = this.entries.get(key);
    if (!entry) {
      // One at a time: concurrent requests with different anchors queue rather than multiply the work.
      const result = this.queue.then(() => verifyChain(this.store, expectHead));
      this.queue = result.catch(() => undefined);
      entry = { at: now, result };
      this.entries.set(key, entry);
      result.catch(() => this.entries.delete(key));
    }
    return entry.result;
  }
}

const shared = new WeakMap<EventStore, SharedVerification>();

export function sharedVerification(store: EventStore): SharedVerification {
  let s = shared.get(store);
  if (!s) {
    s = new SharedVerification(store);
    shared.set(store, s);
  }
  return s;
}
