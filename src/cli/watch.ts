/**
 * `strata watch docker-daemon:`: follows a Docker Engine ($DOCKER_HOST) and
 * records what happens there as it happens (application/engineWatch.ts), one
 * line per Engine event on standard output; connection changes on standard
 * error. Resumes from the cursor kept in the log; SIGINT/SIGTERM stop it
 * between two events (exit 0).
 */
import { Strata } from '../application/strata';
import { EngineWatcher, engineCursor } from '../application/engineWatch';
import { badInput } from '../domain/errors';
import { connectEngine, engineError } from '../engine/client';
import { followEngine, sinceOf } from '../engine/events';
import { DAEMON_PREFIX } from '../engine/source';
import { cliActor } from './output';
import { tlsVerifyOption } from './import';
import { isRegistrySource } from '../registry';
import { pollRegistry } from '../application/registryWatch';

export interface WatchCliOptions {
  db?: string; blobs?: string; json?: boolean; interval?: string; once?: boolean; creds?: string; authfile?: string; tlsVerify?: string;
}

/** docker://HOST[/REPO]: polls the registry's tags every --interval seconds (default 30); --once polls once. */
async function watchRegistry(source: string, opts: WatchCliOptions): Promise<void> {
  const interval = opts.interval === undefined ? 30 : Number(opts.interval);
  if (!Number.isFinite(interval) || interval <= 0) throw badInput('--interval must be a positive number of seconds');
  const access = { creds: opts.creds, authFile: opts.authfile, tlsVerify: tlsVerifyOption(opts.tlsVerify), actor: cliActor() };
  const app = await Strata.open(opts.db, { blobs: opts.blobs });
  let stopped = false;
  let wake: (() => void) | null = null;
  const onSignal = () => { stopped = true; wake?.(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stderr.write(`strata: polling ${source} every ${interval} s\n`);
  try {
    while (!stopped) {
      for (const c of await pollRegistry(app, source, access)) {
        process.stdout.write(`${opts.json ? JSON.stringify(c) : `${c.kind} ${c.tag}${c.digest ? ` ${c.digest}` : ''}`}\n`);
      }
      if (opts.once) break;
      await new Promise<void>((r) => { wake = r; setTimeout(r, interval * 1000).unref(); });
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await app.close();
  }
}

export async function watchCommand(source: string, opts: WatchCliOptions): Promise<void> {
  if (isRegistrySource(source)) { await watchRegistry(source, opts); return; }
  if (source !== DAEMON_PREFIX && source !== 'docker-daemon') {
    throw badInput(`strata watch follows a Docker Engine (docker-daemon:) or a registry (docker://HOST[/REPO]), not "${source}"`);
  }
  const engine = await connectEngine();
  let engineId: string;
  try {
    engineId = (await engine.docker.info() as { ID: string }).ID;
  } catch (e) {
    throw engineError(e, engine.endpoint, 'GET /info');
  }
  const app = await Strata.open(opts.db, { blobs: opts.blobs });
  const watcher = new EngineWatcher(app, engine, engineId, cliActor());
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const since = await engineCursor(app, engineId);
  const from = since ? `the cursor ${sinceOf(since)}` : 'now';
  process.stderr.write(`strata: watching ${engine.endpoint.describe} (Engine ${engineId}, API ${engine.apiVersion}) from ${from}\n`);
  try {
    await followEngine({
      since,
      signal: stop.signal,
      onState: (state, detail) => process.stderr.write(`strata: ${state === 'connected' ? 'following' : 'disconnected'} ${detail}\n`),
      onEvent: async (e) => {
        const r = await watcher.record(e);
        const line = { time: e.timeNanoText, type: e.Type, action: e.Action, actor: e.Actor.ID, outcome: r.outcome, appended: r.appended };
        const text = `${e.Type} ${e.Action} ${e.Actor.ID}: ${r.outcome} (${r.appended} events)`;
        process.stdout.write(`${opts.json ? JSON.stringify(line) : text}\n`);
      },
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await app.close();
  }
}
