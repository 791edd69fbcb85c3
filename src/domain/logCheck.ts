/**
 * Checks a log event by event, as a decider would have accepted it, before
 * `import-log` commits anything (issue 15 item 5; docs/domain.md §7): a known
 * type at schema version 1, data of the right shape, each stream's versions
 * 1, 2, 3… (integers), the event in the stream its data names, and the
 * preconditions its command had — a layer before the image that uses it, a
 * tag moved from where it pointed, to an image that was committed, a live
 * image removed, a live container changed. A crafted log that passes the hash
 * chain (anyone can recompute it) but breaks one of these is refused whole.
 */
import { isDigest, type Sha256Hex } from './digest';
import { EVENT_SCHEMA_VERSION, streams, type EventType } from './events';
import { FILE_KINDS } from './layerEntry';

export interface CheckedEvent {
  position: number;
  stream: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: unknown;
}

type Data = Record<string, unknown>;

const isObj = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const orNull = <T>(test: (v: unknown) => v is T) => (v: unknown): boolean => v === null || test(v);
const isDig = (v: unknown): v is string => isStr(v) && isDigest(v);

/** Every type of the catalogue (a new type in events.ts does not compile until it is listed, and checked below). */
const KNOWN_TYPES: Record<EventType, true> = {
  LayerCommitted: true, ImageCommitted: true, ManifestDigestAdded: true, ImageRemoved: true, TagMoved: true, TagRemoved: true,
  ContainerCreated: true, ContainerFileChanged: true, ContainerCommitted: true, ContainerRemoved: true, BlobsCollected: true,
  EngineEventObserved: true,
  ImageTransferred: true,
};

class Refusal extends Error {}

function need(ok: boolean, why: string): asserts ok {
  if (!ok) throw new Refusal(why);
}

function fields(d: Data, spec: Record<string, (v: unknown) => boolean>): void {
  for (const [name, test] of Object.entries(spec)) need(test(d[name]), `data.${name} is missing or malformed`);
}

/** Fields later versions added: absent in older logs, checked when present. */
function optional(d: Data, spec: Record<string, (v: unknown) => boolean>): void {
  for (const [name, test] of Object.entries(spec)) need(d[name] === undefined || test(d[name]), `data.${name} is malformed`);
}

export class LogChecker {
  private readonly versions = new Map<string, number>();
  private readonly layers = new Set<string>();
  /** imageId → live? (present: committed at least once). */
  private readonly images = new Map<string, boolean>();
  private readonly tags = new Map<string, string | null>();
  private readonly containers = new Map<string, boolean>();

  constructor(private readonly sha256Hex: Sha256Hex) {}

  /** Null when the event is acceptable here (and the checker moves past it), otherwise why not. */
  check(e: CheckedEvent): string | null {
    try {
      this.accept(e);
      return null;
    } catch (err) {
      if (err instanceof Refusal) return `event ${e.position} (${String(e.type).slice(0, 40)}): ${err.message}`;
      throw err;
    }
  }

