/**
 * `strata drift` as a user runs it (bin/strata.js) on both backends:
 *   debian:12 → D1, then app:1 [D1, app] and svc:1 [D1, runtime, svc] are built on it,
 *   then debian:12 → D2 (a second import, as a registry or engine watch records it),
 *   and a tool:1 [D2, tool] built on the new target is current.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { recordImport } from '../../src/application/importImages';
import { Strata } from '../../src/application/strata';
import { backendNames, freshDb, type TestDb } from '../helpers/backends';
import { DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
const short = (digest: string) => digest.slice('sha256:'.length, 'sha256:'.length + 12);

const D1 = fleetLayer('deb-1', DEBIAN_12);
const D2 = fleetLayer('deb-2', DEBIAN_12);
const deb1 = fleetImage('debian:12', [D1]);
const deb2 = fleetImage('debian:12', [D2]);

describe.each(backendNames())('strata drift (%s)', (backend) => {
  let db: TestDb;
  let since = '';
  beforeAll(async () => {
    db = await freshDb(backend);
    const app = await Strata.open(db.url);
    try {
      await recordImport(app, [deb1]);
      await recordImport(app, [fleetImage('app:1', [D1, fleetLayer('app')]), fleetImage('svc:1', [D1, fleetLayer('runtime'), fleetLayer('svc')])]);
      await recordImport(app, [deb2]);
      await recordImport(app, [fleetImage('tool:1', [D2, fleetLayer('tool')])]);
      since = (await app.models.current()).tag('debian:12')!.history[1]!.at;
    } finally {
      await app.close();
    }
  }, 60_000);
  afterAll(async () => { await db.drop(); });

  it('prints each image behind with the base tag, the target it is on, the current one, moves behind and since', () => {
    const r = run(['drift', '--db', db.url]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const row = (l: string) => l.trim().split(/\s{2,}/);
    expect(row(lines[0]!)).toEqual(['IMAGE', 'BASE TAG', 'BUILT ON', 'CURRENT', 'MOVES BEHIND', 'SINCE']);
    expect(lines.slice(1, 3).map(row)).toEqual([
      ['app:1', 'debian:12', short(deb1.imageId), short(deb2.imageId), '1', since],
      ['svc:1', 'debian:12', short(deb1.imageId), short(deb2.imageId), '1', since],
    ]);
    expect(lines.slice(3)).toEqual(['', '2 images behind on 1 base tag']);
  });

  it('TAG narrows to one base tag (any spelling of it); --json gives the rows', () => {
    const r = run(['drift', 'docker.io/library/debian:12', '--db', db.url, '--json']);
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: any) => [x.image.repoTags, x.tag, x.builtOn.imageId, x.current.imageId, x.movesBehind, x.since])).toEqual([
      [['app:1'], 'debian:12', deb1.imageId, deb2.imageId, 1, since], [['svc:1'], 'debian:12', deb1.imageId, deb2.imageId, 1, since]]);
    const none = run(['drift', 'tool:1', '--db', db.url]);
    expect([none.status, none.stdout, none.stderr]).toEqual([0, 'no image is behind on tool:1\n', '']);
  });

  it('a tag the ledger never knew, or a malformed one, is one line on stderr and exit 2', () => {
    const unknown = run(['drift', 'ubuntu:24.04', '--db', db.url]);
    expect([unknown.status, unknown.stdout]).toEqual([2, '']);
    expect(unknown.stderr).toMatch(/^strata: tag ubuntu:24\.04 is not known at log position \d+\n$/);
    const bad = run(['drift', 'Not A Tag', '--db', db.url]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')).toHaveLength(2);
    expect(bad.stderr).toMatch(/^strata: bad user input: /);
  });
});
