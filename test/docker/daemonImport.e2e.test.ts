/**
 * `strata import docker-daemon:NAME[:TAG]` against a real Docker Engine: the
 * image arrives as the Engine has it (ID, DiffIDs, tag), layers Strata already
 * holds are not recorded again, $DOCKER_HOST reaches the Engine over unix and
 * tcp, and the faults a user meets (no daemon, no such image) are one line
 * with nothing appended.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describeWithPeers } from '../helpers/peers';
import { tempDir } from '../helpers/backends';
import {
  BASE_DOCKERFILE, build, childDockerfile, cleanup, engineGet, engineSocket, strata, strataAsync, strataJson, unique,
} from '../helpers/dockerEngine';

describeWithPeers(['docker'])('strata import docker-daemon:', () => {
  jest.setTimeout(300000); // a shared, loaded machine: builds and the Engine take their time
  const base = `${unique('dbase')}:1`;
  const child = `${unique('dchild')}:2`;
  let dir: string;
  let db: string;
  let childId: string;
  const head = () => strataJson(['query', '{ head }', '--db', db]).data.head as number;

  beforeAll(() => {
    dir = tempDir();
    db = path.join(dir, 'strata.db');
    build(base, BASE_DOCKERFILE);
    childId = build(child, childDockerfile(base, child));
  }, 180000);

  afterAll(() => {
    cleanup({ images: [child, base] });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('imports the image as the Engine has it: ID, DiffIDs, tag; its blobs are kept', async () => {
    const r = strata(['import', `docker-daemon:${child}`, '--db', db, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.images).toHaveLength(1);
    expect(summary.images[0]).toMatchObject({ imageId: childId, tags: [child], status: 'imported' });
    const inspect = await engineGet(`/images/${encodeURIComponent(child)}/json`);
    const img = strataJson(['query', `query($r: String!) { image(ref: $r) { imageId exportable size(accounting: DOCKER) layers { diffId } } }`, '--db', db, '--variables', JSON.stringify({ r: child })]).data.image;
    expect(img).toEqual({ imageId: inspect.Id, exportable: true, size: inspect.Size, layers: inspect.RootFS.Layers.map((diffId: string) => ({ diffId })) });
  });

  test('layers already held are recognised: the base adds no layer, only its image and tag', () => {
    const before = head();
    const summary = strataJson(['import', `docker-daemon:${base}`, '--db', db, '--json']);
    expect(summary.images[0]).toMatchObject({ status: 'imported', newLayers: 0 });
    expect(head() - before).toBe(2); // ImageCommitted + TagMoved
    const again = strataJson(['import', `docker-daemon:${child}`, '--db', db, '--json']);
    expect(again).toMatchObject({ appended: 0 });
  });

  test('an image the Engine does not have: NOT_FOUND, one line, nothing appended', () => {
    const before = head();
    const r = strata(['import', `docker-daemon:${unique('absent')}:1`, '--db', db]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^strata: not found: no image "strata-docker-test-absent-[^"]+:1" in the Docker Engine at unix:\/\/\S+\n$/);
    expect(head()).toBe(before);
  });

  test('no daemon: one line naming the socket, nothing appended', () => {
    const before = head();
    const sock = path.join(dir, 'no-docker.sock');
    const r = strata(['import', `docker-daemon:${child}`, '--db', db], { DOCKER_HOST: `unix://${sock}` });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`strata: cannot reach a Docker Engine at unix://${sock} (ENOENT): is dockerd running? (set DOCKER_HOST to use another)\n`);
    expect(head()).toBe(before);
  });

  test('DOCKER_HOST=tcp://HOST:PORT reaches the Engine over TCP (the API version negotiated)', async () => {
    const requests: string[] = [];
    const proxy = net.createServer((client) => {
      const upstream = net.connect(engineSocket());
      client.on('data', (chunk) => requests.push(...(chunk.toString('latin1').match(/^(GET|POST|HEAD) \S+ HTTP\/1\.1/gm) ?? [])));
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as net.AddressInfo).port;
    const db2 = path.join(dir, 'tcp.db');
    try {
      const r = await strataAsync(['import', `docker-daemon:${child}`, '--db', db2, '--json'], { DOCKER_HOST: `tcp://127.0.0.1:${port}` });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).images[0].imageId).toBe(childId);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
    const version = (await engineGet('/version')).ApiVersion as string;
    expect(requests[0]).toMatch(/^GET \/version HTTP/);
    expect(requests).toContainEqual(expect.stringMatching(new RegExp(`^GET /v${version.replace('.', '\\.')}/images/.+/get HTTP`)));
  });
});
