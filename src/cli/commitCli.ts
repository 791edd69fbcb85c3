/** `strata commit IMAGE (--layer FILE.tar | --from-dir DIR) [--tag T] [--message M]` (contract cli.md "Next"). */
import { Strata } from '../application/strata';
import { appendLayerFile } from '../application/realLayers/appendLayer';
import { changesFromDir } from '../application/realLayers/fromDir';
import { commitImage, type CommitResult } from '../application/commands/commit';
import { badInput } from '../domain/errors';
import { cliActor } from './output';

export interface CommitCliOptions {
  layer?: string; fromDir?: string; tag?: string; message?: string; db?: string; blobs?: string; json?: boolean;
}

export async function commitCommand(image: string, opts: CommitCliOptions): Promise<void> {
  if (!opts.layer === !opts.fromDir) throw badInput('give exactly one of --layer FILE.tar or --from-dir DIR');
  const app = await Strata.open(opts.db, { blobs: opts.blobs });
  try {
    const who = { actor: cliActor() };
    let r: CommitResult;
    if (opts.layer) {
      r = await appendLayerFile(app, { image, file: opts.layer, tag: opts.tag, message: opts.message }, who);
    } else {
      const model = await app.models.current();
      const parent = model.resolve(image);
      // The session keeps the directory's file bytes from gc until the commit has appended.
      const session = await app.blobs.session();
      try {
        const changes = await changesFromDir(opts.fromDir!, await app.views.view(parent?.layers ?? []), session);
        const createdBy = opts.message ?? `strata commit --from-dir ${opts.fromDir}`;
        r = await commitImage(app, { image, changes, tag: opts.tag, createdBy }, who);
      } finally {
        await session.close();
      }
    }
    const layer = r.image.layers[r.layerIndex]!;
    if (opts.json) {
      const out = {
        imageId: r.image.imageId, manifestDigest: r.image.manifestDigests[0] ?? null,
        diffId: layer.diffId, digest: layer.digest, position: r.event.position,
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      const as = opts.tag ? ` as ${opts.tag}` : '';
      process.stdout.write(`committed ${r.image.imageId.slice(7, 19)}${as}: layer ${layer.diffId} (${layer.size} bytes)\n`);
    }
  } finally {
    await app.close();
  }
}
