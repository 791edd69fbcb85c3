/**
 * Containers (docker create / file changes / commit / rm) over the container
 * deciders. A container's RW layer is checked against its image's merged view
 * (app.views), and a batch of file changes is decided one by one on a state
 * evolved as it goes, then appended at once: all of it lands or none.
 * Names are unique among live containers, as Docker's are (CONFLICT).
 */
import { randomBytes } from 'node:crypto';
import { decideCreate, decideFileChange, decideRemoveContainer, planContainerCommit } from '../../domain/container/decide';
import { evolveContainer } from '../../domain/container/state';
import { dockerDiff, rwSize, virtualSize, type DockerDiffLine } from '../../domain/container/view';
import { dockerRwSize } from '../../domain/container/dockerSize';
import { imageSize } from '../sizes';
import { conflict, notFound } from '../../domain/errors';
import type { DomainEvent } from '../../domain/events';
import { normalizeTag } from '../../domain/reference';
import { initialTagState } from '../../domain/tag/state';
import type { StoredEvent } from '../../eventStore/types';
import type { ReadModel } from '../../projections/readModel';
import type { ContainerRecord } from '../../projections/records';
import type { Strata } from '../strata';
import { keyReused, pinnedVersion, runCommand, type Who } from './append';
import { commitResult, replayedImageId, type CommitResult } from './commit';
import { commandMetadata, commitPorts, containerStateOf, imageStateOf, tagStateOf } from './ports';
import { modelAfter } from './result';
import { RealLayers, type RealLayerPorts } from '../realLayers/realLayers';
import type { FileChangeInput } from '../realLayers/content';

export interface ContainerResult { model: ReadModel; container: ContainerRecord }

/** A container by ID or by the name of a live one. */
export function findContainer(model: ReadModel, ref: string): ContainerRecord | null {
  const byId = model.containers.get(ref);
  if (byId) return byId;
  return [...model.containers.values()].find((c) => c.removedPosition === null && c.name === ref) ?? null;
}

function requireContainer(model: ReadModel, ref: string): ContainerRecord {
  const c = findContainer(model, ref);
  if (!c) throw notFound(`no container "${ref}"`, { container: ref });
  return c;
}

async function answer(app: Strata, containerId: string): Promise<ContainerResult> {
  const model = await modelAfter(app);
  return { model, container: requireContainer(model, containerId) };
}

/** The container a replayed batch of events was about. */
function replayedContainer(events: readonly StoredEvent[], key: string | null | undefined, types: readonly string[]): string {
  const e = events.find((x) => types.includes(x.type));
  const id: unknown = e?.data?.containerId;
  if (typeof id !== 'string') throw keyReused(key);
  return id;
}

/** Decide on a fresh model, append, answer (or replay the key's first answer). */
async function run(app: Strata, who: Who, types: readonly string[],
  decide: (model: ReadModel) => Promise<{ id: string; events: DomainEvent[] }>) {
  return runCommand(app, who, {
    pinned: false,
    decide,
    answer: (d) => answer(app, d.id),
    replay: (events) => answer(app, replayedContainer(events, who.idempotencyKey, types)),
  });
}

export function createContainer(app: Strata, input: { image: string; name?: string | null }, who: Who): Promise<ContainerResult> {
  return run(app, who, ['ContainerCreated'], async (model) => {
    const image = model.resolve(input.image);
    if (!image) throw notFound(`no image "${input.image}"`, { ref: input.image });
    if (input.name && findContainer(model, input.name)) throw conflict(`the container name "${input.name}" is already in use`,
      { name: input.name });
    // Docker's container ID shape: 64 random hex digits.
    const containerId = randomBytes(32).toString('hex');
    const events = decideCreate(
      { type: 'CreateContainer', data: { containerId, imageId: image.imageId, name: input.name ?? null },
        metadata: commandMetadata(who.actor) },
      { container: containerStateOf(model, undefined), image: imageStateOf(model, image.imageId) },
    );
    return { id: containerId, events };
  });
}

