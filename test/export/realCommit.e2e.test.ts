/**
 * Commits, container commits and rebases make real layers (issue 17): the
 * committed image, exported and loaded into a real Docker Engine, runs and
 * shows the committed bytes; a chmod is copied up from the lower layer's blob;
 * a rebase reuses the tag's own layer blobs on the new base; umoci unpacks a
 * committed image to exactly Strata's merged view.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { describeWithPeers } from '../helpers/peers';
import { buildAndSave, dockerRmi, sh } from '../helpers/busyboxImage';
import { gqlHttp, startServerProcess } from '../helpers/serverProcess';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const strata = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
const id = process.pid;
const BASE1 = `strata-rc-base:1-${id}`;
const BASE2 = `strata-rc-base:2-${id}`;
const APP = `strata-rc-app:1-${id}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

describeWithPeers(['docker', 'umoci'])('real layers with Docker Engine and umoci', () => {
  let dir: string;
  let db: string;
  const loaded: string[] = [];
  const q = (doc: string, variables?: unknown) => {
    const r = strata(['query', doc, '--db', db, ...(variables ? ['--variables', JSON.stringify(variables)] : [])]);
    return JSON.parse(r.stdout) as { data?: any; errors?: { message: string; extensions: { code: string } }[] };
  };
  /** Exports, loads into Docker Engine and runs `sh -c cmd` in the image. */
  const runExported = (ref: string, cmd: string): string => {
    const name = `strata-rc-out:${loaded.length}-${id}`;
    const out = path.join(dir, `${loaded.length}.tar`);
    const e = strata(['export', ref, `docker-archive:${out}:${name}`, '--db', db]);
    if (e.status !== 0) throw new Error(e.stderr);
    sh('docker', ['load', '-i', out]);
    loaded.push(name);
    return sh('docker', ['run', '--rm', '--network', 'none', name, '/bin/busybox', 'sh', '-c', cmd]);
  };

  beforeAll(() => {
    dir = tempDir();
    db = path.join(dir, 'data', 'strata.db');
    buildAndSave(dir, BASE1, ['echo one > /base.txt && echo lower > /chmod-me && /bin/busybox chmod 644 /chmod-me && /bin/busybox mkdir -p /opq && echo a > /opq/a && echo b > /opq/b']);
    const ctx = fs.mkdtempSync(path.join(dir, 'app-'));
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${BASE1}\nRUN ["/bin/busybox", "sh", "-c", "echo app > /app.txt"]\n`);
    sh('docker', ['build', '-q', '--network', 'none', '-t', APP, ctx]);
    buildAndSave(dir, BASE2, ['echo two > /base.txt']);
    const all = path.join(dir, 'all.tar');
    sh('docker', ['save', '-o', all, BASE1, APP, BASE2]);
    const r = strata(['import', all, '--db', db]);
    if (r.status !== 0) throw new Error(r.stderr);
  });
  afterAll(() => { dockerRmi(BASE1, BASE2, APP, ...loaded); fs.rmSync(dir, { recursive: true, force: true }); });

  it('commit with contentBase64: docker run prints the committed bytes; chmod copies up; deletion and opaque directory apply', () => {
    const r = q(`mutation($c: [FileChange!]!) { commit(input: { image: "${BASE1}", tag: "strata-rc-commit:1", changes: $c }) {
      image { exportable manifestDigest } layer { diffId digest mediaType } } }`, { c: [
      { change: 'ADDED', path: '/etc/greeting', kind: 'FILE', contentBase64: b64('committed bytes\n') },
      { change: 'ADDED', path: `/deep/${'x'.repeat(120)}/név.txt`, kind: 'FILE', contentBase64: b64('pax\n') },
      { change: 'MODIFIED', path: '/chmod-me', mode: 0o600 },
      { change: 'DELETED', path: '/base.txt' },
      { change: 'MODIFIED', path: '/opq', opaque: true },
      { change: 'ADDED', path: '/opq/c', kind: 'FILE', contentBase64: b64('c\n') },
    ] });
    expect(r.errors).toBeUndefined();
    expect(r.data.commit.image.exportable).toBe(true);
    expect(r.data.commit.layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    const out = runExported('strata-rc-commit:1', `cat /etc/greeting /chmod-me /deep/*/* && stat -c %a /chmod-me && ls /opq && ls / | grep -c base.txt || true`);
    expect(out).toBe('committed bytes\nlower\npax\n600\nc\n0\n');
  });

  it('a platform bot patches an image over HTTP (strata serve); the exported image runs with the patch', async () => {
    const server = await startServerProcess(db);
    try {
      const r = await gqlHttp(server.url, `mutation($c: [FileChange!]!) { commit(input: { image: "${BASE1}", tag: "strata-rc-http:1", changes: $c }) {
        image { exportable } } }`, { c: [{ change: 'MODIFIED', path: '/base.txt', contentBase64: b64('patched over HTTP\n') }] });
      expect(r.errors).toBeUndefined();
      expect(r.data.commit.image.exportable).toBe(true);
    } finally {
      await server.stop();
    }
    expect(runExported('strata-rc-http:1', 'cat /base.txt')).toBe('patched over HTTP\n');
  });

  it('a hard link to a file of the parent image: the file is copied up, docker load accepts the layer, both names share one inode', () => {
    const r = q(`mutation { commit(input: { image: "${BASE1}", tag: "strata-rc-hardlink:1", changes: [
      { change: ADDED, path: "/base-link", kind: HARDLINK, linkTarget: "/base.txt" }] }) {
      image { exportable } layer { diffId } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.commit.image.exportable).toBe(true);
    // Docker extracts the layer on its own: without the copied-up target, link(2) fails and the load is refused.
    const out = runExported('strata-rc-hardlink:1', 'cat /base-link; /bin/busybox stat -c %i /base.txt /base-link; /bin/busybox stat -c %h /base.txt');
    const [content, inodeA, inodeB, links] = out.trim().split('\n');
    expect(content).toBe('one');
    expect(inodeA).toBe(inodeB);
    expect(links).toBe('2');
  });

  it('a container commit with content runs in Docker Engine', () => {
    const c = q(`mutation { createContainer(image: "${BASE1}", name: "rc-${id}") { id } }`).data.createContainer.id;
    const ch = q(`mutation { changeFiles(container: "${c}", changes: [{ change: ADDED, path: "/from-container", kind: FILE, contentBase64: "${b64('container bytes\n')}" }]) { id } }`);
    expect(ch.errors).toBeUndefined();
    const cm = q(`mutation { commitContainer(container: "${c}", tag: "strata-rc-ctr:1") { image { exportable } } }`);
    expect(cm.errors).toBeUndefined();
    expect(cm.data.commitContainer.image.exportable).toBe(true);
    expect(runExported('strata-rc-ctr:1', 'cat /from-container')).toBe('container bytes\n');
  });

  it('upgrade onto a new base reuses the own layer blobs with a new config and manifest, and runs', () => {
    const before = q(`{ image(ref: "${APP}") { layers { digest } } }`).data.image.layers;
    const r = q(`mutation { upgrade(input: { tag: "${APP}", onto: "${BASE2}" }) { image { exportable manifestDigest layers { digest } } } }`);
    expect(r.errors).toBeUndefined();
    const after = r.data.upgrade.image;
    expect(after.exportable).toBe(true);
    expect(after.manifestDigest).toMatch(/^sha256:/);
    expect(after.layers[after.layers.length - 1].digest).toBe(before[before.length - 1].digest);
    expect(runExported(APP, 'cat /base.txt /app.txt')).toBe('two\napp\n');
  });

  it('umoci unpack of an exported commit equals the merged view', () => {
    const layout = path.join(dir, 'layout');
    expect(strata(['export', 'strata-rc-commit:1', `oci:${layout}:c`, '--db', db]).status).toBe(0);
    const bundle = path.join(dir, 'bundle');
    sh('umoci', ['unpack', '--rootless', '--image', `${layout}:c`, bundle]);
    const files: string[] = [];
    const walk = (rel: string) => {
      for (const n of fs.readdirSync(path.join(bundle, 'rootfs', rel)).sort()) {
        const p = `${rel}/${n}`;
        const st = fs.lstatSync(path.join(bundle, 'rootfs', p));
        files.push(`${p} ${st.isDirectory() ? 'DIRECTORY' : st.isSymbolicLink() ? 'SYMLINK' : 'FILE'} ${st.isFile() ? st.size : 0} ${(st.mode & 0o7777).toString(8)}`);
        if (st.isDirectory()) walk(p);
      }
    };
    walk('');
    const view = q(`{ image(ref: "strata-rc-commit:1") { files(recursive: true, first: 1000) { edges { node { path kind size mode } } } } }`)
      .data.image.files.edges.map(({ node: n }: any) => `${n.path} ${n.kind} ${n.kind === 'FILE' ? n.size : 0} ${(n.mode & 0o7777).toString(8)}`);
    expect(files.sort()).toEqual(view.sort());
  });

  it('a change without content commits, is not exportable, and export names the path', () => {
    const r = q(`mutation { commit(input: { image: "${BASE1}", tag: "strata-rc-nocontent:1", changes: [{ change: ADDED, path: "/only-size", kind: FILE, size: 10 }] }) { image { exportable } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.commit.image.exportable).toBe(false);
    const e = strata(['export', 'strata-rc-nocontent:1', `oci:${path.join(dir, 'nc')}`, '--db', db]);
    expect(e.status).not.toBe(0);
    expect(e.stderr).toContain('/only-size');
    expect(e.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('bad content is refused with BAD_USER_INPUT and appends nothing; over the cap it points to strata commit --layer', () => {
    const head = q('{ head }').data.head;
    const bad = q(`mutation { commit(input: { image: "${BASE1}", changes: [{ change: ADDED, path: "/x", kind: FILE, contentBase64: "not base64!" }] }) { image { imageId } } }`);
    expect(bad.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/base64/);
    const mismatch = q(`mutation { commit(input: { image: "${BASE1}", changes: [{ change: ADDED, path: "/x", kind: FILE, size: 3, contentBase64: "${b64('four')}" }] }) { image { imageId } } }`);
    expect(mismatch.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const big = spawnSync(process.execPath, [BIN, 'query',
      `mutation { commit(input: { image: "${BASE1}", changes: [{ change: ADDED, path: "/big", kind: FILE, contentBase64: "${b64('x'.repeat(3000))}" }] }) { image { imageId } } }`, '--db', db],
    { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', STRATA_MAX_CONTENT_BYTES: '1000' } });
    const err = JSON.parse(big.stdout).errors[0];
    expect(err.extensions.code).toBe('BAD_USER_INPUT');
    expect(err.message).toContain('strata commit IMAGE --layer');
    expect(q('{ head }').data.head).toBe(head);
  });
});
