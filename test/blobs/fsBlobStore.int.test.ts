/**
 * The filesystem blob store (src/blobs/fsBlobStore.ts): an OCI layout, atomic
 * and verified writes, dedup, verified reads, and gc that spares live sessions.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FsBlobStore, BlobDamagedError } from '../../src/blobs';
import { tempDir } from '../helpers/backends';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
async function readStream(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('FsBlobStore', () => {
  let dir: string;
  let store: FsBlobStore;
  beforeEach(() => { dir = tempDir(); store = new FsBlobStore(path.join(dir, 'blobs')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lays blobs out as an OCI image layout and reads them back verified', async () => {
    const s = await store.session();
    const bytes = Buffer.from('hello layer');
    const info = await s.write([bytes.subarray(0, 5), bytes.subarray(5)]);
    await s.close();
    expect(info).toEqual({ digest: sha(bytes), size: bytes.length });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'blobs', 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'blobs', 'index.json'), 'utf8')).schemaVersion).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'blobs', 'blobs', 'sha256', info.digest.slice(7)))).toEqual(bytes);
    expect(await readStream(store.read(info.digest))).toEqual(bytes);
    expect(await store.stat(info.digest)).toBe(bytes.length);
    expect(await store.stat(sha('absent'))).toBeNull();
    // Nothing of the session is left behind.
    expect(fs.readdirSync(path.join(dir, 'blobs', '.ingest'))).toEqual([]);
  });

  it('refuses bytes that do not match the expected digest and publishes nothing', async () => {
    const s = await store.session();
    await expect(s.put(Buffer.from('abc'), { digest: sha('abd') })).rejects.toThrow(/does not match/);
    await s.close();
    expect(await store.stat(sha('abc'))).toBeNull();
    expect(await store.stat(sha('abd'))).toBeNull();
  });

  it('deduplicates: a second write of the same bytes keeps one file', async () => {
    const s = await store.session();
    const a = await s.put(Buffer.from('same'));
    const b = await s.put(Buffer.from('same'));
    await s.close();
    expect(a).toEqual(b);
    expect(fs.readdirSync(path.join(dir, 'blobs', 'blobs', 'sha256'))).toHaveLength(1);
  });

  it('a damaged blob fails the read, and verify names what its bytes hash to', async () => {
    const s = await store.session();
    const { digest } = await s.put(Buffer.from('pristine bytes'));
    await s.close();
    fs.writeFileSync(path.join(dir, 'blobs', 'blobs', 'sha256', digest.slice(7)), 'tampered bytes');
    await expect(readStream(store.read(digest))).rejects.toBeInstanceOf(BlobDamagedError);
    await expect(store.readAll(digest)).rejects.toThrow(digest);
    expect(await store.verify(digest)).toBe(sha('tampered bytes'));
  });

  it('gc removes unreferenced blobs but never one a live session wrote', async () => {
    const old = await store.session();
    const gone = await old.put(Buffer.from('unreferenced'));
    const kept = await old.put(Buffer.from('referenced'));
    await old.close();
    // Age the finished blobs, as if written long before the live session began.
    const past = new Date(Date.now() - 60_000);
    for (const d of [gone, kept]) fs.utimesSync(path.join(dir, 'blobs', 'blobs', 'sha256', d.digest.slice(7)), past, past);
    const live = await store.session();
    const inFlight = await live.put(Buffer.from('written by an import that has not appended yet'));
    const dry = await store.collect(async () => new Set([kept.digest]), { dryRun: true });
    expect(dry.removed.map((b) => b.digest)).toEqual([gone.digest]);
    expect(await store.stat(gone.digest)).not.toBeNull();
    const r = await store.collect(async () => new Set([kept.digest]));
    expect(r.removed.map((b) => b.digest)).toEqual([gone.digest]);
    expect(await store.stat(gone.digest)).toBeNull();
    expect(await store.stat(kept.digest)).not.toBeNull();
    expect(await store.stat(inFlight.digest)).not.toBeNull();
    await live.close();
  });

  it('a session that only touches a blob is live from that touch: gc keeps the blob until it closes', async () => {
    const old = await store.session();
    const reused = await old.put(Buffer.from('a dedup hit of a later commit'));
    const other = await old.put(Buffer.from('nobody touches this one'));
    await old.close();
    const past = new Date(Date.now() - 60_000);
    for (const d of [reused, other]) fs.utimesSync(path.join(dir, 'blobs', 'blobs', 'sha256', d.digest.slice(7)), past, past);
    const commit = await store.session();
    await commit.touch(reused.digest);
    const r = await store.collect(async () => new Set());
    expect(r.removed.map((b) => b.digest)).toEqual([other.digest]);
    expect(await store.stat(reused.digest)).toBe(reused.size);
    await commit.close();
    expect(fs.readdirSync(path.join(dir, 'blobs', '.ingest'))).toEqual([]);
    // Closed, the session protects nothing: what kept the blob was the session, not its fresh mtime.
    const after = await store.collect(async () => new Set());
    expect(after.removed.map((b) => b.digest)).toEqual([reused.digest]);
  });

  it('a session that neither writes nor touches leaves no directory or lease, and closes cleanly', async () => {
    const s = await store.session();
    expect(await store.stat(sha('never stored'))).toBeNull();
    expect(fs.readdirSync(path.join(dir, 'blobs', '.ingest'))).toEqual([]);
    await s.close();
    expect(fs.readdirSync(path.join(dir, 'blobs', '.ingest'))).toEqual([]);
  });

  it('removes a started session whole, temp files of unfinished writers included', async () => {
    const s = await store.session();
    const w = await s.writer();
    await w.write(Buffer.from('half'));
    const ingest = path.join(dir, 'blobs', '.ingest');
    const [sessionDir] = fs.readdirSync(ingest);
    expect(fs.readdirSync(path.join(ingest, sessionDir!)).sort()).toHaveLength(2); // the lease and the temp file
    fs.writeFileSync(path.join(ingest, sessionDir!, 'stray'), 'left by someone'); // rmdir alone would refuse
    await s.close();
    expect(fs.readdirSync(ingest)).toEqual([]);
  });

  it('a session whose process died is dead: gc removes its temp files', async () => {
    const ingest = path.join(dir, 'blobs', '.ingest');
    await (await store.session()).close(); // creates the layout
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1000)']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    const dead = path.join(ingest, `dead-${pid}`);
    fs.mkdirSync(dead);
    fs.writeFileSync(path.join(dead, 'lease'), JSON.stringify({ host: require('node:os').hostname(), pid, started: Date.now() - 1000 }));
    fs.writeFileSync(path.join(dead, 'partial'), 'half a blob');
    const r = await store.collect(async () => new Set());
    expect(r.leftovers).toBe(1);
    expect(fs.existsSync(dead)).toBe(false);
  });
});
