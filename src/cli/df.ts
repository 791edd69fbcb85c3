/**
 * `strata df [-v]`: `docker system df [-v]` from the ledger, under DOCKER
 * accounting unless --accounting content. Images: LayersSize is the physical
 * size by ChainID; an image is active when a live container uses it; the
 * reclaimable bytes are computed as the Docker CLI does (LayersSize minus each
 * active image's size - sharedSize). Strata's containers are created, never
 * running, so none is active. --format json prints the Engine API's
 * GET /system/df shape (LayersSize, Images, Containers), numbers in bytes.
 */
import { Strata } from '../application/strata';
import { humanSize, shortId, since, table } from './dockerFormat';
import { accountingOption, formatOption, ledgerQuery } from './ledgerQuery';

export interface DfCliOptions { db?: string; accounting?: string; format?: string; verbose?: boolean }

interface Answer {
  storage: {
    physicalSize: number;
    images: {
      image: { imageId: string; repoTags: string[]; created: string | null }; size: number; sharedSize: number; uniqueSize: number;
    }[];
  };
  containers: { id: string; imageId: string; name: string | null; size: number; virtualSize: number }[];
}

const QUERY = `query Df($accounting: SizeAccounting) {
  storage(by: CHAIN_ID, accounting: $accounting) {
    physicalSize
    images { image { imageId repoTags created } size sharedSize uniqueSize }
  }
  containers { id imageId name size(accounting: $accounting) virtualSize(accounting: $accounting) }
}`;

const pct = (part: number, total: number) => (total > 0 ? ` (${Math.floor((part * 100) / total)}%)` : '');

export async function df(opts: DfCliOptions): Promise<void> {
  const accounting = accountingOption(opts.accounting);
  const format = formatOption(opts.format);
  const app = await Strata.open(opts.db);
  let a: Answer;
  try {
    a = await ledgerQuery<Answer>(app, QUERY, { accounting });
  } finally {
    await app.close();
  }
  const uses = new Map<string, number>();
  for (const c of a.containers) uses.set(c.imageId, (uses.get(c.imageId) ?? 0) + 1);
  const images = [...a.storage.images].sort((x, y) => (y.image.created ?? '').localeCompare(x.image.created ?? ''));
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({
      LayersSize: a.storage.physicalSize,
      Images: images.map((i) => ({
        Id: i.image.imageId, RepoTags: i.image.repoTags,
        Created: i.image.created ? Math.floor(Date.parse(i.image.created) / 1000) : 0,
        Size: i.size, SharedSize: i.sharedSize, VirtualSize: i.size, Containers: uses.get(i.image.imageId) ?? 0,
      })),
      Containers: a.containers.map((c) => ({ Id: c.id, ImageID: c.imageId, Names: c.name ? [`/${c.name}`] : [], SizeRw: c.size,
        SizeRootFs: c.virtualSize, State: 'created' })),
    }, null, 2)}\n`);
    return;
  }
  const layersSize = a.storage.physicalSize;
  const used = images.filter((i) => uses.has(i.image.imageId)).reduce((s, i) => s + i.size - i.sharedSize, 0);
  const imagesReclaimable = layersSize - used;
  const rwTotal = a.containers.reduce((s, c) => s + c.size, 0);
  if (!opts.verbose) {
    process.stdout.write(table(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], [
      ['Images', String(images.length), String(images.filter((i) => uses.has(i.image.imageId)).length), humanSize(layersSize),
        `${humanSize(imagesReclaimable)}${pct(imagesReclaimable, layersSize)}`],
      ['Containers', String(a.containers.length), '0', humanSize(rwTotal), `${humanSize(rwTotal)}${pct(rwTotal, rwTotal)}`],
      ['Local Volumes', '0', '0', '0B', '0B'],
      ['Build Cache', '0', '0', '0B', '0B'],
    ]));
    return;
  }
  const imageRows = images.map((i) => {
    const [repo, tag] = splitTag(i.image.repoTags[0]);
    return [repo, tag, shortId(i.image.imageId), since(i.image.created), humanSize(i.size, 3), humanSize(i.sharedSize),
      humanSize(i.uniqueSize), String(uses.get(i.image.imageId) ?? 0)];
  });
  const containerRows = a.containers.map((c) =>
    [c.id.slice(0, 12), shortId(c.imageId), '""', '0', humanSize(c.size, 3), 'N/A', 'Created', c.name ?? '']);
  process.stdout.write([
    'Images space usage:\n',
    table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'], imageRows),
    'Containers space usage:\n',
    table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'], containerRows),
    'Local Volumes space usage:\n',
    table(['VOLUME NAME', 'LINKS', 'SIZE'], []),
    'Build cache usage: 0B\n',
  ].join('\n'));
}

/** "repo:tag" → [repo, tag]; an untagged image is <none> <none>. */
function splitTag(t: string | undefined): [string, string] {
  if (!t) return ['<none>', '<none>'];
  const i = t.lastIndexOf(':');
  return i > t.lastIndexOf('/') ? [t.slice(0, i), t.slice(i + 1)] : [t, 'latest'];
}
