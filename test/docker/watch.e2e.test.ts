/**
 * `strata watch docker-daemon:` against a real Docker Engine, reached over TCP
 * through a proxy this suite can cut (the daemon going away and coming back,
 * without restarting the shared dockerd). What the Engine does (tags, a
 * container that writes, chmods and deletes, a commit, removals) is recorded
 * as it happens; after the connection drops, and after the watch itself is
 * stopped and started again, it resumes from the cursor in the log with
 * nothing lost and nothing recorded twice. An image that vanishes before it
 * can be read is recorded as seen, with no half import.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { describeWithPeers } from '../helpers/peers';
import { tempDir } from '../helpers/backends';
import {
  BASE_DOCKERFILE, BIN, build, childDockerfile, cleanup, docker, engineGet, engineSocket, strataJson, unique,
} from '../helpers/dockerEngine';
import { Strata } from '../../src/application/strata';
import { EngineWatcher } from '../../src/application/engineWatch';
import { connectEngine } from '../../src/engine/client';

/** A TCP front for the Engine's socket that can be taken down and brought back on the same port. */
class CuttableProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  async up(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(engineSocket());
      for (const s of [client, upstream]) { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); }
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
    this.server = null;
  }
}

async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 90000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describeWithPeers(['docker'])('strata watch docker-daemon:', () => {
  jest.setTimeout(300000); // a shared, loaded machine: the Engine and the watch take their time
  const base = `${unique('wbase')}:1`;
  const child = `${unique('wchild')}:1`;
  const tag1 = `${unique('wtag')}:1`;
  const tag2 = `${unique('wtag')}:2`;
  const run = unique('wrun');
  const committed = `${unique('wcommit')}:1`;
  const proxy = new CuttableProxy();
  let dir: string;
  let db: string;
  let childId: string;
  let watch: ChildProcess | null = null;
  let stderr = '';

  const q = (doc: string, variables: Record<string, unknown> = {}) =>
    strataJson(['query', doc, '--db', db, '--variables', JSON.stringify(variables)]).data;
  const tagsOf = (ref: string) => q('query($r: String!) { image(ref: $r) { repoTags } }', { r: ref }).image?.repoTags ?? null;
  const observed = () => q('{ events(first: 1000, types: ["EngineEventObserved"]) { edges { node { data } } } }')
    .events.edges.map((e: any) => e.node.data);

  const startWatch = async () => {
    stderr = '';
    watch = spawn(process.execPath, [BIN, 'watch', 'docker-daemon:', '--db', db],
      { env: { ...process.env, LOG_LEVEL: 'silent', DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}` } });
    watch.stderr!.on('data', (c) => { stderr += c; });
    watch.stdout!.on('data', () => undefined);
    await until('the watch to follow the Engine', () => stderr.includes('strata: following'));
  };
  const stopWatch = async () => {
    const w = watch!;
    const code = new Promise<number | null>((resolve) => w.on('exit', resolve));
    w.kill('SIGTERM');
    expect(await code).toBe(0);
    watch = null;
  };

  beforeAll(async () => {
    dir = tempDir();
    db = path.join(dir, 'strata.db');
    build(base, BASE_DOCKERFILE);
    childId = build(child, childDockerfile(base, child));
    await proxy.up();
    await startWatch();
  }, 240000);

  afterAll(async () => {
    if (watch) watch.kill('SIGKILL');
    await proxy.down();
    cleanup({ containers: [run], images: [committed, tag1, tag2, child, base] });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a tag, a container that wrote, chmod-ed and deleted files, and a commit are recorded as they happen', async () => {
    docker(['tag', child, tag1]);
    await until(`${tag1} in Strata`, () => tagsOf(tag1)?.includes(tag1));
    expect(q('query($r: String!) { image(ref: $r) { imageId } }', { r: tag1 }).image.imageId).toBe(childId);
    expect(tagsOf(tag1)).toEqual(expect.arrayContaining([child, tag1])); // the tags it already had come with it

    docker(['run', '--network', 'none', '--name', run, child, 'sh', '-c',
      'echo abcdefghij > /data/new && chmod 644 /data/keep/b && rm /data/lnk && ln -s /x/yz /data/sl && mkdir /data/dd && echo q > /data/dd/f && rm -rf /data/opq']);
    const engineDiff = (await engineGet(`/containers/${run}/changes`)) as { Path: string; Kind: number }[];
    const [ps] = await engineGet(`/containers/json?all=1&size=1&filters=${encodeURIComponent(JSON.stringify({ name: [run] }))}`);
    const letter = ['C', 'A', 'D'];
    const want = engineDiff.map((x) => `${letter[x.Kind]} ${x.Path}`).sort();
    const c = await until('the container mirrored with its changes', () => {
      const found = q(`query($c: String!) { container(id: $c) {
        id name changes { kind path } size(accounting: DOCKER) virtualSize(accounting: DOCKER) } }`, { c: run }).container;
      return found && JSON.stringify(found.changes.map((x: any) => `${x.kind} ${x.path}`).sort()) === JSON.stringify(want) ? found : null;
    });
    expect(c.id).toBe(ps.Id);
    expect({ SizeRw: c.size, SizeRootFs: c.virtualSize }).toEqual({ SizeRw: ps.SizeRw, SizeRootFs: ps.SizeRootFs });

    docker(['commit', run, committed]);
    const committedId = (await engineGet(`/images/${encodeURIComponent(committed)}/json`)).Id;
    await until('the committed image with its tag', () => tagsOf(committed)?.includes(committed));
    expect(q('query($r: String!) { image(ref: $r) { imageId } }', { r: committed }).image.imageId).toBe(committedId);
  });

  test('the Engine going away and coming back: what happened meanwhile is caught up, nothing twice', async () => {
    await proxy.down();
    await until('the watch to notice', () => stderr.includes('strata: disconnected'));
    docker(['tag', child, tag2]);
    docker(['rmi', tag1]);
    await proxy.up();
    await until(`${tag2} recorded and ${tag1} removed`, () => tagsOf(tag2)?.includes(tag2) && !tagsOf(child)?.includes(tag1));
    const seen = observed().map((d: any) => `${d.timeNano}:${d.type}:${d.action}:${d.actorId}`);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test('stopped and started again, the watch resumes from the cursor in the log', async () => {
    await stopWatch();
    docker(['rm', run]);
    await startWatch();
    expect(stderr).toMatch(/from the cursor \d+\.\d{9}/);
    await until('the container removal', () => q('{ containers { name } }').containers.every((x: any) => x.name !== run));
    const seen = observed().map((d: any) => `${d.timeNano}:${d.type}:${d.action}:${d.actorId}`);
    expect(new Set(seen).size).toBe(seen.length);
    expect(strataJson(['verify', '--db', db, '--json']).ok).toBe(true);
  });

  test('an image gone between its event and its export is recorded as seen, with no half import', async () => {
    const db2 = path.join(dir, 'gone.db');
    const app = await Strata.open(db2, { blobs: path.join(dir, 'gone-blobs') });
    try {
      const engine = await connectEngine();
      const watcher = new EngineWatcher(app, engine, 'test-engine', 'test');
      const gone = `${unique('gone')}:1`;
      const event = { Type: 'image', Action: 'pull', Actor: { ID: gone, Attributes: {} }, time: 1, timeNano: 1, timeNanoText: '1000000001' };
      const r = await watcher.record(event);
      expect(r.outcome).toMatch(/^not imported: image .* is gone from the Engine/);
      const events = await app.store.readRange(1);
      expect(events.map((e) => e.type)).toEqual(['EngineEventObserved']);
      expect((await watcher.record(event)).duplicate).toBe(true);
      expect(await app.store.head()).toBe(1);
    } finally {
      await app.close();
    }
  });
});
