/**
 * Layer.fileCount means what its description says: every recorded entry
 * except whiteouts, so entries.totalCount = fileCount + whiteouts. Checked
 * on a built image whose layers add files, delete some and make a directory opaque.
 */
import { buildSchema } from 'graphql';
import { recordImport } from '../../src/application/importImages';
import { readImages } from '../../src/importers';
import { loadSchemaSDL } from '../../src/graphql/schemaLoader';
import { openTestApp, type TestApp } from '../helpers/app';
import { samples, SAMPLE_TAG } from '../helpers/sampleImages';

let t: TestApp;
beforeAll(async () => {
  t = await openTestApp('sqlite');
  await recordImport(t.app, await readImages((await samples()).dockerArchive));
});
afterAll(async () => t?.close());

test('fileCount = entries that are not whiteouts; entries.totalCount also counts the whiteouts', async () => {
  const { image } = await t.gql(`{ image(ref: "${SAMPLE_TAG}") { layers { index layer { fileCount
    entries(first: 1000) { totalCount edges { node { kind } } } } } } }`);
  let whiteoutLayers = 0;
  for (const l of image.layers) {
    const kinds: string[] = l.layer.entries.edges.map((e: any) => e.node.kind);
    const whiteouts = kinds.filter((k) => k === 'WHITEOUT' || k === 'OPAQUE_WHITEOUT').length;
    if (whiteouts) whiteoutLayers++;
    expect({ index: l.index, fileCount: l.layer.fileCount, totalCount: l.layer.entries.totalCount })
      .toEqual({ index: l.index, fileCount: kinds.length - whiteouts, totalCount: kinds.length });
  }
  expect(whiteoutLayers).toBeGreaterThanOrEqual(3); // the sample deletes files in three layers and makes one directory opaque
});

test('the schema says so', () => {
  const field = buildSchema(loadSchemaSDL()).getType('Layer') as any;
  const description: string = field.getFields().fileCount.description;
  expect(description).toMatch(/[Ww]hiteouts are not counted/);
  expect(description).toMatch(/entries\.totalCount/);
});
