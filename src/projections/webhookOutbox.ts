/**
 * The webhook outbox's tables (migration 1764500023000-WebhookOutbox,
 * docs/webhooks.md): deliveries and each endpoint's queue cursor. Several
 * instances may queue the same event: the unique (endpoint, position, kind)
 * keeps one row, and a lease decides which instance attempts it.
 */
import type { EventStore, SqlHandle } from '../eventStore/types';

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface DeliveryRow {
  id: string;
  endpoint: string;
  position: number;
  kind: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}

export interface NewDelivery { endpoint: string; position: number; kind: string; payload: string }

const COLUMNS = 'id, endpoint, position, kind, payload, status, attempts, response_status, last_error, created_at, '
  + 'next_attempt_at, last_attempt_at, delivered_at';

type Raw = Record<string, unknown>;
const toRow = (r: Raw): DeliveryRow => ({
  id: String(r['id']), endpoint: String(r['endpoint']), position: Number(r['position']), kind: String(r['kind']),
  payload: String(r['payload']), status: r['status'] as DeliveryStatus, attempts: Number(r['attempts']),
  responseStatus: r['response_status'] === null ? null : Number(r['response_status']),
  lastError: (r['last_error'] as string | null) ?? null, createdAt: String(r['created_at']), nextAttemptAt: String(r['next_attempt_at']),
  lastAttemptAt: (r['last_attempt_at'] as string | null) ?? null, deliveredAt: (r['delivered_at'] as string | null) ?? null,
});

/** Where an endpoint's queue stands, or null for an endpoint never seen (it starts at the head, not at the log's beginning). */
export async function cursorOf(store: SqlHandle, endpoint: string): Promise<number | null> {
  const rows = await store.sql.query<{ position: unknown }>('SELECT position FROM webhook_cursors WHERE endpoint = ?', [endpoint]);
  return rows.length ? Number(rows[0]!.position) : null;
}

/** Queues deliveries and moves the endpoints' cursors to `upTo`, in one transaction (never backwards). */
export async function enqueue(store: EventStore, endpoints: readonly string[], upTo: number, items: readonly NewDelivery[],
  now: string): Promise<void> {
  await store.writeTransaction(async (tx) => {
    for (const d of items) {
      await tx.run(`INSERT INTO webhook_deliveries (${COLUMNS}) VALUES (?, ?, ?, ?, ?, 'PENDING', 0, NULL, NULL, ?, ?, NULL, NULL) `
        + 'ON CONFLICT (endpoint, position, kind) DO NOTHING',
      [`${d.endpoint}/${d.position}.${d.kind}`, d.endpoint, d.position, d.kind, d.payload, now, now]);
    }
    for (const e of endpoints) {
      await tx.run('INSERT INTO webhook_cursors (endpoint, position) VALUES (?, ?) ON CONFLICT (endpoint) DO UPDATE SET position = '
        + `${tx.dialect === 'postgres' ? 'GREATEST' : 'MAX'}(webhook_cursors.position, excluded.position)`, [e, upTo]);
    }
  });
}

/**
 * Leases up to `limit` due deliveries of these endpoints to `owner` until
 * `leaseUntil` and returns them; a delivery leased by another live instance
 * is skipped, one whose lease ran out (its instance died) is taken over.
 */
export async function claimDue(store: EventStore, endpoints: readonly string[], owner: string, now: string, leaseUntil: string,
  limit: number): Promise<DeliveryRow[]> {
  if (endpoints.length === 0) return [];
  return store.writeTransaction(async (tx) => {
    const marks = endpoints.map(() => '?').join(',');
    const lock = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const due = await tx.query<{ id: string }>(`SELECT id FROM webhook_deliveries WHERE status = 'PENDING' AND endpoint IN (${marks}) `
      + `AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY position, id LIMIT ${Math.floor(limit)}${lock}`,
    [...endpoints, now, now]);
    const out: DeliveryRow[] = [];
    for (const { id } of due) {
      await tx.run('UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ? WHERE id = ?', [owner, leaseUntil, id]);
      const rows = await tx.query<Raw>(`SELECT ${COLUMNS} FROM webhook_deliveries WHERE id = ?`, [id]);
      out.push(toRow(rows[0]!));
    }
    return out;
  });
}

/** Records one attempt: delivered, or failed with when to try again (null: give up, FAILED). */
export async function recordAttempt(store: EventStore, id: string, owner: string, outcome: {
  at: string; responseStatus: number | null; error: string | null; delivered: boolean; retryAt: string | null;
}): Promise<void> {
  const status: DeliveryStatus = outcome.delivered ? 'DELIVERED' : outcome.retryAt === null ? 'FAILED' : 'PENDING';
  await store.writeTransaction((tx) => tx.run('UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, response_status = ?, '
    + 'last_error = ?, last_attempt_at = ?, delivered_at = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL '
    + 'WHERE id = ? AND lease_owner = ?',
  [status, outcome.responseStatus, outcome.error, outcome.at, outcome.delivered ? outcome.at : null,
    outcome.retryAt ?? outcome.at, id, owner]));
}

/** An endpoint's deliveries, newest first. */
export async function deliveriesOf(store: SqlHandle, endpoint: string, options: { status?: DeliveryStatus | null; first: number }):
  Promise<DeliveryRow[]> {
  const where = options.status ? ' AND status = ?' : '';
  const rows = await store.sql.query<Raw>(`SELECT ${COLUMNS} FROM webhook_deliveries WHERE endpoint = ?${where} `
    + `ORDER BY position DESC, id DESC LIMIT ${Math.floor(options.first)}`, options.status ? [endpoint, options.status] : [endpoint]);
  return rows.map(toRow);
}

/** Counts of an endpoint's deliveries by status. */
export async function deliveryCounts(store: SqlHandle, endpoint: string): Promise<Record<DeliveryStatus, number>> {
  const rows = await store.sql.query<{ status: DeliveryStatus; n: unknown }>(
    'SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE endpoint = ? GROUP BY status', [endpoint]);
  const out: Record<DeliveryStatus, number> = { PENDING: 0, DELIVERED: 0, FAILED: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}
