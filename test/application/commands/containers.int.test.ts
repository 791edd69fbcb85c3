/**
 * Containers through the real schema on every backend: copy-on-write file
 * changes (a modified image file is copied up whole, docs/domain.md §3), docker
 * diff, RW and virtual sizes, docker commit, and removeImage refused while a
 * container uses the image unless forced (Docker's "image is being used").
 */
import { backendNames } from '../../helpers/backends';
import { openTestApp, type TestApp } from '../../helpers/app';
import { removeImage } from '../../../src/application/commands/removeImage';
import { containerQueryResolvers } from '../../../src/graphql/resolvers/mutations';
import { createContext } from '../../../src/graphql/resolvers/context';
import { containerStateOf } from '../../../src/application/commands/ports';
import { foldContainer } from '../../../src/domain/container/state';
import type { DomainEvent } from '../../../src/domain/events';
import { BASE1_LAYER, BASE1_SIZE, imageOf, seed } from './seed';

const FIELDS = 'id name imageId image { imageId } changes { kind path } size virtualSize copiedUpBytes version removed';
const CHANGE = `mutation($c: String!, $changes: [FileChange!]!, $k: String) { changeFiles(container: $c, changes: $changes, idempotencyKey: $k) { ${FIELDS} } }`;
const WRITE = `mutation($c: String!, $change: FileChange!) { writeFile(container: $c, change: $change) { ${FIELDS} } }`;

