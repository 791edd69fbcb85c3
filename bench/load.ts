/** Throughput under concurrent load: autocannon in a child process (so it does not share the servers' event loop). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './util';

export const CONNECTIONS = 10;

export function loadTest(url: string, body: string, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const bin = join(ROOT, 'node_modules', '.bin', 'autocannon');
    const child = spawn(bin, ['-j', '-c', String(CONNECTIONS), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', body, url]);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        const r = JSON.parse(out) as { requests: { average: number }; non2xx: number; errors: number };
        if (r.non2xx || r.errors) reject(new Error(`autocannon: ${r.non2xx} non-2xx, ${r.errors} errors against ${url}`));
        else resolve(r.requests.average);
      } catch { reject(new Error(`autocannon exited ${code}: ${err.slice(0, 500)}`)); }
    });
  });
}
