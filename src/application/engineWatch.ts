/**
 * `strata watch docker-daemon:` (contract cli.md): every Docker Engine event
 * of interest becomes, in ONE append, what it changed in the ledger plus an
 * EngineEventObserved on the Engine's stream (the cursor), under an
 * idempotency key made of the event's own identity (Engine ID, time, type,
 * action, actor). So a restart resumes from the cursor, an event delivered
 * twice appends nothing, and nothing between two recorded events is lost.
 *
 * Imports happen first, in their own append (recordImport: an image already
 * held appends nothing), so an event whose image vanished before it could be
 * read is recorded as seen, with no half import.
 *
 * - image pull/load/import/commit: import it; point the Engine's tags at it;
 * - image tag: import it if needed; TagMoved (the Engine moves a tag silently);
 * - image untag: TagRemoved for tags the Engine no longer has on it;
 * - image delete: its tags removed and ImageRemoved (forced, as the Engine did);
 * - container create: its image imported if needed; ContainerCreated with the
 *   Engine's ID and name;
 * - container die/commit: the RW layer brought in line with docker diff
 *   (GET /containers/{id}/changes, each path's stat); commit also imports the
 *   new image and records ContainerCommitted;
 * - container destroy: ContainerRemoved.
 */
import { DomainError } from '../domain/errors';
import { decideCreate, decideFileChange, decideRemoveContainer } from '../domain/container/decide';
import { evolveContainer } from '../domain/container/state';
import { containerLookup } from '../domain/container/view';
import { comparePaths } from '../domain/image/changePath';
import type { FileChange } from '../domain/image/fileChange';
import { planRemoval } from '../domain/image/remove';
import { moveTag } from '../domain/tag/decide';
import type { DomainEvent } from '../domain/events';
import { normalizeTag } from '../domain/reference';
import type { ReadModel } from '../projections/readModel';
import type { Engine } from '../engine/client';
import { containerChanges, statPath } from '../engine/containerFiles';
import type { EngineEvent } from '../engine/events';
import { importFromEngine } from './engineImport';
import { appendDecision, priorEvents, withRetries } from './commands/append';
import { commandMetadata, containerStateOf, imageStateOf, tagStateOf } from './commands/ports';
import type { Strata } from './strata';

export interface Recorded { key: string; outcome: string; appended: number; duplicate: boolean }

export const eventKey = (engineId: string, e: EngineEvent) =>
  `docker-event:${engineId}:${e.timeNanoText}:${e.Type}:${e.Action}:${e.Actor.ID}`;

/** The cursor kept in the log: the timeNano of the last event recorded for this Engine, or null. */
export async function engineCursor(app: Strata, engineId: string): Promise<string | null> {
  const version = await app.store.streamVersion(`engine:${engineId}`);
  if (version === 0) return null;
  const [last] = await app.store.readStream(`engine:${engineId}`, version, 1);
  return (last?.data as { timeNano?: string } | undefined)?.timeNano ?? null;
}

/** The Engine answered (an HTTP error, a refusal) rather than being unreachable: retrying the same event would not help. */
const answered = (e: unknown) => e instanceof DomainError || typeof (e as { statusCode?: unknown }).statusCode === 'number';

const isNotFound = (e: unknown) =>
  (e instanceof DomainError && e.code === 'NOT_FOUND') || (e as { statusCode?: number }).statusCode === 404;

export class EngineWatcher {
  constructor(private readonly app: Strata, private readonly engine: Engine, readonly engineId: string, private readonly actor: string) {}

