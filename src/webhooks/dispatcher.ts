/**
 * Delivers outbound webhooks for `strata serve` (docs/webhooks.md). It
 * follows the log like a subscriber, queues each notifiable event for every
 * endpoint that wants its kind (the outbox, src/projections/webhookOutbox.ts,
 * with the endpoint's cursor moved in the same transaction: a restart neither
 * loses nor repeats), and runs one delivery loop per endpoint, so a slow or
 * failing endpoint delays only itself and never the log. Each attempt is
 * recorded; failures are retried with exponential backoff, logged, and
 * visible through the API (Query.webhooks) until they succeed or give up.
 */
import { randomBytes } from 'node:crypto';
import { modelAtMove } from '../application/driftAtMove';
import type { Strata } from '../application/strata';
import { payloadsOf, retryDelayMs, type DriftNotice, type WebhookEndpoint } from '../domain/webhooks';
import type { StoredEvent } from '../eventStore/types';
import type { Logger } from '../graphql/logger';
import { claimDue, cursorOf, enqueue, recordAttempt, type DeliveryRow, type NewDelivery } from '../projections/webhookOutbox';
import { signatureOf, SIGNATURE_HEADER } from './sign';

export interface DispatcherOptions {
  /** First retry delay, doubled per failed attempt (STRATA_WEBHOOK_BACKOFF_MS, default 1000). */
  backoffMs: number;
  /** Attempts before a delivery is FAILED (STRATA_WEBHOOK_MAX_ATTEMPTS, default 8). */
  maxAttempts: number;
  /** One attempt's budget (STRATA_WEBHOOK_TIMEOUT_MS, default 10000). */
  timeoutMs: number;
  /** How often each endpoint looks for due retries (ms). */
  pollMs: number;
}

const envInt = (name: string, fallback: number): number => {
  const n = Number(process.env[name]);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
};

export const dispatcherOptionsFromEnv = (): DispatcherOptions => ({
  backoffMs: envInt('STRATA_WEBHOOK_BACKOFF_MS', 1000),
  maxAttempts: envInt('STRATA_WEBHOOK_MAX_ATTEMPTS', 8),
  timeoutMs: envInt('STRATA_WEBHOOK_TIMEOUT_MS', 10_000),
  pollMs: Math.min(envInt('STRATA_WEBHOOK_BACKOFF_MS', 1000), 1000),
});

export class WebhookDispatcher {
  private follower: { stop(): void } | null = null;
  private readonly loops = new Map<string, EndpointLoop>();
  private readonly owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  /** Each endpoint's cursor as this instance knows it (queued up to and including). */
  private readonly cursors = new Map<string, number>();

  constructor(private readonly app: Strata, readonly endpoints: readonly WebhookEndpoint[], private readonly opts: DispatcherOptions,
    private readonly logger: Logger) {}

  async start(): Promise<void> {
    if (this.endpoints.length === 0) return;
    const head = await this.app.store.head();
    for (const e of this.endpoints) {
      const at = await cursorOf(this.app.store, e.name);
      // A new endpoint hears what happens from now on, not the whole history.
      if (at === null) await enqueue(this.app.store, [e.name], head, [], new Date().toISOString());
      this.cursors.set(e.name, at ?? head);
    }
    for (const e of this.endpoints) {
      const loop = new EndpointLoop(this.app, e, this.opts, this.owner, this.logger);
      this.loops.set(e.name, loop);
      loop.start();
    }
    const from = Math.min(...this.cursors.values()) + 1;
    this.follower = this.app.store.follow(from, (events) => this.queue(events));
  }

