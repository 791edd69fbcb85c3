/**
 * Turning a decision into one append (docs/domain.md §7), and the three rules
 * around it:
 * - expected versions: every stream at the version the decision read in the
 *   read model, so a concurrent writer makes the append CONFLICT instead of
 *   being silently overwritten;
 * - retries: a CONFLICT from the append on streams the user did not pin is a
 *   race we re-decide on a fresh model (imports too: one loop, withRetries); with a pinned
 *   expectedVersion the user asked to be told, so it surfaces;
 * - idempotency: a key already used returns the events it recorded, before any
 *   decision is made (a fresh decision could differ or fail: the tag has moved
 *   since), and the store itself answers a key that raced us to the append.
 */
import { DomainError } from '../../domain/errors';
import type { DomainEvent } from '../../domain/events';
import { groupByStream } from '../../domain/eventStream';
import type { AppendOptions, AppendResult, KeyedRequest, StoredEvent, StreamAppend } from '../../eventStore/types';
import { KEY_REUSED } from '../../eventStore/appendCore';
import { eventsOfKey } from '../../eventStore/keyRequests';
import type { ReadModel } from '../../projections/readModel';
import type { LayerContent, Strata } from '../strata';
import { streamVersion } from './ports';

export interface Who {
  actor: string | null;
  idempotencyKey?: string | null;
  /** What the key is used for (src/application/idempotency.ts); stored with it. */
  request?: KeyedRequest | null;
}

/** Appended events; `duplicate` when the key had been used and these are the first result's events. */
export interface Appended { events: StoredEvent[]; duplicate: boolean }

const MAX_ATTEMPTS = 5;

/** Marks a CONFLICT that the append (not the decider) raised: only those are races worth retrying. */
class AppendConflict extends Error {
  constructor(readonly inner: DomainError) { super(inner.message); }
}

/** Appends the decided events, one batch per stream, each at the version the model had. */
export async function appendDecision(
  app: Strata, model: ReadModel, events: readonly DomainEvent[], who: Who, contents: readonly LayerContent[] = [],
): Promise<Appended> {
  if (events.length === 0) return { events: [], duplicate: false };
  const batch = groupByStream(events).map((g) => ({ stream: g.stream, expectedVersion: streamVersion(model, g.stream), events: g.events }));
  const r = await appendRacing(app, batch, { actor: who.actor, idempotencyKey: who.idempotencyKey ?? null, request: who.request ?? null },
    contents);
  return { events: r.events, duplicate: r.duplicate };
}

/** `app.append`, with a CONFLICT it raises marked as a race that withRetries may re-decide. */
export async function appendRacing(
  app: Strata, batch: StreamAppend[], options: AppendOptions, contents: readonly LayerContent[] = [],
): Promise<AppendResult> {
  try {
    return await app.append(batch, options, contents);
  } catch (e) {
    // A key used for another request is final: re-deciding cannot change it.
    if (e instanceof DomainError && e.code === 'CONFLICT' && e.details?.reason !== KEY_REUSED) throw new AppendConflict(e);
    throw e;
  }
}

/** Runs `attempt` until its append does not CONFLICT; `pinned` (a user-given expectedVersion) surfaces the first one. */
export async function withRetries<T>(pinned: boolean, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof AppendConflict)) throw e;
      if (pinned || n >= MAX_ATTEMPTS) throw e.inner;
    }
  }
}

/**
 * The events a used idempotency key recorded, or null when the key is new. With the request this key now comes
 * with, a key recorded for another request is a CONFLICT here too: the caller's early check (mutationGuard) may
 * have run before a concurrent request with the same key committed, and this read after it (seen in CI: five
 * concurrent tagImage with one key, two "won", one of them answered with the other's tag).
 */
export async function priorEvents(app: Strata, key: string | null | undefined, request: KeyedRequest | null = null):
  Promise<StoredEvent[] | null> {
  if (!key) return null;
  const events = await eventsOfKey(app.store, key, request);
  if (events) app.onIdempotentReplay?.();
  return events;
}

/** The replayed events did not come from this kind of command: the key was reused for something else. */
export const keyReused = (key: string | null | undefined) =>
  new DomainError('CONFLICT', `idempotency key "${key ?? ''}" was already used for a different command`, { idempotencyKey: key });

export const pinnedVersion = (v: number | null | undefined): boolean => v !== undefined && v !== null;

/** What a command decided: the events to append and the layer contents they reference. */
export interface Decision { events: readonly DomainEvent[]; contents?: readonly LayerContent[] }

/** One command, as runCommand runs it. */
export interface CommandRun<D extends Decision, R> {
  /** A user-given expectedVersion: a race surfaces as CONFLICT instead of being re-decided. */
  pinned: boolean;
  /** Decides on a fresh read model (throws a DomainError to refuse). */
  decide(model: ReadModel): Promise<D>;
  /** The answer to a fresh decision once its events are appended (none appended: `appended` is empty). */
  answer(decision: D, appended: readonly StoredEvent[]): Promise<R>;
  /**
   * The answer rebuilt from the events a used idempotency key recorded; with
   * `keyAtAppend`, also given the fresh decision the store answered the key for.
   */
  replay(events: readonly StoredEvent[], decision?: D): Promise<R>;
  /**
   * The key is not looked up before deciding; only the append answers it (as
   * the store does for every keyed append). Import: its answer describes this
   * input, and a decision that appends nothing consults no key.
   */
  keyAtAppend?: boolean;
  /** Wraps the decide-append-answer loop (not a replay), e.g. to hold a blob-store session. */
  around?<T>(body: () => Promise<T>): Promise<T>;
}

/**
 * The one pipeline of every command: a used key replays its first answer;
 * otherwise decide on a fresh model, append at the versions decided on,
 * answer — re-deciding a raced append unless the version was pinned.
 */
export async function runCommand<D extends Decision, R>(app: Strata, who: Who, run: CommandRun<D, R>): Promise<R> {
  const prior = run.keyAtAppend ? null : await priorEvents(app, who.idempotencyKey, who.request ?? null);
  if (prior) return run.replay(prior);
  const loop = () => withRetries(run.pinned, async () => {
    const model = await app.models.current();
    const d = await run.decide(model);
    const r = await appendDecision(app, model, d.events, who, d.contents ?? []);
    return r.duplicate ? run.replay(r.events, d) : run.answer(d, r.events);
  });
  return run.around ? run.around(loop) : loop();
}
