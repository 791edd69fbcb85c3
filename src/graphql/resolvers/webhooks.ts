/** Query.webhooks: the configured endpoints, with delivery status read from the outbox (any instance's attempts). */
import type { WebhookEndpoint } from '../../domain/webhooks';
import { deliveriesOf, deliveryCounts, type DeliveryRow, type DeliveryStatus } from '../../projections/webhookOutbox';
import { badInput } from '../../domain/errors';
import type { Ctx } from './context';

interface WebhookObj { endpoint: WebhookEndpoint }

/** Scheme, host and path: a URL's userinfo and query string may hold secrets. */
function shownUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export const webhookQueryResolvers = {
  webhooks: (_: unknown, _a: unknown, ctx: Ctx): WebhookObj[] => ctx.app.webhookEndpoints.map((endpoint) => ({ endpoint })),
};

export const webhookResolvers = {
  name: (o: WebhookObj) => o.endpoint.name,
  url: (o: WebhookObj) => shownUrl(o.endpoint.url),
  events: (o: WebhookObj) => o.endpoint.kinds,
  pending: async (o: WebhookObj, _a: unknown, ctx: Ctx) => (await deliveryCounts(ctx.app.store, o.endpoint.name)).PENDING,
  delivered: async (o: WebhookObj, _a: unknown, ctx: Ctx) => (await deliveryCounts(ctx.app.store, o.endpoint.name)).DELIVERED,
  failed: async (o: WebhookObj, _a: unknown, ctx: Ctx) => (await deliveryCounts(ctx.app.store, o.endpoint.name)).FAILED,
  failing: async (o: WebhookObj, _a: unknown, ctx: Ctx) => {
    const [last] = (await deliveriesOf(ctx.app.store, o.endpoint.name, { first: 50 }))
      .filter((d) => d.lastAttemptAt !== null).sort((a, b) => (a.lastAttemptAt! < b.lastAttemptAt! ? 1 : -1));
    return last !== undefined && last.status !== 'DELIVERED';
  },
  deliveries: async (o: WebhookObj, args: { first?: number; status?: DeliveryStatus | null }, ctx: Ctx) => {
    const first = args.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > 500) throw badInput('deliveries(first:) must be between 1 and 500');
    return deliveriesOf(ctx.app.store, o.endpoint.name, { first, status: args.status ?? null });
  },
};

export const webhookDeliveryResolvers = {
  id: (d: DeliveryRow) => d.id.slice(d.endpoint.length + 1),
  error: (d: DeliveryRow) => d.lastError,
  nextAttemptAt: (d: DeliveryRow) => (d.status === 'PENDING' ? d.nextAttemptAt : null),
};