  private accept(e: CheckedEvent): void {
    need(isStr(e.stream) && isStr(e.type), 'stream and type must be strings');
    need(Object.prototype.hasOwnProperty.call(KNOWN_TYPES, e.type), 'unknown event type');
    need(e.schemaVersion === EVENT_SCHEMA_VERSION, `schemaVersion must be ${EVENT_SCHEMA_VERSION}`);
    const current = this.versions.get(e.stream) ?? 0;
    need(Number.isSafeInteger(e.version) && e.version === current + 1,
      `version must be ${current + 1} in stream ${e.stream.slice(0, 120)}`);
    need(isObj(e.data), 'data must be an object');
    const d = e.data;
    const streamIs = (s: string) => need(e.stream === s, `it belongs in stream ${s.slice(0, 120)}, not ${e.stream.slice(0, 120)}`);
    switch (e.type) {
      case 'LayerCommitted':
        fields(d, { diffId: isDig, entriesDigest: isDig, digest: orNull(isDig), mediaType: orNull(isStr), compressedSize: orNull(isCount),
          size: isCount, fileCount: isCount });
        streamIs(streams.layer(d.diffId as string));
        this.layers.add(d.diffId as string);
        break;
      case 'ImageCommitted': {
        fields(d, { imageId: isDig, config: isStr, manifestDigest: orNull(isDig), created: orNull(isStr), architecture: orNull(isStr),
          os: orNull(isStr), baseName: orNull(isStr), baseDigest: orNull(isStr), parentImageId: orNull(isDig),
          layers: Array.isArray, history: Array.isArray, source: (v) => v === 'import' || v === 'commit' || v === 'upgrade' });
        optional(d, { manifestMediaType: orNull(isStr) });
        const id = d.imageId as string;
        streamIs(streams.image(id));
        need(`sha256:${this.sha256Hex(d.config as string)}` === id, 'imageId is not the sha256 of its config');
        for (const l of d.layers as unknown[]) {
          need(isObj(l) && isDig(l.diffId), 'data.layers holds a malformed layer');
          need(this.layers.has(l.diffId as string), `layer ${String(l.diffId)} is used before its LayerCommitted`);
        }
        for (const h of d.history as unknown[]) need(isObj(h), 'data.history holds a malformed step');
        need(d.parentImageId === null || this.images.has(d.parentImageId as string), 'its parent image was never committed');
        this.images.set(id, true);
        break;
      }
      case 'ManifestDigestAdded':
        fields(d, { imageId: isDig, manifestDigest: isDig });
        // mediaType and layers came later (issue 14 item 5): absent in older logs, well formed when present.
        optional(d, { mediaType: orNull(isStr), layers: Array.isArray });
        for (const l of (d.layers ?? []) as unknown[]) {
          need(isObj(l) && isDig(l.diffId) && orNull(isDig)(l.digest) && orNull(isStr)(l.mediaType) && orNull(isCount)(l.compressedSize),
            'data.layers holds a malformed layer blob');
          need(this.layers.has(l.diffId as string), `layer ${String(l.diffId)} is used before its LayerCommitted`);
        }
        streamIs(streams.image(d.imageId as string));
        need(this.images.get(d.imageId as string) === true, 'the image is not live');
        break;
      case 'ImageTransferred':
        fields(d, { imageId: isDig, direction: (v) => v === 'PULL' || v === 'PUSH', location: isStr, manifestDigest: isDig,
          transferredBytes: isCount, skippedBytes: isCount, transferredBlobs: isCount, skippedBlobs: isCount });
        streamIs(streams.image(d.imageId as string));
        need(this.images.has(d.imageId as string), 'the image was never committed');
        break;
      case 'ImageRemoved':
        fields(d, { imageId: isDig });
        streamIs(streams.image(d.imageId as string));
        need(this.images.get(d.imageId as string) === true, 'the image is not live');
        this.images.set(d.imageId as string, false);
        break;
      case 'TagMoved': {
        fields(d, { tag: isStr, from: orNull(isDig), to: isDig });
        const tag = d.tag as string;
        streamIs(streams.tag(tag));
        need((this.tags.get(tag) ?? null) === d.from, 'data.from is not where the tag pointed');
        need(this.images.has(d.to as string), 'it points the tag at an image that was never committed');
        this.tags.set(tag, d.to as string);
        break;
      }
      case 'TagRemoved': {
        fields(d, { tag: isStr, from: isDig });
        const tag = d.tag as string;
        streamIs(streams.tag(tag));
        need((this.tags.get(tag) ?? null) === d.from, 'data.from is not where the tag pointed');
        this.tags.set(tag, null);
        break;
      }
      case 'ContainerCreated':
        fields(d, { containerId: isStr, imageId: isDig, name: orNull(isStr) });
        streamIs(streams.container(d.containerId as string));
        need(!this.containers.has(d.containerId as string), 'the container already exists');
        need(this.images.get(d.imageId as string) === true, 'the image is not live');
        this.containers.set(d.containerId as string, true);
        break;
      case 'ContainerFileChanged':
        fields(d, { containerId: isStr, change: (v) => v === 'ADDED' || v === 'MODIFIED' || v === 'DELETED',
          path: (v) => isStr(v) && v.startsWith('/'), kind: (v) => FILE_KINDS.includes(v as never), size: isCount,
          mode: orNull(isCount), uid: orNull(isCount), gid: orNull(isCount), linkTarget: orNull(isStr), contentDigest: orNull(isStr),
          opaque: (v) => typeof v === 'boolean', copiedUpBytes: isCount });
        streamIs(streams.container(d.containerId as string));
        need(this.containers.get(d.containerId as string) === true, 'the container is not live');
        break;
      case 'ContainerCommitted':
        fields(d, { containerId: isStr, imageId: isDig });
        streamIs(streams.container(d.containerId as string));
        need(this.containers.get(d.containerId as string) === true, 'the container is not live');
        need(this.images.has(d.imageId as string), 'the image was never committed');
        break;
      case 'ContainerRemoved':
        fields(d, { containerId: isStr });
        streamIs(streams.container(d.containerId as string));
        need(this.containers.get(d.containerId as string) === true, 'the container is not live');
        this.containers.set(d.containerId as string, false);
        break;
      case 'BlobsCollected':
        fields(d, { removed: Array.isArray, bytes: isCount, leftovers: isCount });
        streamIs(streams.blobStore());
        for (const b of d.removed as unknown[]) need(isObj(b) && isDig(b.digest) && isCount(b.size), 'data.removed holds a malformed blob');
        break;
      case 'EngineEventObserved':
        fields(d, { engineId: isStr, timeNano: (v) => isStr(v) && /^\d{1,30}$/.test(v), type: isStr, action: isStr, actorId: isStr, outcome: isStr });
        streamIs(streams.engine(d.engineId as string));
        break;
      default:
        throw new Refusal('unknown event type');
    }
    this.versions.set(e.stream, e.version);
  }
}
