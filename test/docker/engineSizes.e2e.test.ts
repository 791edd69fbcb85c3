/**
 * Docker's figures, byte for byte, against a real Docker Engine (overlay2):
 * images built by the Engine from scratch on the static busybox (symlinks,
 * hard links, deletions, an opaque directory, unicode names) are saved,
 * imported with `strata import`, and every figure Strata prints under DOCKER
 * accounting is compared with the Engine's own answer: image inspect (Id,
 * RootFS.Layers, Size), /system/df, /images/{id}/history, docker export of a
 * created container (the merged view), and for a container that wrote,
 * chmod-ed and deleted files: docker diff, docker ps -s and docker commit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { extract } from 'tar-stream';
import { Readable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { describeWithPeers } from '../helpers/peers';
import { tempDir } from '../helpers/backends';
import { BASE_DOCKERFILE, build, childDockerfile, cleanup, docker, engineGet, strata, strataJson, unique } from '../helpers/dockerEngine';

const INIT_LAYER = new Set(['/.dockerenv', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/etc/mtab']);
const ignoredInExport = (p: string) => INIT_LAYER.has(p) || /^\/(dev|proc|sys)(\/|$)/.test(p);

interface TarRow { path: string; kind: string; size: number; mode: number; linkTarget: string | null }

async function tarRows(tar: Buffer): Promise<TarRow[]> {
  const rows: TarRow[] = [];
  const ex = extract();
  ex.on('entry', (h, stream, next) => {
    const p = `/${h.name.replace(/^\.?\//, '').replace(/\/$/, '')}`;
    const kind = h.type === 'file' ? 'FILE' : h.type === 'directory' ? 'DIRECTORY' : h.type === 'symlink' ? 'SYMLINK' : h.type === 'link' ? 'HARDLINK' : 'OTHER';
    const linkTarget = kind === 'HARDLINK' ? `/${(h.linkname ?? '').replace(/^\.?\//, '')}` : kind === 'SYMLINK' ? h.linkname ?? null : null;
    if (p !== '/') rows.push({ path: p, kind, size: kind === 'FILE' ? h.size ?? 0 : 0, mode: (h.mode ?? 0) & 0o7777, linkTarget });
    stream.on('end', next);
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => { ex.on('finish', resolve); ex.on('error', reject); Readable.from([tar]).pipe(ex); });
  return rows;
}

describeWithPeers(['docker'])('DOCKER accounting against Docker Engine', () => {
  jest.setTimeout(300000); // a shared, loaded machine: builds and the Engine take their time
  const base = `${unique('base')}:1`;
  const child = `${unique('child')}:1`;
  const container = unique('run');
  const created = unique('created');
  const committed = `${unique('commit')}:1`;
  let dir: string;
  let db: string;
  let childId: string;
  let baseId: string;

  beforeAll(() => {
    dir = tempDir();
    db = path.join(dir, 'strata.db');
    baseId = build(base, BASE_DOCKERFILE);
    childId = build(child, childDockerfile(base, child));
    const tar = path.join(dir, 'images.tar');
    docker(['save', '-o', tar, base, child]);
    const r = strata(['import', tar, '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 180000);

  afterAll(() => {
    cleanup({ containers: [container, created], images: [committed, child, base] });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const q = (doc: string, variables: Record<string, unknown> = {}) =>
    strataJson(['query', doc, '--db', db, '--variables', JSON.stringify(variables)]).data;

  test('image IDs, RootFS.Layers and Size equal docker image inspect; CONTENT differs by the symlink bytes', async () => {
    for (const [ref, id] of [[base, baseId], [child, childId]] as const) {
      const inspect = await engineGet(`/images/${encodeURIComponent(ref)}/json`);
      const img = q(`query($r: String!) { image(ref: $r) { imageId size content: size(accounting: CONTENT) docker: size(accounting: DOCKER) layers { diffId } } }`, { r: ref }).image;
      expect(img.imageId).toBe(id);
      expect(img.layers.map((l: any) => l.diffId)).toEqual(inspect.RootFS.Layers);
      expect(img.docker).toBe(inspect.Size);
      expect(img.size).toBe(img.content);
      expect(img.content).toBeLessThan(inspect.Size); // the applet symlinks are not content
    }
  });

  test('strata df --format json equals /system/df for these images (Size, SharedSize)', async () => {
    const engine = await engineGet('/system/df');
    const ours = strataJson(['df', '--format', 'json', '--db', db]);
    for (const id of [baseId, childId]) {
      const e = engine.Images.find((i: any) => i.Id === id);
      const s = ours.Images.find((i: any) => i.Id === id);
      expect({ Size: s.Size, SharedSize: s.SharedSize }).toEqual({ Size: e.Size, SharedSize: e.SharedSize });
    }
    const storage = q('{ storage(accounting: DOCKER) { images { image { imageId } uniqueSize } } }').storage;
    const childEngine = engine.Images.find((i: any) => i.Id === childId);
    expect(storage.images.find((i: any) => i.image.imageId === childId).uniqueSize).toBe(childEngine.Size - childEngine.SharedSize);
  });

  test('strata history --format json equals /images/{id}/history (CreatedBy and Size per step, newest first)', async () => {
    const engine = await engineGet(`/images/${childId}/history`);
    const ours = strataJson(['history', child, '--format', 'json', '--db', db]);
    expect(ours.map((h: any) => [h.CreatedBy, h.Size])).toEqual(engine.map((h: any) => [h.CreatedBy, h.Size]));
    expect(ours[0].Id).toBe(childId);
    const table = strata(['history', child, '--db', db]);
    const dockerTable = docker(['history', child]);
    // CREATED BY, SIZE, COMMENT, from where each table's own header puts them: IMAGE differs, and CREATED ("About a
    // minute ago" vs "2 minutes ago") may differ in width when the two commands run either side of a boundary.
    const cols = (t: string) => {
      const lines = t.trim().split('\n');
      const at = lines[0]!.indexOf('CREATED BY');
      return lines.map((l) => l.slice(at));
    };
    expect(cols(table.stdout)).toEqual(cols(dockerTable).map((l) => l));
  });

  test('the merged view equals docker export of a created container', async () => {
    docker(['create', '--network', 'none', '--name', created, child, 'true']);
    const tar = spawnSync('docker', ['export', created], { maxBuffer: 1 << 28 }).stdout;
    const engine = (await tarRows(tar)).filter((r) => !ignoredInExport(r.path));
    const files = q(`query($r: String!) { image(ref: $r) { files(path: "/", recursive: true, first: 1000) { totalCount edges { node { path kind size mode linkTarget } } } } }`, { r: child }).image.files;
    const ours: TarRow[] = files.edges.map((e: any) => e.node).map((n: any) => ({
      path: n.path, kind: n.kind, size: n.kind === 'FILE' ? n.size : 0, mode: n.mode & 0o7777, linkTarget: n.linkTarget,
    }));
    const hasEtc = ours.some((r) => r.path === '/etc');
    const byPath = (a: TarRow, b: TarRow) => (a.path < b.path ? -1 : 1);
    expect(engine.filter((r) => hasEtc || r.path !== '/etc').sort(byPath)).toEqual(ours.sort(byPath));
  });

  test('a container that wrote, chmod-ed and deleted files: docker diff, docker ps -s and docker commit', async () => {
    docker(['run', '--network', 'none', '--name', container, child, 'sh', '-c',
      'echo abcdefghij > /data/new && chmod 644 /data/keep/b && rm /data/lnk && ln -s /x/yz /data/sl && mkdir /data/dd && echo q > /data/dd/f && ln /data/new /data/new2 && rm -rf /data/opq']);
    const engineDiff = (await engineGet(`/containers/${container}/changes`)) as { Path: string; Kind: number }[];
    const [ps] = await engineGet(`/containers/json?all=1&size=1&filters=${encodeURIComponent(JSON.stringify({ name: [container] }))}`);
    const changes = [
      { change: 'ADDED', path: '/data/new', kind: 'FILE', size: 11 },
      { change: 'MODIFIED', path: '/data/keep/b', mode: 0o644 },
      { change: 'DELETED', path: '/data/lnk' },
      { change: 'ADDED', path: '/data/sl', kind: 'SYMLINK', linkTarget: '/x/yz' },
      { change: 'ADDED', path: '/data/dd', kind: 'DIRECTORY' },
      { change: 'ADDED', path: '/data/dd/f', kind: 'FILE', size: 2 },
      { change: 'ADDED', path: '/data/new2', kind: 'HARDLINK', linkTarget: '/data/new' },
      { change: 'DELETED', path: '/data/opq' },
    ];
    const c = q(`mutation($img: String!) { createContainer(image: $img) { id } }`, { img: child }).createContainer;
    const after = q(`mutation($c: String!, $ch: [FileChange!]!) { changeFiles(container: $c, changes: $ch) {
      changes { kind path } size(accounting: DOCKER) virtualSize(accounting: DOCKER) } }`, { c: c.id, ch: changes }).changeFiles;
    const letter = ['C', 'A', 'D'];
    expect(after.changes.map((x: any) => `${x.kind} ${x.path}`).sort()).toEqual(engineDiff.map((x) => `${letter[x.Kind]} ${x.Path}`).sort());
    expect({ SizeRw: after.size, SizeRootFs: after.virtualSize }).toEqual({ SizeRw: ps.SizeRw, SizeRootFs: ps.SizeRootFs });

    docker(['commit', container, committed]);
    const [top] = await engineGet(`/images/${encodeURIComponent(committed)}/history`);
    const commit = q(`mutation($c: String!) { commitContainer(container: $c) { layer { size(accounting: DOCKER) } image { size(accounting: DOCKER) } } }`, { c: c.id }).commitContainer;
    expect(commit.layer.size).toBe(top.Size);
    const inspect = await engineGet(`/images/${encodeURIComponent(committed)}/json`);
    expect(commit.image.size).toBe(inspect.Size);
  });
});
