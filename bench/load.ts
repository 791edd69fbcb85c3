/** Throughput under concurrent load: autocannon in a child process (so it does not share the servers' event loop). */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, scratch } from './util';

export const CONNECTIONS = 10;

/** autocannon's JSON report → requests per second; a non-2xx answer or a socket error fails the run. */
function run(args: string[], url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(args[0]!, args.slice(1));
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

/** The same request body, over and over. */
export function loadTest(url: string, body: string, seconds: number): Promise<number> {
  const bin = join(ROOT, 'node_modules', '.bin', 'autocannon');
  return run([bin, '-j', '-c', String(CONNECTIONS), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', body, url], url);
}

/**
 * Each request the next of `bodies`, round robin across all connections (autocannon's API in a
 * child: its command line sends one body). With more bodies than requests, no body repeats.
 */
export function loadTestCycling(url: string, bodies: readonly string[], seconds: number): Promise<number> {
  const file = scratch('load-bodies.json');
  writeFileSync(file, JSON.stringify(bodies));
  const script = `
    const autocannon = require(${JSON.stringify(join(ROOT, 'node_modules', 'autocannon'))});
    const bodies = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'));
    let next = 0;
    autocannon({ url: ${JSON.stringify(url)}, connections: ${CONNECTIONS}, duration: ${seconds}, method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
    }, (e, r) => { if (e) { console.error(e); process.exit(1); } process.stdout.write(JSON.stringify(r)); });`;
  return run([process.execPath, '-e', script], url);
}