  /** Records one Engine event (idempotent). */
  async record(e: EngineEvent): Promise<Recorded> {
    const key = eventKey(this.engineId, e);
    if (await priorEvents(this.app, key)) return { key, outcome: 'already recorded', appended: 0, duplicate: true };
    let outcome = 'recorded';
    let imported = 0;
    try {
      imported = await this.importsFor(e);
    } catch (err) {
      // Unreachable: thrown, so the follower retries this event from the cursor once the Engine is back.
      if (!answered(err)) throw err;
      // A stream cut short while the image still exists (the Engine restarting) is tried once more.
      if (err instanceof DomainError && err.code === 'INVALID_ARCHIVE' && await this.stillThere(e)) imported = await this.importsFor(e);
      else outcome = `not imported: ${(err as Error).message.split('\n')[0]}`;
    }
    return withRetries(false, async () => {
      const model = await this.app.models.current();
      let events: DomainEvent[] = [];
      try {
        events = await this.decide(e, model);
      } catch (err) {
        if (!(err instanceof DomainError) && !isNotFound(err)) throw err;
        if (outcome === 'recorded') outcome = `nothing changed: ${(err as Error).message.split('\n')[0]}`;
      }
      if (events.length === 0 && outcome === 'recorded' && imported === 0) outcome = 'nothing changed';
      events.push({
        type: 'EngineEventObserved',
        data: { engineId: this.engineId, timeNano: e.timeNanoText, type: e.Type, action: e.Action, actorId: e.Actor.ID, outcome },
      });
      const r = await appendDecision(this.app, model, events, { actor: this.actor, idempotencyKey: key });
      return { key, outcome, appended: r.duplicate ? 0 : r.events.length + imported, duplicate: r.duplicate };
    });
  }

