/**
 * Test images built by the real Docker Engine, FROM scratch on the static
 * busybox (no network, no registry): `docker build --network none`, then
 * `docker save`. Callers skip through describeWithPeers(['docker']) first.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p)) ?? '/bin/busybox';

export function sh(cmd: string, args: string[], opts: { input?: string | Buffer; cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, cwd: opts.cwd, maxBuffer: 64 << 20, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Builds `tag` from RUN steps (busybox sh -c each) and saves it to `<dir>/<name>.tar`. */
export function buildAndSave(dir: string, tag: string, runs: string[]): string {
  const ctx = fs.mkdtempSync(path.join(dir, 'ctx-'));
  fs.copyFileSync(BUSYBOX, path.join(ctx, 'busybox'));
  const lines = ['FROM scratch', 'COPY busybox /bin/busybox', ...runs.map((r) => `RUN ["/bin/busybox", "sh", "-c", ${JSON.stringify(r)}]`)];
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), `${lines.join('\n')}\n`);
  sh('docker', ['build', '-q', '--network', 'none', '-t', tag, ctx]);
  const out = path.join(dir, `${tag.replace(/[^a-z0-9]+/gi, '-')}.tar`);
  sh('docker', ['save', '-o', out, tag]);
  return out;
}

export function dockerRmi(...refs: string[]): void {
  spawnSync('docker', ['rmi', '-f', ...refs], { stdio: 'ignore' });
}
