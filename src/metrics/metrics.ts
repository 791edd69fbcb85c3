/**
 * What `GET /metrics` exposes (Prometheus text, prom-client). Names follow
 * Prometheus conventions: `strata_` prefix, `_total` counters, `_seconds`
 * durations, `_bytes` sizes. Label values are bounded: event types and error
 * codes are closed sets, operation names are capped (operationLabel), and no
 * tag, path, digest or token ever becomes a label.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Distinct GraphQL operation names kept as label values; later names count as "other". */
export const MAX_OPERATION_NAMES = 50;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Sources the gauges read at scrape time (absent: the gauge stays empty). */
export interface MetricSources {
  head?: () => Promise<number>;
  /** Rows of the read model: images and layers. */
  readModelSize?: () => Promise<{ images: number; layers: number }>;
  blobStoreBytes?: () => Promise<number>;
  /** Positions the live event subscribers have been given (lag = head - position). */
  subscriberPositions?: () => number[];
  webSockets?: () => { connections: number; operations: number };
}

export class Metrics {
  readonly registry = new Registry();
  private readonly names = new Set<string>();

  readonly appendedEvents = new Counter({ name: 'strata_events_appended_total', help: 'Events appended to the log, by event type',
    labelNames: ['type'], registers: [this.registry] });
  readonly appends = new Counter({ name: 'strata_appends_total',
    help: 'Event-store append calls by outcome: ok, replay (key seen: nothing appended), conflict (also internal retries), error',
    labelNames: ['outcome'], registers: [this.registry] });
  readonly replays = new Counter({ name: 'strata_idempotent_replays_total',
    help: 'Mutations answered with the first result of their idempotency key (nothing appended)', registers: [this.registry] });
  readonly conflicts = new Counter({ name: 'strata_conflicts_total',
    help: 'Operations answered CONFLICT (expected version, key reused for another request)', registers: [this.registry] });
  readonly appendSeconds = new Histogram({ name: 'strata_append_duration_seconds', help: 'Append latency, transaction included',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  readonly operations = new Counter({ name: 'strata_graphql_operations_total',
    help: 'GraphQL operations by transport, type, name (named operations only, capped) and outcome (ok or the first error code)',
    labelNames: ['transport', 'type', 'operation', 'outcome'], registers: [this.registry] });
  readonly operationSeconds = new Histogram({ name: 'strata_graphql_operation_duration_seconds',
    help: 'GraphQL operation latency over HTTP, by type and name', labelNames: ['type', 'operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'strata_graphql_rejected_total',
    help: 'Operations refused before executing, by reason (auth, limits, invalid, body)', labelNames: ['reason'],
    registers: [this.registry] });
  readonly transferBytes = new Counter({ name: 'strata_transfer_bytes_total',
    help: 'Bytes fetched by registry pulls (pullImage) and uploaded by pushes (pushImage)',
    labelNames: ['direction'], registers: [this.registry] });
  readonly transferSeconds = new Histogram({ name: 'strata_transfer_duration_seconds', help: 'Registry pull and push durations',
    labelNames: ['direction'], buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900], registers: [this.registry] });

  constructor(sources: MetricSources = {}) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    if (sources.head) {
      const head = sources.head;
      new Gauge({ name: 'strata_log_head_position', help: 'Position of the last event in the log', registers,
        async collect() { this.set(await head()); } });
    }
    if (sources.readModelSize) {
      const size = sources.readModelSize;
      new Gauge({ name: 'strata_read_model_rows', help: 'Rows of the read model, by kind (images, layers)', labelNames: ['kind'],
        registers, async collect() {
          const s = await size();
          this.set({ kind: 'images' }, s.images);
          this.set({ kind: 'layers' }, s.layers);
        } });
    }
    if (sources.blobStoreBytes) {
      const bytes = sources.blobStoreBytes;
      new Gauge({ name: 'strata_blob_store_bytes', help: 'Bytes held by the blob store (re-counted at most once a minute)', registers,
        async collect() { this.set(await bytes()); } });
    }
    if (sources.webSockets) this.watchWebSockets(sources.webSockets);
    if (sources.subscriberPositions && sources.head) {
      const positions = sources.subscriberPositions;
      const head = sources.head;
      new Gauge({ name: 'strata_subscriber_lag_events', help: 'Events the furthest-behind live subscriber has yet to be given', registers,
        async collect() {
          const p = positions();
          this.set(p.length ? Math.max(0, (await head()) - Math.min(...p)) : 0);
        } });
    }
  }

  /** The server's WebSocket counts, read at scrape time (server.ts calls this once). */
  watchWebSockets(ws: NonNullable<MetricSources['webSockets']>): void {
    const registers = [this.registry];
    new Gauge({ name: 'strata_websocket_connections', help: 'Open graphql-ws connections', registers,
      collect() { this.set(ws().connections); } });
    new Gauge({ name: 'strata_websocket_operations', help: 'Operations (mostly subscriptions) running on WebSockets', registers,
      collect() { this.set(ws().operations); } });
  }

  /**
   * A bounded label for an operation: its name when the document names it
   * (a client-chosen operationName alone is not trusted), "anonymous" when
   * not, "other" past MAX_OPERATION_NAMES distinct names.
   */
  operationLabel(documentName: string | undefined | null): string {
    if (!documentName || !OPERATION_NAME.test(documentName)) return 'anonymous';
    if (this.names.has(documentName)) return documentName;
    if (this.names.size >= MAX_OPERATION_NAMES) return 'other';
    this.names.add(documentName);
    return documentName;
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Why an operation was refused before executing, from its error code (a closed set). */
export function rejectionReason(code: string | undefined): string | null {
  switch (code) {
    case 'UNAUTHENTICATED': case 'FORBIDDEN': return 'auth';
    case 'QUERY_TOO_COMPLEX': return 'limits';
    case 'GRAPHQL_PARSE_FAILED': case 'GRAPHQL_VALIDATION_FAILED': return 'invalid';
    default: return null;
  }
}
