/**
 * Every edge's cursor, now encoded only when a query reads it
 * (connection.ts, issue 19 item 5): each is the documented `kind:value` in
 * base64, pageInfo's start and end cursors are the first and last edge's, and
 * paging after any edge's cursor continues right after that edge. Checked on a
 * path-cursor list (Image.files), an offset-cursor list (Layer.entries) and
 * the merged view's MergedFile objects (read through, not copied).
 */
import { recordImport } from '../../src/application/importImages';
import { readImages } from '../../src/importers';
import { openTestApp, type TestApp } from '../helpers/app';
import { samples, SAMPLE_TAG } from '../helpers/sampleImages';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

let t: TestApp;
beforeAll(async () => {
  t = await openTestApp('sqlite');
  await recordImport(t.app, await readImages((await samples()).dockerArchive));
}, 60_000);
afterAll(async () => t?.close());

const FIELDS = 'path kind size mode uid gid linkTarget contentDigest layerIndex diffId';

test('Image.files: each edge cursor is file:<path>; paging after any of them continues after that edge', async () => {
  const all = await t.gql(`{ image(ref: "${SAMPLE_TAG}") { files(recursive: true, first: 1000) {
    pageInfo { startCursor endCursor } edges { cursor node { ${FIELDS} } } } } }`);
  const conn = all.image.files;
  expect(conn.edges.length).toBeGreaterThan(5);
  for (const e of conn.edges) expect(e.cursor).toBe(b64(`file:${e.node.path}`));
  expect(conn.pageInfo.startCursor).toBe(conn.edges[0].cursor);
  expect(conn.pageInfo.endCursor).toBe(conn.edges[conn.edges.length - 1].cursor);
  for (const i of [0, 2, conn.edges.length - 2]) {
    const next = await t.gql(`query($after: String) { image(ref: "${SAMPLE_TAG}") { files(recursive: true, first: 2, after: $after) {
      edges { cursor node { ${FIELDS} } } } } }`, { after: conn.edges[i].cursor });
    expect(next.image.files.edges).toEqual(conn.edges.slice(i + 1, i + 3));
  }
});

test('MergedFile objects answer the same fields as the view entry they read (file and files agree)', async () => {
  const page = await t.gql(`{ image(ref: "${SAMPLE_TAG}") { files(recursive: true, first: 1000) { edges { node { ${FIELDS} } } } } }`);
  const nodes = page.image.files.edges.map((e: any) => e.node);
  for (const n of nodes.slice(0, 8)) {
    const one = await t.gql('query($p: String!) { image(ref: "sample:latest") { file(path: $p) { ' + FIELDS + ' } } }', { p: n.path });
    expect(one.image.file).toEqual(n);
    expect(Object.keys(one.image.file)).toEqual(FIELDS.split(' '));
  }
});

test('Layer.entries: each edge cursor is entry:<offset>; the page after any of them starts at the next offset', async () => {
  const d = await t.gql(`{ image(ref: "${SAMPLE_TAG}") { layers { layer { diffId entries(first: 1000) {
    pageInfo { startCursor endCursor } edges { cursor node { path } } } } } } }`);
  const layer = d.image.layers.map((l: any) => l.layer).find((l: any) => l.entries.edges.length >= 3);
  expect(layer).toBeDefined();
  const edges = layer.entries.edges;
  edges.forEach((e: any, i: number) => expect(e.cursor).toBe(b64(`entry:${i}`)));
  expect(layer.entries.pageInfo.startCursor).toBe(edges[0].cursor);
  expect(layer.entries.pageInfo.endCursor).toBe(edges[edges.length - 1].cursor);
  const next = await t.gql(`query($after: String) { image(ref: "${SAMPLE_TAG}") { layers { layer { diffId entries(first: 2, after: $after) {
    edges { cursor node { path } } } } } } }`, { after: edges[0].cursor });
  const same = next.image.layers.map((l: any) => l.layer).find((l: any) => l.diffId === layer.diffId);
  expect(same.entries.edges).toEqual(edges.slice(1, 3));
});
