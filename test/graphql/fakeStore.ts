import { createHash } from 'node:crypto';
import type { AppendOptions, AppendResult, EventStore, Sql, StoredEvent, StreamAppend, WithinAppend } from '../../src/eventStore/types';

/**
 * In-memory EventStore for transport tests: gap-free positions, stream
 * versions, expected-version conflicts, hash chain, and follow() delivering
 * appended events in order (asynchronously, as a polling store would).
 */
export class FakeStore implements EventStore {
  readonly dialect = 'sqlite' as const;
  readonly events: StoredEvent[] = [];
  private readonly followers = new Set<() => void>();
  /** Number of live follow() handles (tests wait on it instead of sleeping). */
  get followerCount() {
    return this.followers.size;
  }

  readonly sql: Sql = {
    dialect: 'sqlite',
    query: async () => [],
    run: async () => {},
  };

  async append(batch: StreamAppend[], options: AppendOptions = {}, within?: WithinAppend): Promise<AppendResult> {
    const added: StoredEvent[] = [];
    for (const b of batch) {
      const version = await this.streamVersion(b.stream);
      if (typeof b.expectedVersion === 'number' && b.expectedVersion !== version) throw new Error('CONFLICT');
      b.events.forEach((e, i) => {
        const prevHash = (added.at(-1) ?? this.events.at(-1))?.hash ?? '0'.repeat(64);
        const position = this.events.length + added.length + 1;
        const stored: StoredEvent = {
          position,
          stream: b.stream,
          version: version + i + 1,
          type: e.type,
          schemaVersion: e.schemaVersion ?? 1,
          data: e.data,
          metadata: { actor: options.actor ?? null, recordedAt: (options.recordedAt ?? new Date()).toISOString() },
          idempotencyKey: options.idempotencyKey ?? null,
          prevHash,
          hash: createHash('sha256').update(prevHash + JSON.stringify([position, b.stream, e.type, e.data])).digest('hex'),
        };
        added.push(stored);
      });
    }
    await within?.(this.sql, added);
    this.events.push(...added);
    for (const wake of this.followers) wake();
    return { events: added, duplicate: false, head: this.events.length };
  }

  async readRange(from: number, to = this.events.length, limit = Infinity) {
    return this.events.filter((e) => e.position >= from && e.position <= to).slice(0, limit);
  }
  async readStream(stream: string, fromVersion = 1, limit = Infinity) {
    return this.events.filter((e) => e.stream === stream && e.version >= fromVersion).slice(0, limit);
  }
  async streamVersion(stream: string) {
    return this.events.filter((e) => e.stream === stream).length;
  }
  async head() {
    return this.events.length;
  }

  follow(from: number, onEvents: (events: StoredEvent[]) => Promise<void> | void) {
    let next = from;
    let busy = false;
    let again = false;
    const wake = () => {
      if (busy) return void (again = true);
      busy = true;
      setImmediate(async () => {
        do {
          again = false;
          const batch = this.events.slice(next - 1);
          if (batch.length && this.followers.has(wake)) {
            next += batch.length;
            await onEvents(batch);
          }
        } while (again && this.followers.has(wake));
        busy = false;
      });
    };
    this.followers.add(wake);
    wake();
    return { stop: () => void this.followers.delete(wake) };
  }

  async writeTransaction<T>(fn: (tx: Sql) => Promise<T>) {
    return fn(this.sql);
  }
  async close() {}
}