  private async stillThere(e: EngineEvent): Promise<boolean> {
    try {
      if (e.Type === 'container') await this.engine.docker.getContainer(e.Actor.ID).inspect();
      else await this.imageIdOf(e.Actor.ID);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Imports what the event needs held first; returns the events the import appended. */
  private async importsFor(e: EngineEvent): Promise<number> {
    const action = e.Action.split(':')[0]!;
    if (e.Type === 'image' && ['pull', 'load', 'import', 'commit', 'tag'].includes(action)) {
      return this.ensureImage(await this.imageIdOf(e.Actor.ID));
    }
    if (e.Type === 'container' && action === 'create') {
      const info = await this.engine.docker.getContainer(e.Actor.ID).inspect().catch((err: unknown) => {
        if (isNotFound(err)) throw new DomainError('NOT_FOUND', `container ${e.Actor.ID} is gone`);
        throw err;
      });
      return this.ensureImage(info.Image);
    }
    if (e.Type === 'container' && action === 'commit' && e.Actor.Attributes.imageID) return this.ensureImage(e.Actor.Attributes.imageID);
    return 0;
  }

  private async imageIdOf(nameOrId: string): Promise<string> {
    if (/^sha256:[0-9a-f]{64}$/.test(nameOrId)) return nameOrId;
    try {
      return (await this.engine.docker.getImage(nameOrId).inspect()).Id;
    } catch (err) {
      if (isNotFound(err)) throw new DomainError('NOT_FOUND', `image ${nameOrId} is gone from the Engine`);
      throw err;
    }
  }

  private async ensureImage(imageId: string): Promise<number> {
    const model = await this.app.models.current();
    if (model.isLive(model.images.get(imageId))) return 0;
    const summary = await importFromEngine(this.app, imageId, { actor: this.actor, engine: this.engine });
    return summary.appended;
  }

  private async engineTags(imageId: string): Promise<string[] | null> {
    try {
      return ((await this.engine.docker.getImage(imageId).inspect()).RepoTags ?? []).map((t) => normalizeTag(t));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  private async decide(e: EngineEvent, model: ReadModel): Promise<DomainEvent[]> {
    const action = e.Action.split(':')[0]!;
    const meta = commandMetadata(this.actor);
    if (e.Type === 'image') {
      if (action === 'delete') {
        const imageId = e.Actor.ID;
        if (!model.isLive(model.images.get(imageId))) return [];
        return planRemoval({
          type: 'RemoveImage', data: { imageId, force: true }, metadata: meta,
          ports: {
            containersUsing: model.liveContainersOf(imageId).map((c) => c.containerId), tagsPointing: model.repoTags(imageId), impact: null,
          },
        }, imageStateOf(model, imageId)).events;
      }
      const imageId = action === 'untag' ? e.Actor.ID : await this.imageIdOf(e.Actor.ID);
      const engineTags = await this.engineTags(imageId);
      if (action === 'untag') {
        return model.repoTags(imageId).filter((t) => !(engineTags ?? []).includes(t))
          .map((tag) => ({ type: 'TagRemoved', data: { tag, from: imageId } }) as DomainEvent);
      }
      if (!model.isLive(model.images.get(imageId))) return [];
      // The Engine's tags on the image now (an image imported on demand brings the tags it already had), and the one just set.
      const named = action === 'tag' && e.Actor.Attributes.name ? [normalizeTag(e.Actor.Attributes.name)] : [];
      const wanted = [...new Set([...named, ...(engineTags ?? [])])];
      return wanted.flatMap((tag) => moveTag(tag, tagStateOf(model, tag), imageId));
    }
    const containerId = e.Actor.ID;
    const rec = model.containers.get(containerId);
    if (action === 'create') {
      const info = await this.engine.docker.getContainer(containerId).inspect();
      const name = (e.Actor.Attributes.name ?? info.Name.replace(/^\//, '')) || null;
      return decideCreate({ type: 'CreateContainer', data: { containerId, imageId: info.Image, name }, metadata: meta },
        { container: containerStateOf(model, rec), image: imageStateOf(model, info.Image) });
    }
    if (!rec || rec.removedPosition !== null) return [];
    if (action === 'destroy') {
      return decideRemoveContainer({ type: 'RemoveContainer', data: { containerId }, metadata: meta }, containerStateOf(model, rec));
    }
    const events = await this.syncFiles(model, containerId);
    if (action === 'commit' && e.Actor.Attributes.imageID && model.images.has(e.Actor.Attributes.imageID)) {
      events.push({ type: 'ContainerCommitted', data: { containerId, imageId: e.Actor.Attributes.imageID } });
    }
    return events;
  }

  /** File changes that bring Strata's RW layer in line with the Engine's docker diff. */
  private async syncFiles(model: ReadModel, containerId: string): Promise<DomainEvent[]> {
    const rec = model.containers.get(containerId)!;
    const changes = await containerChanges(this.engine, containerId);
    if (changes === null) return [];
    const image = model.images.get(rec.imageId);
    const view = await this.app.views.view(image?.layers ?? []);
    const lookup = (p: string) => view.lookup(p);
    let state = containerStateOf(model, rec);
    const events: DomainEvent[] = [];
    const apply = (change: FileChange) => {
      try {
        const evs = decideFileChange(
          { type: 'ChangeContainerFile', data: { containerId, change }, metadata: commandMetadata(this.actor), ports: { lookup } }, state);
        state = evs.reduce(evolveContainer, state);
        events.push(...evs);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err; // a path the model cannot express is left out
      }
    };
    for (const c of [...changes].sort((a, b) => comparePaths(a.path, b.path))) {
      const current = containerLookup(state, c.path, lookup);
      if (c.kind === 'D') {
        if (current) apply({ change: 'DELETED', path: c.path });
        continue;
      }
      const st = await statPath(this.engine, containerId, c.path);
      if (!st || st.kind === 'OTHER') continue;
      const want = { kind: st.kind, size: st.size, mode: st.mode, linkTarget: st.linkTarget };
      if (current && current.entry.kind !== st.kind) {
        apply({ change: 'DELETED', path: c.path });
        apply({ change: 'ADDED', path: c.path, ...want });
        continue;
      }
      if (!current) { apply({ change: 'ADDED', path: c.path, ...want }); continue; }
      const same = current.entry.size === st.size && (current.entry.mode ?? st.mode) === st.mode
        && current.entry.linkTarget === st.linkTarget;
      if (st.kind === 'DIRECTORY' && same) continue; // a directory copied up to hold a change below it
      if (same && current.inRw) continue;
      apply({ change: 'MODIFIED', path: c.path, ...want });
    }
    return events;
  }
}
