/**
 * `strata watch docker://HOST[/REPO]` against Distribution (issue 18): a new
 * tag is pulled, a moved tag is a tag move with its previous image, a deleted
 * tag is an untag; the cursor is the log, so running it again repeats nothing.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { describeWithPeers } from '../helpers/peers';
import { skopeo, startRegistry, type TestRegistry } from '../helpers/registry';
import { buildImage, indexJson, manifestDescriptor, ociLayout, writeDir, type BuiltImage } from '../helpers/archiveBuilder';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const ok = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
  if (r.status !== 0) throw new Error(`strata ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

describeWithPeers(['registry', 'skopeo'])('strata watch docker://: polling a registry\'s tags', () => {
  let dir: string;
  let reg: TestRegistry;
  let H: string;
  let db: string;
  let v1: BuiltImage;
  let v2: BuiltImage;
  const push = (img: BuiltImage, dest: string) => {
    const layout = path.join(dir, `layout-${Math.random().toString(36).slice(2)}`);
    writeDir(layout, ociLayout([img], indexJson([manifestDescriptor(img, { annotations: { 'org.opencontainers.image.ref.name': 't' } })])));
    skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'tester:s3cret', `oci:${layout}:t`, `docker://${H}/${dest}`]);
  };
  const watch = (src: string) => ok(['watch', src, '--once', '--db', db, '--creds', 'tester:s3cret', '--tls-verify=false']);
  const query = (doc: string) => JSON.parse(ok(['query', doc, '--db', db])).data;

  beforeAll(async () => {
    dir = tempDir('strata-watch-');
    reg = await startRegistry(path.join(dir, 'registry'), { htpasswd: { user: 'tester', pass: 's3cret' } });
    H = reg.host;
    db = path.join(dir, 'data', 'strata.db');
    v1 = await buildImage({ layers: [{ entries: [{ name: 'v', content: 'one' }], compression: 'gzip' }] });
    v2 = await buildImage({ layers: [{ entries: [{ name: 'v', content: 'two' }], compression: 'gzip' }] });
  }, 60_000);
  afterAll(async () => { await reg?.stop(); });

  it('pulls a new tag, moves a moved tag, untags a deleted one, and repeats nothing', () => {
    push(v1, 'app:1');
    push(v1, 'other:a');
    expect(watch(`docker://${H}`)).toBe(`pulled ${H}/app:1 ${v1.manifestDigest}\npulled ${H}/other:a ${v1.manifestDigest}\n`);
    const head = query('{ head }').head;
    expect(watch(`docker://${H}/app`)).toBe('');
    expect(query('{ head }').head).toBe(head);
    push(v2, 'app:1');
    expect(watch(`docker://${H}/app`)).toBe(`moved ${H}/app:1 ${v2.manifestDigest}\n`);
    expect(query(`{ tag(name: "${H}/app:1") { history { from { imageId } to { imageId } } } }`).tag.history)
      .toEqual([{ from: null, to: { imageId: v1.configDigest } }, { from: { imageId: v1.configDigest }, to: { imageId: v2.configDigest } }]);
    skopeo(['delete', '--tls-verify=false', '--creds', 'tester:s3cret', `docker://${H}/app:1`]);
    expect(watch(`docker://${H}/app`)).toBe(`untagged ${H}/app:1\n`);
    expect(watch(`docker://${H}/app`)).toBe('');
  }, 180_000);
});
