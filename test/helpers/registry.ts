/**
 * A real Distribution (Debian's docker-registry) for a test: the test writes
 * its config — filesystem storage in a temp dir, http.addr on a free
 * loopback port, htpasswd or token auth, a notifications endpoint — and
 * `docker-registry serve CONFIG` runs it. Callers skip through
 * describeWithPeers(['registry', …]) first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';

export interface TestRegistry { host: string; dir: string; storage: string; child: ChildProcess; log(): string; stop(): Promise<void> }

export interface RegistryConfig {
  /** Default: a free port. */
  port?: number;
  htpasswd?: { user: string; pass: string };
  notify?: { url: string; token: string };
  /** Distribution's `auth: token` mode. */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v2/' }, (res) => { res.resume(); resolve(true); });
    req.on('error', () => resolve(false));
  });
}

export async function startRegistry(dir: string, cfg: RegistryConfig = {}): Promise<TestRegistry> {
  fs.mkdirSync(dir, { recursive: true });
  const port = cfg.port ?? await freePort();
  const storage = path.join(dir, 'storage');
  const lines = [
    'version: 0.1',
    'log:', '  level: warn',
    'storage:', '  filesystem:', `    rootdirectory: ${storage}`, '  delete:', '    enabled: true',
    'http:', `  addr: 127.0.0.1:${port}`,
  ];
  if (cfg.htpasswd) {
    const r = spawnSync('htpasswd', ['-Bbn', cfg.htpasswd.user, cfg.htpasswd.pass], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
    fs.writeFileSync(path.join(dir, 'htpasswd'), r.stdout);
    lines.push('auth:', '  htpasswd:', '    realm: strata-test', `    path: ${path.join(dir, 'htpasswd')}`);
  } else if (cfg.token) {
    lines.push('auth:', '  token:', `    realm: ${cfg.token.realm}`, `    service: ${cfg.token.service}`,
      `    issuer: ${cfg.token.issuer}`, `    rootcertbundle: ${cfg.token.rootCertBundle}`);
  }
  if (cfg.notify) {
    lines.push('notifications:', '  endpoints:', '    - name: strata', `      url: ${cfg.notify.url}`,
      '      headers:', `        Authorization: [Bearer ${cfg.notify.token}]`,
      '      timeout: 5s', '      threshold: 10', '      backoff: 200ms',
      '      ignoredmediatypes:', '        - application/octet-stream');
  }
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, `${lines.join('\n')}\n`);
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => { log += d; });
  child.stderr!.on('data', (d: Buffer) => { log += d; });
  for (let i = 0; i < 100 && !(await ping(port)); i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host: `127.0.0.1:${port}`, dir, storage, child, log: () => log,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** skopeo with no policy file needed and TLS off (the test registry is plain HTTP on loopback). */
export function skopeo(args: string[]): string {
  const r = spawnSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