/** contentBase64 is decoded and kept in the blob store under its digest until the container is committed (realLayers/content.ts). */
export async function changeFiles(app: Strata, input: { container: string; changes: readonly FileChangeInput[] },
  who: Who): Promise<ContainerResult> {
  const changes = input.changes.some((c) => c.contentBase64 != null)
    ? await RealLayers.using(app, (real) => real.contents(input.changes))
    : input.changes;
  return run(app, who, ['ContainerFileChanged'], async (model) => {
    const rec = requireContainer(model, input.container);
    const image = model.images.get(rec.imageId);
    const view = await app.views.view(image?.layers ?? []);
    const lookup = (path: string) => view.lookup(path);
    let state = containerStateOf(model, rec);
    const events: DomainEvent[] = [];
    for (const change of changes) {
      const evs = decideFileChange({
        type: 'ChangeContainerFile', data: { containerId: rec.containerId,
          change }, metadata: commandMetadata(who.actor), ports: { lookup },
      }, state);
      state = evs.reduce(evolveContainer, state);
      events.push(...evs);
    }
    return { id: rec.containerId, events };
  });
}

export function removeContainer(app: Strata, input: { container: string }, who: Who): Promise<ContainerResult> {
  return run(app, who, ['ContainerRemoved'], async (model) => {
    const rec = requireContainer(model, input.container);
    const events = decideRemoveContainer(
      { type: 'RemoveContainer', data: { containerId: rec.containerId }, metadata: commandMetadata(who.actor) }, containerStateOf(model,
        rec));
    return { id: rec.containerId, events };
  });
}

export interface ContainerCommitInput { container: string; tag?: string | null; createdBy?: string | null; expectedVersion?: number | null }

/** docker commit: the RW layer's net changes become a layer on the container's image (a CommitPayload, like Mutation.commit). */
export async function commitContainer(app: Strata, input: ContainerCommitInput, who: Who): Promise<CommitResult> {
  let real: RealLayers;
  return runCommand(app, who, {
    pinned: pinnedVersion(input.expectedVersion),
    around: (body) => RealLayers.using(app, (r) => { real = r; return body(); }),
    decide: (model) => decideContainerCommit(app, model, input, who, real),
    answer: (d, appended) => commitResult(app, d.imageId, appended),
    replay: (events) => commitResult(app, replayedImageId(events, who.idempotencyKey), events),
  });
}

async function decideContainerCommit(app: Strata, model: ReadModel, input: ContainerCommitInput, who: Who, real: RealLayers) {
  const rec = requireContainer(model, input.container);
  const image = model.images.get(rec.imageId);
  const tag = input.tag ? normalizeTag(input.tag) : null;
  const now = new Date().toISOString();
  const decide = async (extra?: RealLayerPorts) => planContainerCommit({
    type: 'CommitContainer',
    data: { containerId: rec.containerId, tag, createdBy: input.createdBy ?? null, expectedVersion: input.expectedVersion ?? null },
    metadata: { ...commandMetadata(who.actor), now },
    ports: { ...(await commitPorts(app, model, image?.layers ?? [])), ...extra },
  }, { container: containerStateOf(model, rec), image: imageStateOf(model, rec.imageId),
    tag: tag ? tagStateOf(model, tag) : initialTagState() });
  // Twice on one clock: the entries first, then with the real layer written from them (realLayers.ts).
  const lower = image?.layers ?? [];
  const out = await decide(await real.portsFor((await decide()).entries, lower, lower, now));
  await real.finish();
  return { ...out, contents: [{ diffId: out.layer.diffId, entries: out.entries, entriesDigest: out.layer.entriesDigest }] };
}

export interface ContainerView {
  changes: DockerDiffLine[]; size: number; virtualSize: number;
  /** docker ps -s SizeRw and SizeRootFs (DOCKER accounting). */
  dockerSize: number; dockerVirtualSize: number;
}

/** What `docker diff` and `docker ps -s` show for a container. */
export async function containerView(app: Strata, model: ReadModel, rec: ContainerRecord): Promise<ContainerView> {
  const image = model.images.get(rec.imageId);
  const view = await app.views.view(image?.layers ?? []);
  const state = containerStateOf(model, rec);
  const lookup = (p: string) => view.lookup(p);
  const dockerSize = dockerRwSize(state, lookup);
  return {
    changes: dockerDiff(state, lookup), size: rwSize(state), virtualSize: virtualSize(state, image?.size ?? 0),
    dockerSize, dockerVirtualSize: dockerSize + (image ? await imageSize(app, image, 'DOCKER') : 0),
  };
}
