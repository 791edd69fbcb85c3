/**
 * The real Docker Engine as the oracle: build small images with the classic
 * builder (no network, FROM scratch on the static busybox), ask the Engine API
 * over its socket, and clean up only what a suite made (every name starts
 * with `strata-docker-test-`, so other users' images are never touched).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { tempDir } from './backends';

export const PREFIX = 'strata-docker-test-';
export const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p)) ?? '/bin/busybox';
export const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');

export function docker(args: string[], input?: string | Buffer): string {
  const r = spawnSync('docker', args, { input, env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

export function strata(args: string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

export function strataJson<T = any>(args: string[], env: Record<string, string> = {}): T {
  const r = strata(args, env);
  if (r.status !== 0) throw new Error(`strata ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** GET on the Engine API through its unix socket. */
export function engineGet<T = any>(apiPath: string): Promise<T> {
  const socketPath = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
  return new Promise((resolve, reject) => {
    http.get({ socketPath, path: apiPath }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if ((res.statusCode ?? 500) >= 400) reject(new Error(`${apiPath}: ${res.statusCode} ${body}`));
        else resolve(JSON.parse(body) as T);
      });
    }).on('error', reject);
  });
}

/** docker build (classic builder, --network none) of a Dockerfile next to a copy of the static busybox. */
export function build(tag: string, dockerfile: string): string {
  const dir = tempDir('strata-docker-build-');
  fs.copyFileSync(BUSYBOX, path.join(dir, 'busybox'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  try {
    docker(['build', '-q', '--network', 'none', '-t', tag, dir]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return docker(['image', 'inspect', '--format', '{{.Id}}', tag]).trim();
}

/** The base: busybox with its applets installed as symlinks (270-odd of them). */
export const BASE_DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
`;

/**
 * Symlinks, hard links, deletions, an opaque directory, unicode names, a chmod.
 * The nonce makes every layer above the base this suite's own: the Engine's
 * SharedSize counts sharing with every image it holds, other users' included.
 */
export const childDockerfile = (base: string, nonce: string) => `FROM ${base}
RUN mkdir -p /data/opq /data/keep && echo ${nonce} > /data/id && echo hello > /data/opq/a && echo world > /data/keep/b && ln -s /data/keep/b /data/lnk && echo 12345 > /data/big
RUN echo "hard linked content here" > /data/h1 && ln /data/h1 /data/h2 && ln /data/h1 /data/h3 && ln -s ../ünï/cödé /data/ünïcödé && mkdir /data/ünï && printf 'ü' > /data/ünï/cödé
RUN rm /data/big /bin/vi && rm -rf /data/opq && mkdir /data/opq && echo new > /data/opq/c && ln -sf /bin/busybox /bin/vi
RUN chmod 600 /data/keep/b && touch /data/empty
ENV STRATA=test
`;

/** Removes the images and containers whose names a suite made (never anything else). */
export function cleanup(names: { images?: string[]; containers?: string[] }): void {
  for (const c of names.containers ?? []) {
    if (!c.startsWith(PREFIX)) throw new Error(`refusing to remove ${c}`);
    spawnSync('docker', ['rm', '-f', c], { stdio: 'ignore' });
  }
  for (const i of names.images ?? []) {
    if (!i.startsWith(PREFIX)) throw new Error(`refusing to remove ${i}`);
    spawnSync('docker', ['rmi', i], { stdio: 'ignore' });
  }
}

export const unique = (what: string) => `${PREFIX}${what}-${process.pid}-${Date.now().toString(36)}`;

/** The strata CLI without blocking the event loop (for suites that serve something to it meanwhile). */
export function strataAsync(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => { stdout += c; });
    p.stderr.on('data', (c) => { stderr += c; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

export const engineSocket = () => (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