describe.each(backendNames())('containers on %s', (backend) => {
  let t: TestApp;
  let baseId: string;
  let id: string;
  beforeAll(async () => {
    t = await openTestApp(backend);
    const base = imageOf('base:1', [BASE1_LAYER]);
    baseId = base.imageId;
    await seed(t.app, [base]);
  });
  afterAll(async () => t.close());
  const head = () => t.app.store.head();
  const codes = (r: { errors?: readonly any[] }) => r.errors?.map((e) => e.code);

  it('creates a container with an empty RW layer', async () => {
    const c = (await t.gql(`mutation { createContainer(image: "base:1", name: "web") { ${FIELDS} } }`)).createContainer;
    id = c.id;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(c).toMatchObject({ name: 'web', imageId: baseId, image: { imageId: baseId }, changes: [], size: 0, virtualSize: BASE1_SIZE, copiedUpBytes: 0, version: 1, removed: false });
    expect(codes(await t.gqlRaw('mutation { createContainer(image: "base:1", name: "web") { id } }'))).toEqual(['CONFLICT']);
    expect(codes(await t.gqlRaw('mutation { createContainer(image: "nope:1") { id } }'))).toEqual(['NOT_FOUND']);
  });

  it('writes, modifies (copy-up) and deletes; docker diff and sizes follow', async () => {
    const changes = [
      { change: 'MODIFIED', path: '/etc/passwd', kind: 'FILE', mode: 0o600 },
      { change: 'ADDED', path: '/app/new/deep.txt', kind: 'FILE', size: 30 },
      { change: 'DELETED', path: '/app/sub' },
    ];
    const c = (await t.gql(CHANGE, { c: 'web', k: `chg-${backend}`, changes })).changeFiles;
    expect(c.changes).toEqual([
      { kind: 'C', path: '/app' }, { kind: 'A', path: '/app/new' }, { kind: 'A', path: '/app/new/deep.txt' },
      { kind: 'D', path: '/app/sub' }, { kind: 'C', path: '/etc' }, { kind: 'C', path: '/etc/passwd' },
    ]);
    expect(c).toMatchObject({ size: 130, virtualSize: BASE1_SIZE + 130, copiedUpBytes: 100, version: 5 });
    const h = await head();
    expect((await t.gql(CHANGE, { c: 'web', k: `chg-${backend}`, changes })).changeFiles).toEqual(c); // a retry: the first answer
    // The same key with other input is another request (issue 15 item 6).
    expect(codes(await t.gqlRaw(CHANGE, { c: 'web', k: `chg-${backend}`, changes: [] }))).toEqual(['CONFLICT']);
    expect(await head()).toBe(h);
    const after = (await t.gql(WRITE, { c: id, change: { change: 'DELETED', path: '/app/new/deep.txt' } })).writeFile;
    expect(after.changes.map((l: any) => `${l.kind} ${l.path}`)).toEqual(['C /app', 'A /app/new', 'D /app/sub', 'C /etc', 'C /etc/passwd']);
    expect(after).toMatchObject({ size: 100, copiedUpBytes: 100 });
  });

  it('refuses bad changes, and a batch with one bad change applies none', async () => {
    const h = await head();
    expect(codes(await t.gqlRaw(WRITE, { c: 'web', change: { change: 'ADDED', path: '/etc/passwd', kind: 'FILE' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gqlRaw(WRITE, { c: 'web', change: { change: 'MODIFIED', path: '/app/sub/b.txt', kind: 'FILE' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gqlRaw(WRITE, { c: 'nobody', change: { change: 'DELETED', path: '/etc' } }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gqlRaw(CHANGE, { c: 'web', changes: [
      { change: 'ADDED', path: '/ok.txt', kind: 'FILE', size: 1 }, { change: 'ADDED', path: '/ok.txt/x', kind: 'FILE' }] }))).toEqual(['BAD_USER_INPUT']);
    expect(await head()).toBe(h);
  });

  it('refuses to remove an image a container uses, unless forced', async () => {
    const h = await head();
    expect(codes(await t.gqlRaw('mutation { removeImage(ref: "base:1") { freedBytes } }'))).toEqual(['CONFLICT']);
    await expect(removeImage(t.app, { ref: 'base:1' }, { actor: 'test' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await head()).toBe(h);
  });

  it('commits the RW layer as a new image on the container\'s image', async () => {
    const { commitContainer: r } = await t.gql(`mutation { commitContainer(container: "web", tag: "web:1", expectedVersion: 0, createdBy: "docker commit") {
      image { imageId size parent { imageId } passwd: file(path: "/etc/passwd") { size mode layerIndex } sub: file(path: "/app/sub") { path }
        newdir: file(path: "/app/new") { kind } } layer { index size } event { type } } }`);
    expect(r.image.parent.imageId).toBe(baseId);
    expect(r.layer).toEqual({ index: 1, size: 100 });
    expect(r.image.size).toBe(BASE1_SIZE + 100);
    expect(r.image).toMatchObject({ passwd: { size: 100, mode: 0o600, layerIndex: 1 }, sub: null, newdir: { kind: 'DIRECTORY' } });
    expect(r.event.type).toBe('ImageCommitted');
    const ctx = createContext(t.app, { actor: null, canWrite: false });
    const c = await containerQueryResolvers.container(null, { id: 'web' }, ctx);
    expect(c).toMatchObject({ version: 7, size: 100 }); // + the ContainerCommitted event
    expect((await containerQueryResolvers.containers(null, {}, ctx)).map((x) => x.id)).toEqual([id]);
    // The state rebuilt from the read model is the decider's own fold of the stream.
    const model = await t.app.models.current();
    const stream = await t.app.store.readStream(`container:${id}`);
    expect(containerStateOf(model, model.containers.get(id))).toEqual(foldContainer(stream.map((e) => ({ type: e.type, data: e.data }) as DomainEvent)));
  });

  it('removes a container; a forced image removal leaves containers without an image', async () => {
    const rm = (await t.gql(`mutation { removeContainer(container: "web") { ${FIELDS} } }`)).removeContainer;
    expect(rm).toMatchObject({ id, removed: true });
    expect(codes(await t.gqlRaw(WRITE, { c: id, change: { change: 'DELETED', path: '/etc' } }))).toEqual(['NOT_FOUND']);
    const other = (await t.gql('mutation { createContainer(image: "web:1") { id } }')).createContainer.id;
    await expect(removeImage(t.app, { ref: 'web:1' }, { actor: 'test' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const r = await removeImage(t.app, { ref: 'web:1', force: true }, { actor: 'test' });
    expect(r.freedBytes).toBe(100);
    const c = await containerQueryResolvers.container(null, { id: other }, createContext(t.app, { actor: null, canWrite: false }));
    expect(c).toMatchObject({ image: null, removed: false });
    expect(codes(await t.gqlRaw(`mutation { commitContainer(container: "${other}") { image { imageId } } }`))).toEqual(['NOT_FOUND']);
  });
});
