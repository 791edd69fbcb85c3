/**
 * Pulls from a registry (issue 18), against Debian's Distribution on loopback
 * with skopeo as the peer, both measured in the same run:
 *  - `strata import docker://…:v1` into an empty ledger vs `skopeo copy
 *    docker://…:v1 oci:DIR:v1` of the same image (wall, median; target ≤ 1.2×);
 *  - the second version (v1 plus one new layer) pulled into that ledger:
 *    bytes Strata fetched / bytes of the layer that is new (target ≤ 1.02:
 *    only the new layer, its config and its manifest cross the wire).
 * The registry and skopeo are the peers; without them the rows say so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BIG, ensureImage } from './generate';
import { loadavg } from 'node:os';
import { compare, type Row } from './table';
import { TarWriter } from './tarWriter';
import { log, median, ROOT, scratch, timedProcess, which, type BenchOptions } from './util';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MB = 1e6;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as net.AddressInfo; s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

async function startRegistry(dir: string): Promise<{ host: string; child: ChildProcess }> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(config, ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'storage')}`,
    'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'));
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/v2/' }, (res) => { res.resume(); resolve(true); }).on('error', () => resolve(false));
    });
    if (up) return { host: `127.0.0.1:${port}`, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('docker-registry did not start');
}

/** v2 of an OCI layout: the same layers plus one new one of `bytes` incompressible bytes. */
function secondVersion(v1: string, v2: string, bytes: number): { layerBytes: number } {
  mkdirSync(join(v2, 'blobs', 'sha256'), { recursive: true });
  for (const f of readdirSync(join(v1, 'blobs', 'sha256'))) copyFileSync(join(v1, 'blobs', 'sha256', f), join(v2, 'blobs', 'sha256', f));
  copyFileSync(join(v1, 'oci-layout'), join(v2, 'oci-layout'));
  const blob = (d: string) => readFileSync(join(v1, 'blobs', 'sha256', d.slice(7)));
  const put = (b: Buffer) => { writeFileSync(join(v2, 'blobs', 'sha256', sha(b).slice(7)), b); return { digest: sha(b), size: b.length }; };
  const index = JSON.parse(readFileSync(join(v1, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString('utf8'));
  const config = JSON.parse(blob(manifest.config.digest).toString('utf8'));
  const tw = new TarWriter();
  tw.file('srv/release-2.bin', randomBytes(bytes));
  const tar = tw.finish();
  const gz = gzipSync(tar, { level: 1 });
  const layer = put(gz);
  config.rootfs.diff_ids.push(sha(tar));
  config.history = [...(config.history ?? []), { created_by: 'COPY release-2.bin /srv/' }];
  const cfg = put(Buffer.from(JSON.stringify(config)));
  manifest.config = { ...manifest.config, ...cfg };
  manifest.layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer });
  const m = put(Buffer.from(JSON.stringify(manifest)));
  writeFileSync(join(v2, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
  return { layerBytes: layer.size };
}

export async function registryBench(opts: BenchOptions): Promise<Row[]> {
  const skopeo = which('skopeo');
  if (!which('docker-registry') || !skopeo) {
    return [{ bench: 'registry', metric: 'pull', value: null, unit: '', note: 'docker-registry or skopeo is not installed: not measured' }];
  }
  const img = await ensureImage(BIG);
  const reg = await startRegistry(scratch('registry'));
  try {
    const v2Dir = scratch('registry-v2');
    const { layerBytes } = secondVersion(img.layoutDir, v2Dir, 8 * MB);
    for (const [dir, tag] of [[img.layoutDir, 'v1'], [v2Dir, 'v2']] as const) {
      const r = await timedProcess([skopeo, '--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `oci:${dir}:latest`,
        `docker://${reg.host}/bench/big:${tag}`]);
      if (r.code !== 0) throw new Error(`skopeo push failed: ${r.stderr.slice(0, 2000)}`);
    }
    const env = { ...process.env, LOG_LEVEL: 'silent', STRATA_INSECURE_REGISTRIES: reg.host };
    const cli = (args: string[]) => timedProcess(['node', join(ROOT, 'bin/strata.js'), ...args], { env });
    const runs = opts.quick ? 1 : 3;
    const ours: number[] = [];
    const theirs: number[] = [];
    const oursCpu: number[] = [];
    const theirsCpu: number[] = [];
    const rss: number[] = [];
    let ratio2 = NaN;
    let fetched2 = 0;
    for (let i = 0; i < runs; i++) {
      log(`registry: pull run ${i + 1}/${runs}`);
      const s = await timedProcess([skopeo, '--insecure-policy', 'copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/bench/big:v1`,
        `oci:${scratch('registry-skopeo')}:v1`]);
      if (s.code !== 0) throw new Error(`skopeo copy failed: ${s.stderr.slice(0, 2000)}`);
      theirs.push(s.wallMs);
      theirsCpu.push(s.cpuMs);
      const db = scratch('registry.db');
      const blobs = scratch('registry-blobs');
      const p = await cli(['import', `docker://${reg.host}/bench/big:v1`, '--db', db, '--blobs', blobs]);
      if (p.code !== 0) throw new Error(`strata pull failed: ${p.stderr.slice(0, 2000)}`);
      ours.push(p.wallMs);
      oursCpu.push(p.cpuMs);
      rss.push(p.maxRssKb / 1024);
      const second = await cli(['import', `docker://${reg.host}/bench/big:v2`, '--db', db, '--blobs', blobs, '--json']);
      if (second.code !== 0) throw new Error(`strata pull of v2 failed: ${second.stderr.slice(0, 2000)}`);
      fetched2 = (JSON.parse(second.stdout) as { fetchedBytes: number }).fetchedBytes;
      ratio2 = fetched2 / layerBytes;
    }
    return [
      compare({ bench: 'registry', metric: 'pull docker:// into an empty ledger (wall)', value: median(ours), unit: 'ms',
        peer: 'skopeo copy docker:// oci:', peerValue: median(theirs), better: 'lower',
        note: `${(img.compressedBytes / MB).toFixed(0)} MB, ${img.spec.layers} layers, loopback Distribution; median of ${runs}` }, 1.2),
      // CPU beside the wall ratio: on a loaded machine the wall is mostly the scheduler's share (bench/RESULTS.md).
      compare({ bench: 'registry', metric: 'pull docker:// into an empty ledger (CPU)', value: median(oursCpu), unit: 'ms',
        peer: 'skopeo copy CPU', peerValue: median(theirsCpu), better: 'lower',
        note: `strata also inflates, hashes and indexes every layer; load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')}` }),
      compare({ bench: 'registry', metric: 'pull: peak RSS', value: Math.max(...rss), unit: 'MB', peer: 'limit', peerValue: 200,
        better: 'lower', target: '<= 200 MB' }, 1),
      compare({ bench: 'registry', metric: 'second version: bytes fetched', value: fetched2, unit: 'B', peer: 'bytes of its new layer',
        peerValue: layerBytes, better: 'lower', note: `ratio ${ratio2.toFixed(4)}: the new layer, its config and manifest only` }, 1.02),
    ];
  } finally {
    reg.child.kill();
  }
}
