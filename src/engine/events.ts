/**
 * Follows a Docker Engine's event stream (GET /events, JSON lines) from a
 * cursor, reconnecting with backoff when the stream ends or the Engine goes
 * away (a daemon restart), each time from the last event handled, so nothing
 * is skipped; an event seen twice (the cursor's own second is asked again) is
 * the handler's to recognise (idempotency keys).
 */
import type Docker from 'dockerode';
import { connectEngine, type Engine } from './client';

export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
  /** timeNano exactly, as the Engine sent it (a JSON number beyond 2^53). */
  timeNanoText: string;
}

export const WATCHED: Record<string, readonly string[]> = {
  image: ['pull', 'load', 'import', 'commit', 'tag', 'untag', 'delete'],
  container: ['create', 'commit', 'die', 'destroy'],
};

/** The `since` parameter for a cursor: seconds.nanoseconds, as the Engine parses it. */
export function sinceOf(timeNano: string): string {
  const n = timeNano.padStart(10, '0');
  return `${n.slice(0, -9) || '0'}.${n.slice(-9)}`;
}

/** Parses one line of the event stream keeping timeNano exact. */
export function parseEvent(line: string): EngineEvent | null {
  let e: EngineEvent;
  try { e = JSON.parse(line) as EngineEvent; } catch { return null; }
  if (!e || typeof e !== 'object' || typeof e.Type !== 'string' || typeof e.Action !== 'string' || !e.Actor) return null;
  const m = /"timeNano"\s*:\s*(\d+)/.exec(line);
  e.timeNanoText = m ? m[1]! : String(e.timeNano);
  e.Actor.Attributes ??= {};
  return e;
}

export interface FollowOptions {
  /** Where to start: an event's timeNano (exclusive in effect: the handler recognises a repeat), or null for now. */
  since: string | null;
  onEvent: (e: EngineEvent) => Promise<void>;
  onState?: (state: 'connected' | 'disconnected', detail: string) => void;
  signal: AbortSignal;
  host?: string;
  maxBackoffMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

/** Runs until the signal aborts. Events are handled one at a time, in the Engine's order. */
export async function followEngine(opts: FollowOptions): Promise<void> {
  let cursor = opts.since;
  let backoff = 250;
  const maxBackoff = opts.maxBackoffMs ?? 10_000;
  while (!opts.signal.aborted) {
    let engine: Engine;
    try {
      engine = await connectEngine(opts.host);
      const filters: Record<string, string[]> = { type: Object.keys(WATCHED), event: [...new Set(Object.values(WATCHED).flat())] };
      const since = cursor ? sinceOf(cursor) : String(Math.floor(Date.now() / 1000));
      const options = { since, filters } as unknown as Docker.GetEventsOptions;
      const stream = await engine.docker.getEvents(options) as unknown as NodeJS.ReadableStream & { destroy(): void };
      opts.onState?.('connected', engine.endpoint.describe);
      backoff = 250;
      const abort = () => stream.destroy();
      opts.signal.addEventListener('abort', abort, { once: true });
      let buffered = '';
      try {
        for await (const chunk of stream as AsyncIterable<Buffer | string>) {
          buffered += chunk.toString();
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (!line) continue;
            const e = parseEvent(line);
            if (!e || !WATCHED[e.Type]?.includes(e.Action.split(':')[0]!)) continue;
            await opts.onEvent(e);
            cursor = e.timeNanoText;
          }
        }
      } finally {
        opts.signal.removeEventListener('abort', abort);
      }
      if (opts.signal.aborted) return;
      opts.onState?.('disconnected', 'the event stream ended');
    } catch (e) {
      if (opts.signal.aborted) return;
      opts.onState?.('disconnected', (e as Error).message.split('\n')[0]!);
    }
    await sleep(backoff, opts.signal);
    backoff = Math.min(backoff * 2, maxBackoff);
  }
}
