/**
 * `strata bases` as a user runs it (bin/strata.js) on a hand-built fleet:
 *   svc1 [D, P, s1]  svc2 [D, P, s2]  web [D, w]   (D: Debian 12, never imported alone)
 *   alpine:3 [A]     tool [A, t]                   (A: Alpine 3.19, known as an image)
 * Shared stacks: D (3 images on it) with D+P (2) on top; A (1 image on it, plus alpine:3 itself).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { recordImport } from '../../src/application/importImages';
import { Strata } from '../../src/application/strata';
import { tempDir } from '../helpers/backends';
import { ALPINE_319, DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
const short = (digest: string) => digest.slice('sha256:'.length, 'sha256:'.length + 12);

const D = fleetLayer('debian', DEBIAN_12);
const P = fleetLayer('python');
const A = fleetLayer('alpine', ALPINE_319);
const DP = `sha256:${createHash('sha256').update(`${D.diffId} ${P.diffId}`).digest('hex')}`;

describe('strata bases', () => {
  let dir: string;
  let db: string;
  beforeAll(async () => {
    dir = tempDir();
    db = path.join(dir, 'strata.db');
    const app = await Strata.open(db);
    await recordImport(app, [
      fleetImage('svc1:1', [D, P, fleetLayer('s1')]), fleetImage('svc2:1', [D, P, fleetLayer('s2')]), fleetImage('web:1', [D, fleetLayer('w')]),
      fleetImage('alpine:3', [A]), fleetImage('tool:1', [A, fleetLayer('t')]),
    ]);
    await app.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints each shared stack under its parent with layers, images, size, distribution and the image known as it', () => {
    const r = run(['bases', '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['BASE CHAIN', 'LAYERS', 'IMAGES', 'SIZE', 'DISTRIBUTION', 'KNOWN AS']);
    const row = (l: string) => l.trim().split(/\s{2,}/);
    expect(row(lines[1]!)).toEqual([short(D.diffId), '1', '3', `${D.size}B`, 'Debian GNU/Linux 12 (bookworm)', '-']);
    expect(lines[2]).toMatch(/^ {2}└ /);
    expect(row(lines[2]!.replace('└ ', ''))).toEqual([short(DP), '2', '2', `${D.size + P.size}B`, 'Debian GNU/Linux 12 (bookworm)', '-']);
    expect(row(lines[3]!)).toEqual([short(A.diffId), '1', '1', `${A.size}B`, 'Alpine Linux v3.19', 'alpine:3']);
    expect(lines.at(-1)).toBe('3 base chains shared by 2 or more images (2 not known as an image)');
  });

  it('--min-images keeps the stacks that many images share; --json gives the rows', () => {
    const r = run(['bases', '--db', db, '--min-images', '3', '--json']);
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout);
    // D: svc1, svc2, web. A is shared by two only (alpine:3 and tool).
    expect(rows.map((x: any) => [x.chainId, x.imageCount, x.image])).toEqual([[D.diffId, 3, null]]);
    const none = run(['bases', '--db', db, '--min-images', '4']);
    expect(none.status).toBe(0);
    expect(none.stdout).toBe('no layer stack is shared by 4 or more images\n');
  });

  it('refuses a bad --min-images with one line and exit 2', () => {
    for (const bad of ['1', '2.5']) {
      const r = run(['bases', '--db', db, '--min-images', bad]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^strata: bad user input: --min-images must be an integer >= 2.*\n$/);
      expect(r.stderr.split('\n')).toHaveLength(2);
    }
  });
});
