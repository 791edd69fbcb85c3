/**
 * Outbound webhooks, the rules (docs/webhooks.md): which logged events make
 * which notifications, the versioned payload they carry, how an endpoint is
 * configured, and when a failed delivery is tried again. Signing and the
 * wire are the adapter's (src/webhooks/).
 */
import type { BaseDriftEntry } from './drift';
import { badInput } from './errors';

/** Notification kinds an endpoint can subscribe to; `drift` is derived (a tag move that leaves images behind). */
export const WEBHOOK_KINDS = [
  'image.imported', 'image.committed', 'image.removed', 'image.transferred', 'tag.moved', 'tag.removed', 'drift',
] as const;
export type WebhookKind = typeof WEBHOOK_KINDS[number];

/** The payload's schema version (docs/webhooks.schema.json); a breaking change bumps it. */
export const WEBHOOK_SCHEMA_VERSION = 1;

export interface WebhookEndpoint {
  name: string;
  url: string;
  secret: string;
  kinds: readonly WebhookKind[];
}

/** What an event needs to be notified of: its place in the log and what it says. */
export interface NotifiableEvent {
  position: number;
  stream: string;
  type: string;
  data: Record<string, unknown>;
  recordedAt: string;
  actor: string | null;
}

/** An image behind on a base tag, as the read model's drift index reports it. */
export type DriftNotice = Omit<BaseDriftEntry, 'sincePosition'>;

export interface WebhookPayload {
  schemaVersion: number;
  /** Same for every endpoint and every retry: `<position>.<kind>` (receivers de-duplicate on it). */
  id: string;
  kind: WebhookKind;
  position: number;
  recordedAt: string;
  actor: string | null;
  event: { type: string; stream: string; data: Record<string, unknown> };
  /** For `drift`: every image the tag's move leaves behind on it. */
  drift?: DriftNotice[];
}

/** The kind a logged event is notified as, or null (containers, gc, engine cursor events are not). */
export function kindOfEvent(e: Pick<NotifiableEvent, 'type' | 'data'>): WebhookKind | null {
  switch (e.type) {
    case 'ImageCommitted': return e.data['source'] === 'import' ? 'image.imported' : 'image.committed';
    case 'ImageRemoved': return 'image.removed';
    case 'ImageTransferred': return 'image.transferred';
    case 'TagMoved': return 'tag.moved';
    case 'TagRemoved': return 'tag.removed';
    default: return null;
  }
}

/** The payloads one event makes: its own kind, and `drift` when a tag move leaves images behind. */
export function payloadsOf(e: NotifiableEvent, driftAfter: (tag: string) => readonly DriftNotice[]): WebhookPayload[] {
  const kind = kindOfEvent(e);
  if (!kind) return [];
  const base = {
    schemaVersion: WEBHOOK_SCHEMA_VERSION, position: e.position, recordedAt: e.recordedAt, actor: e.actor,
    event: { type: e.type, stream: e.stream, data: e.data },
  };
  const out: WebhookPayload[] = [{ ...base, id: `${e.position}.${kind}`, kind }];
  if (e.type === 'TagMoved' && e.data['from'] !== null) {
    const behind = driftAfter(String(e.data['tag']));
    if (behind.length > 0) out.push({ ...base, id: `${e.position}.drift`, kind: 'drift', drift: [...behind] });
  }
  return out;
}

/** Delay before attempt `attempt + 1` after `attempt` failed ones: base·2^(attempt−1), at most an hour. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 3_600_000);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Validates the configuration document (`webhooks:` list) into endpoints;
 * `secretOf` resolves `secretEnv` names. Every mistake is a BAD_USER_INPUT
 * naming the entry, so `strata serve` refuses to start rather than deliver wrongly.
 */
export function parseWebhookConfig(doc: unknown, secretOf: (envName: string) => string | undefined): WebhookEndpoint[] {
  const list = (doc as { webhooks?: unknown } | null)?.webhooks;
  if (!Array.isArray(list)) throw badInput('webhook configuration: expected a top-level "webhooks:" list');
  const names = new Set<string>();
  return list.map((raw, i) => {
    const at = `webhook configuration, entry ${i + 1}`;
    if (!raw || typeof raw !== 'object') throw badInput(`${at}: expected a mapping with name, url, events and secretEnv`);
    const r = raw as Record<string, unknown>;
    const name = r['name'];
    if (typeof name !== 'string' || !NAME.test(name)) throw badInput(`${at}: "name" must be 1-64 letters, digits, "_", "." or "-"`);
    if (names.has(name)) throw badInput(`${at}: the name "${name}" is used twice`);
    names.add(name);
    let url: URL;
    try { url = new URL(String(r['url'])); } catch { throw badInput(`${at} (${name}): "url" is not a URL`); }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badInput(`${at} (${name}): "url" must be http(s)`);
    const events = r['events'];
    if (!Array.isArray(events) || events.length === 0) {
      throw badInput(`${at} (${name}): "events" must list one or more of ${WEBHOOK_KINDS.join(', ')}`);
    }
    for (const k of events) {
      if (!(WEBHOOK_KINDS as readonly unknown[]).includes(k)) {
        throw badInput(`${at} (${name}): unknown event "${String(k)}" (known: ${WEBHOOK_KINDS.join(', ')})`);
      }
    }
    const env = r['secretEnv'];
    if (typeof env !== 'string' || env === '') {
      throw badInput(`${at} (${name}): "secretEnv" must name the variable holding the signing secret`);
    }
    const secret = secretOf(env);
    if (!secret) throw badInput(`${at} (${name}): the variable ${env} (its signing secret) is unset or empty`);
    return { name, url: url.href, secret, kinds: [...new Set(events as WebhookKind[])] };
  });
}