  private async queue(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const last = events[events.length - 1]!.position;
    const items: NewDelivery[] = [];
    const wantsDrift = this.endpoints.some((e) => e.kinds.includes('drift'));
    for (const ev of events) {
      const driftAfter = async (tag: string): Promise<DriftNotice[]> => {
        if (!wantsDrift) return [];
        const model = await modelAtMove(this.app, ev.position, tag);
        return model.drift.list(tag).map((d) => ({
          imageId: d.imageId, tag: d.tag, builtOn: d.builtOn, current: d.current, movesBehind: d.movesBehind, since: d.since,
        }));
      };
      const event = { position: ev.position, stream: ev.stream, type: ev.type, data: ev.data as Record<string, unknown>,
        recordedAt: ev.metadata.recordedAt, actor: ev.metadata.actor ?? null };
      const drift = ev.type === 'TagMoved' ? await driftAfter(String((ev.data as { tag: unknown }).tag)) : [];
      for (const p of payloadsOf(event, () => drift)) {
        for (const e of this.endpoints) {
          if (ev.position <= (this.cursors.get(e.name) ?? Infinity) || !e.kinds.includes(p.kind)) continue;
          items.push({ endpoint: e.name, position: ev.position, kind: p.kind, payload: JSON.stringify(p) });
        }
      }
    }
    const moving = this.endpoints.filter((e) => (this.cursors.get(e.name) ?? Infinity) < last).map((e) => e.name);
    if (moving.length === 0) return;
    try {
      await enqueue(this.app.store, moving, last, items, new Date().toISOString());
    } catch (err) {
      // The follower calls again from the same place only on restart: log loudly, the cursor has not moved.
      this.logger.error({ err, upTo: last }, 'webhook queueing failed');
      throw err;
    }
    for (const name of moving) this.cursors.set(name, last);
    for (const name of new Set(items.map((i) => i.endpoint))) this.loops.get(name)?.kick();
  }

  async stop(): Promise<void> {
    this.follower?.stop();
    this.follower = null;
    await Promise.all([...this.loops.values()].map((l) => l.stop()));
  }
}

/** One endpoint's deliveries: claims what is due, posts it, records the outcome. */
class EndpointLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly inflight = new Set<AbortController>();

  constructor(private readonly app: Strata, private readonly endpoint: WebhookEndpoint, private readonly opts: DispatcherOptions,
    private readonly owner: string, private readonly logger: Logger) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.opts.pollMs);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.running = this.drain().catch((err: unknown) => {
      this.logger.error({ err, webhook: this.endpoint.name }, 'webhook delivery loop failed');
    }).finally(() => {
      this.running = null;
      if (this.again && !this.stopped) { this.again = false; this.kick(); }
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const lease = new Date(now + this.opts.timeoutMs * 2 + 5000).toISOString();
      const due = await claimDue(this.app.store, [this.endpoint.name], this.owner, new Date(now).toISOString(), lease, 16);
      if (due.length === 0 || this.stopped) return;
      for (const d of due) {
        if (this.stopped) return;
        await this.attempt(d);
      }
    }
  }

  private async attempt(d: DeliveryRow): Promise<void> {
    const body = Buffer.from(d.payload);
    const abort = new AbortController();
    this.inflight.add(abort);
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    let responseStatus: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(this.endpoint.url, {
        method: 'POST', body, redirect: 'manual', signal: abort.signal,
        headers: {
          'content-type': 'application/json', 'user-agent': 'strata-webhooks/1',
          'x-strata-event': d.kind, 'x-strata-delivery': d.id.slice(d.endpoint.length + 1),
          [SIGNATURE_HEADER]: signatureOf(this.endpoint.secret, body),
        },
      });
      responseStatus = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) error = `answered ${res.status}`;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      error = abort.signal.aborted ? String((abort.signal.reason as Error)?.message ?? 'aborted')
        : err.cause?.code ? `${err.cause.code} ${err.cause.message ?? ''}`.trim() : err.message;
    } finally {
      clearTimeout(timer);
      this.inflight.delete(abort);
    }
    // Cut off by shutdown: not an attempt; the lease runs out and this or another instance tries again.
    if (this.stopped && error !== null) return;
    const attempts = d.attempts + 1;
    const delivered = error === null;
    const retryAt = delivered || attempts >= this.opts.maxAttempts ? null
      : new Date(Date.now() + retryDelayMs(attempts, this.opts.backoffMs)).toISOString();
    if (!delivered) {
      this.logger.warn({ webhook: this.endpoint.name, delivery: d.id, attempt: attempts, error, retryAt },
        retryAt ? 'webhook delivery failed; will retry' : 'webhook delivery failed; giving up');
    }
    await recordAttempt(this.app.store, d.id, this.owner, { at: new Date().toISOString(), responseStatus, error, delivered, retryAt });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const a of this.inflight) a.abort(new Error('server stopping'));
    await this.running;
  }
}
