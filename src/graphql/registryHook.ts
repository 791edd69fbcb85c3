/**
 * POST /hooks/registry (contract cli.md): Distribution's notifications,
 * authorized by `Authorization: Bearer $STRATA_HOOK_TOKEN` (the registry's
 * endpoint `headers` config sends it). 401 for a wrong or missing token,
 * 400 for a body that is not an envelope — both before anything is done;
 * 404 when no hook token is configured. A pull that fails answers 503 so
 * the registry retries (its retries are idempotent by event id).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyRegistryEvents, parseEnvelope } from '../application/registryEvents';
import type { Strata } from '../application/strata';
import { DomainError } from '../domain/errors';
import type { Logger } from './logger';

export const HOOK_PATH = '/hooks/registry';
const MAX_BODY = 1 << 20;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
};

function sameToken(given: string, want: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_BODY) return null;
    parts.push(c);
  }
  return Buffer.concat(parts);
}

export function registryHook(app: Strata, logger: Logger, env: NodeJS.ProcessEnv = process.env) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const token = env.STRATA_HOOK_TOKEN;
    if (!token) return json(res, 404, { error: 'registry notifications are off: set STRATA_HOOK_TOKEN' });
    if (req.method !== 'POST') { res.setHeader('allow', 'POST'); return json(res, 405, { error: 'POST only' }); }
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    if (!m || !sameToken(m[1]!, token)) {
      return json(res, 401, { error: 'wrong or missing hook token (Authorization: Bearer $STRATA_HOOK_TOKEN)' });
    }
    const body = await readBody(req);
    if (!body) return json(res, 413, { error: `envelope larger than ${MAX_BODY} bytes` });
    let events;
    try {
      events = parseEnvelope(JSON.parse(body.toString('utf8')));
    } catch (e) {
      return json(res, 400, { error: e instanceof DomainError ? e.message : 'the body is not JSON' });
    }
    try {
      const outcome = await applyRegistryEvents(app, events, { registry: env.STRATA_HOOK_REGISTRY || null });
      logger.info({ ...outcome, events: events.length }, 'registry notification');
      return json(res, 200, outcome);
    } catch (e) {
      const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
      logger.warn({ message, code: (e as DomainError).code }, 'registry notification failed; the registry will retry');
      return json(res, 503, { error: message });
    }
  };
}
