/**
 * `strata ci` and `strata diff` as a pipeline runs them (bin/strata.js): exit
 * codes 0/1/2, every rule and value form on generated images whose figures are
 * computed here by hand, each refusal (one line naming the key and the value,
 * nothing appended), the JUnit report read by a real XML parser (Python's),
 * and Image.check answering the same as the CLI.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freshDb, tempDir, testWithPostgres } from '../helpers/backends';
import { archiveTar, buildImage, dockerLegacy, type TarEntrySpec } from '../helpers/archiveBuilder';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import xml.etree.ElementTree'], { stdio: 'ignore' }).status === 0);

const bytes = (n: number, fill = 'x') => fill.repeat(n);
const f = (name: string, size: number, fill = 'x'): TarEntrySpec => ({ name, content: bytes(size, fill) });

/*
 * base:1  L0 /etc/base.txt 1000, /etc/dup 500   L1 /etc/dup 500 (again: the base's own waste, 1000 bytes)
 * app:1   base + L2 /app/data 3000, /root/.ssh/id_rsa 100, /etc/ssl/key.pem 50   L3 /app/data 3000 (the team's waste, 6000 bytes)
 * app2:1  base + L2' /etc/base.txt 1200 (changed), a whiteout of /etc/dup, /new.txt 10
 */
const L0 = [f('etc/base.txt', 1000), f('etc/dup', 500)];
const L1 = [f('etc/dup', 500, 'y')];
const L2 = [f('app/data', 3000), f('root/.ssh/id_rsa', 100), f('etc/ssl/key.pem', 50)];
const L3 = [f('app/data', 3000, 'z')];
const WHOLE = { score: (1000 + 500 + 3000 + 100 + 50) / (1000 + 1000 + 6000 + 100 + 50), wasted: 7000, user: 500 + 3150 + 3000 };
const ABOVE = { score: (3000 + 100 + 50) / (6000 + 100 + 50), wasted: 6000, user: 3150 + 3000 };

describe('strata ci and strata diff (the CLI as a process)', () => {
  let dir: string;
  let db: string;
  let archives: { two: string; app2: string; rootfs: string; unnamedBase: string };

  const run = (args: string[], opts: { cwd?: string; db?: string } = {}) =>
    spawnSync(process.execPath, [BIN, ...args, '--db', opts.db ?? db], { encoding: 'utf8', cwd: opts.cwd ?? dir, env: { ...process.env, LOG_LEVEL: 'silent' } });
  const json = (args: string[], opts: { cwd?: string; db?: string } = {}) => {
    const r = run([...args, '--json'], opts);
    if (r.status === 2 || r.stdout === '') throw new Error(`strata ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return { status: r.status, out: JSON.parse(r.stdout), stderr: r.stderr };
  };
  const statuses = (out: { results: { rule: string; status: string }[] }) => Object.fromEntries(out.results.map((r) => [r.rule, r.status]));
  const head = () => JSON.parse(run(['query', '{ head }']).stdout).data.head as number;
  const write = (name: string, text: string) => { const p = path.join(dir, name); fs.writeFileSync(p, text); return p; };

  beforeAll(async () => {
    dir = tempDir('strata-ci-');
    db = path.join(dir, 'strata.db');
    const base = await buildImage({ layers: [{ entries: L0 }, { entries: L1 }] });
    const app = await buildImage({ layers: [{ entries: L0 }, { entries: L1 }, { entries: L2 }, { entries: L3 }] });
    const app2 = await buildImage({ layers: [{ entries: L0 }, { entries: L1 }, { entries: [f('etc/base.txt', 1200, 'q'), { name: 'etc/.wh.dup' }, f('new.txt', 10)] }] });
    archives = {
      two: path.join(dir, 'two.tar'), app2: path.join(dir, 'app2.tar'), rootfs: path.join(dir, 'rootfs.tar'), unnamedBase: path.join(dir, 'unnamed.tar'),
    };
    // Two images on the base's two layers, without the base image itself: a shared stack no image names.
    fs.writeFileSync(archives.unnamedBase, await archiveTar(dockerLegacy([{ image: app, repoTags: ['app:1'] }, { image: app2, repoTags: ['app2:1'] }])));
    fs.writeFileSync(archives.two, await archiveTar(dockerLegacy([{ image: base, repoTags: ['base:1'] }, { image: app, repoTags: ['app:1'] }])));
    fs.writeFileSync(archives.app2, await archiveTar(dockerLegacy([{ image: app2, repoTags: ['app2:1'] }])));
    fs.writeFileSync(archives.rootfs, await archiveTar(new Map([['etc/passwd', Buffer.from('root:x:0:0::/root:/bin/sh\n')]])));
    expect(run(['import', archives.two]).status).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("with no rules given, dive's defaults apply (0.9, disabled, 0.1): figures, inefficient files, FAIL, exit 1", () => {
    const r = run(['ci', 'app:1']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Judged: all 4 layers (layers 0-3)');
    expect(r.stdout).toContain(`efficiency:        ${(WHOLE.score * 100).toFixed(2)} % (${WHOLE.score})`);
    expect(r.stdout).toContain(`wastedBytes:       ${WHOLE.wasted} bytes (7.0 kB)`);
    expect(r.stdout).toMatch(/2\s+6\.0 kB\s+\/app\/data\n2\s+1\.0 kB\s+\/etc\/dup/);
    expect(r.stdout).toContain(`FAIL  lowestEfficiency (actual ${WHOLE.score}, limit 0.9)`);
    expect(r.stdout).toContain('SKIP  highestWastedBytes: rule disabled');
    expect(r.stdout).toContain(`FAIL  highestUserWastedPercent (actual ${WHOLE.wasted / WHOLE.user}, limit 0.1)`);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('FAIL [pass:0 fail:2 skip:5]');
  });

  it('.dive-ci in the working directory: dive forms, equal passes, "disabled" skips; exit 0', () => {
    const cwd = fs.mkdtempSync(path.join(dir, 'repo-'));
    fs.writeFileSync(path.join(cwd, '.dive-ci'), 'rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: 7kB\n  highestUserWastedPercent: disabled\n');
    const { status, out } = json(['ci', 'app:1'], { cwd });
    expect(status).toBe(0);
    expect(statuses(out)).toMatchObject({ lowestEfficiency: 'PASS', highestWastedBytes: 'PASS', highestUserWastedPercent: 'SKIP' });
    expect(out.results[1]).toMatchObject({ actual: '7000', limit: '7000' });
    expect(out.efficiency).toEqual({ score: WHOLE.score, wastedBytes: 7000, userWastedPercent: WHOLE.wasted / WHOLE.user, sizeBytes: 8150, userSizeBytes: WHOLE.user });
    expect(out.inefficientFiles).toEqual([{ path: '/app/data', count: 2, wastedBytes: 6000 }, { path: '/etc/dup', count: 2, wastedBytes: 1000 }]);
    // A flag of the same name overrides the file; each byte form as dive reads it.
    expect(json(['ci', 'app:1', '--highestWastedBytes', '6999'], { cwd }).status).toBe(1);
    expect(json(['ci', 'app:1', '--highestWastedBytes', '6.9KiB'], { cwd }).status).toBe(0); // 7065 bytes
    expect(json(['ci', 'app:1', '--highestWastedBytes', '0.007MB'], { cwd }).status).toBe(0);
    expect(json(['ci', 'app:1', '--highestWastedBytes', '6,999 B'], { cwd }).status).toBe(1);
    for (const off of ['off', 'false', '']) expect(statuses(json(['ci', 'app:1', '--highestWastedBytes', off], { cwd }).out).highestWastedBytes).toBe('SKIP');
    // An empty value and YAML false skip too.
    const other = write('empty.yml', 'rules:\n  lowestEfficiency:\n  highestUserWastedPercent: false\n');
    expect(statuses(json(['ci', 'app:1', '--ci-config', other]).out)).toMatchObject({ lowestEfficiency: 'SKIP', highestUserWastedPercent: 'SKIP' });
  });

  it("Strata's own rules from --rules, with a JUnit report a real XML parser reads", () => {
    const rules = write('strata-rules.yml', [
      'rules:', '  lowestEfficiency: disabled', '  highestUserWastedPercent: off', '  maxLayers: 4', '  maxGrowthOverParentBytes: 6.15kB',
      '  allowedBases: [base:1]', '  forbiddenPaths: ["/root/.ssh/**", "**/*.pem", "/usr/**"]', '',
    ].join('\n'));
    const junit = path.join(dir, 'report.xml');
    const { status, out } = json(['ci', 'app:1', '--rules', rules, '--junit', junit]);
    expect(status).toBe(1);
    expect(statuses(out)).toEqual({
      lowestEfficiency: 'SKIP', highestWastedBytes: 'SKIP', highestUserWastedPercent: 'SKIP',
      maxLayers: 'PASS', maxGrowthOverParentBytes: 'PASS', allowedBases: 'PASS', forbiddenPaths: 'FAIL',
    });
    const forbidden = out.results.find((r: { rule: string }) => r.rule === 'forbiddenPaths');
    expect(forbidden.paths).toEqual(['/etc/ssl/key.pem', '/root/.ssh', '/root/.ssh/id_rsa']);
    expect(out.results.find((r: { rule: string }) => r.rule === 'maxGrowthOverParentBytes')).toMatchObject({ actual: '6150', limit: '6150' });
    if (!PYTHON) {
      // eslint-disable-next-line no-console
      console.warn('SKIPPED JUnit XML parse: no python3 (apt-get install python3) to read it with a real XML parser');
    } else {
      const py = spawnSync(PYTHON, ['-c', [
        'import sys, json, xml.etree.ElementTree as E',
        'root = E.parse(sys.argv[1]).getroot()',
        'cases = root.findall("./testsuite/testcase")',
        'print(json.dumps({"tag": root.tag, "failures": root.get("failures"), "skipped": root.get("skipped"),',
        '  "cases": [[c.get("name"), "failure" if c.find("failure") is not None else "skipped" if c.find("skipped") is not None else "pass"] for c in cases],',
        '  "failureText": [c.find("failure").text for c in cases if c.find("failure") is not None]}))',
      ].join('\n'), junit], { encoding: 'utf8' });
      expect(py.status).toBe(0);
      const parsed = JSON.parse(py.stdout);
      expect(parsed).toMatchObject({ tag: 'testsuites', failures: '1', skipped: '3' });
      expect(parsed.cases).toEqual([
        ['lowestEfficiency', 'skipped'], ['highestWastedBytes', 'skipped'], ['highestUserWastedPercent', 'skipped'],
        ['maxLayers', 'pass'], ['maxGrowthOverParentBytes', 'pass'], ['allowedBases', 'pass'], ['forbiddenPaths', 'failure'],
      ]);
      expect(parsed.failureText[0]).toContain('/root/.ssh/id_rsa');
    }
    // The same rules tightened by one byte / one layer / another base fail.
    const tight = json(['ci', 'app:1', '--rules', rules, '--maxLayers', '3', '--maxGrowthOverParentBytes', '6149', '--allowedBases', 'debian:12', '--allowedBases', 'alpine:3']);
    expect(statuses(tight.out)).toMatchObject({ maxLayers: 'FAIL', maxGrowthOverParentBytes: 'FAIL', allowedBases: 'FAIL' });
    // The base itself has no parent: growth is skipped, and no base is known for allowedBases.
    expect(statuses(json(['ci', 'base:1', '--rules', rules]).out)).toMatchObject({ maxGrowthOverParentBytes: 'SKIP', allowedBases: 'FAIL' });
  });

  it('--above-base judges the layers above the parent line and says which; minWastedBytes floors the ratio rules', () => {
    const r = run(['ci', 'app:1', '--above-base', '--lowestEfficiency', '0.5', '--highestUserWastedPercent', '0.9']);
    expect(r.stdout).toContain('Judged: layers 2-3 (2 above base base:1, layers 0-1)');
    expect(r.stdout).toContain(`efficiency:        ${(ABOVE.score * 100).toFixed(2)} % (${ABOVE.score})`);
    expect(r.stdout).not.toContain('/etc/dup');
    const { out } = json(['ci', 'app:1', '--above-base', '--lowestEfficiency', '0.52', '--highestUserWastedPercent', '0.97']);
    expect(out.judged).toMatchObject({ from: 2, count: 2, basis: 'ABOVE_BASE', base: 'base:1' });
    expect(out.efficiency).toMatchObject({ score: ABOVE.score, wastedBytes: ABOVE.wasted, userWastedPercent: ABOVE.wasted / ABOVE.user, userSizeBytes: ABOVE.user });
    expect(statuses(out)).toMatchObject({ lowestEfficiency: 'FAIL', highestUserWastedPercent: 'FAIL' });
    const floored = json(['ci', 'app:1', '--above-base', '--lowestEfficiency', '0.52', '--highestUserWastedPercent', '0.97', '--minWastedBytes', '6001']);
    expect(floored.status).toBe(0);
    expect(floored.out.results[0].message).toMatch(/under minWastedBytes 6,001/);
    // aboveBase in the file; no base known (base:1 itself) judges everything and says so.
    const file = write('above.yml', 'aboveBase: true\nrules:\n  lowestEfficiency: off\n');
    expect(json(['ci', 'app:1', '--ci-config', file]).out.judged.count).toBe(2);
    // base:1 has no parent; its first layer is a stack it shares with app:1 (Image.baseChain).
    expect(json(['ci', 'base:1', '--ci-config', file]).out.judged).toMatchObject({ basis: 'ABOVE_BASE_STACK', from: 1, count: 1 });
    // An image alone in its ledger: no base of any kind, so every layer is judged, and the report says so.
    const alone = path.join(dir, 'alone.db');
    const lone = json(['ci', archives.app2, '--ci-config', file], { db: alone }).out.judged;
    expect(lone).toMatchObject({ basis: 'NO_BASE_KNOWN', from: 0, count: 3 });
    expect(lone.description).toBe('all 3 layers (layers 0-2): no base known to judge above');
    // No parent known, but a shared base stack (Image.baseChain): judged above it, and said so.
    const other = path.join(dir, 'unnamed.db');
    expect(run(['import', archives.unnamedBase], { db: other }).status).toBe(0);
    const stacked = json(['ci', 'app:1', '--above-base', '--lowestEfficiency', '0.52'], { db: other });
    expect(stacked.out.judged).toMatchObject({ from: 2, count: 2, basis: 'ABOVE_BASE_STACK' });
    expect(stacked.out.judged.description).toMatch(/^layers 2-3 \(2 above shared base stack sha256:[0-9a-f]{12} \(2 layers, unnamed\), layers 0-1\)$/);
    expect(stacked.out.efficiency.score).toBe(ABOVE.score);
  });

  it('refuses bad flags and references: exit 2, one line naming the key and the value, nothing appended', () => {
    const before = head();
    const cases: [string, string[], RegExp][] = [
      ['app:1', ['--lowestEfficiency', '1.5'], /^strata: .*--lowestEfficiency: "1\.5" is outside the allowed range 0\.\.1\n$/],
      ['app:1', ['--highestUserWastedPercent', '-0.1'], /--highestUserWastedPercent: "-0\.1" is outside/],
      ['app:1', ['--lowestEfficiency', 'not_a_number'], /--lowestEfficiency: "not_a_number" is not a ratio/],
      ['app:1', ['--highestWastedBytes', '20XB'], /--highestWastedBytes: "20XB" is not a byte count: unknown size unit "XB"/],
      ['app:1', ['--maxLayers', '2.5'], /--maxLayers: "2\.5" is not a whole number/],
      ['app:1', ['--allowedBases', 'UPPER:case'], /--allowedBases\[0\]: "UPPER:case" is not an image reference/],
      ['app:1', ['--ci-config', 'nope.yml'], /cannot read rules file nope\.yml: ENOENT/],
      ['ghost:1', [], /no image "ghost:1" in the ledger/],
      ['app:1', ['--junit', 'no/such/folder/report.xml'], /--junit: folder .*no\/such\/folder does not exist/],
    ];
    for (const [ref, args, message] of cases) {
      const r = run(['ci', ref, ...args]);
      expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(message)]);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect(head()).toBe(before);
    // A mistyped --db: a reference is refused without creating a database (only a source to import creates one).
    const typo = path.join(dir, 'typo.db');
    const missing = run(['ci', 'app:1'], { db: typo });
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringMatching(/^strata: no database: .*typo\.db does not exist/)]);
    expect(fs.existsSync(typo)).toBe(false);
  });

  it('refuses bad rules files naming the key and value: unknown key, bad value, bad YAML, not a mapping', () => {
    const cases: [string, RegExp][] = [
      ['rules:\n  lowestEfficency: 0.9\n', /rules\.lowestEfficency in typo\.yml: unknown rule/],
      ['rules:\n  highestUserWastedPercent: 10%\n', /rules\.highestUserWastedPercent in typo\.yml: "10%" is not a ratio/],
      ['rules:\n  forbiddenPaths: {a: 1}\n', /rules\.forbiddenPaths in typo\.yml: \{"a":1\} is not a list of strings/],
      ['rules: [1, 2\n', /typo\.yml is not valid YAML/],
      ['rules: 7\n', /"rules" must be a mapping/],
    ];
    for (const [text, message] of cases) {
      write('typo.yml', text);
      const r = run(['ci', 'app:1', '--ci-config', 'typo.yml']);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it('judges a source by importing it first (a normal import); refuses archives that are not one image', () => {
    const before = head();
    const r = run(['ci', archives.app2, '--lowestEfficiency', '0', '--highestUserWastedPercent', 'off']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/imported .*app2\.tar: imported sha256:/);
    expect(head()).toBeGreaterThan(before);
    expect(JSON.parse(run(['query', '{ image(ref: "app2:1") { layers { index } } }']).stdout).data.image.layers).toHaveLength(3);
    const again = run(['ci', archives.app2, '--lowestEfficiency', '0', '--highestUserWastedPercent', 'off']);
    expect(again.stderr).toMatch(/already present/);
    const mid = head();
    const two = run(['ci', archives.two]);
    expect(two.status).toBe(2);
    expect(two.stderr).toMatch(/holds 2 images/);
    const rootfs = run(['ci', archives.rootfs]);
    expect(rootfs.status).toBe(2);
    expect(rootfs.stderr).toMatch(/not an image archive/);
    expect(rootfs.stderr.trim().split('\n')).toHaveLength(1);
    expect(head()).toBe(mid);
  });

  it('Image.check answers what strata ci answers', () => {
    const cli = json(['ci', 'app:1', '--lowestEfficiency', '0.6', '--highestWastedBytes', '6kB', '--highestUserWastedPercent', '0.99',
      '--maxLayers', '4', '--forbiddenPaths', '**/*.pem', '--above-base', '--minWastedBytes', '1']).out;
    const q = run(['query', `{ image(ref: "app:1") { check(rules: { lowestEfficiency: 0.6, highestWastedBytes: 6000, highestUserWastedPercent: 0.99,
      maxLayers: 4, forbiddenPaths: ["**/*.pem"], aboveBase: true, minWastedBytes: 1 }) {
      pass judged judgedLayers efficiency { score wastedBytes userWastedPercent } results { rule status actual limit message paths } } } }`]);
    expect(q.status).toBe(0);
    const api = JSON.parse(q.stdout).data.image.check;
    expect(api.pass).toBe(cli.pass);
    expect(api.judgedLayers).toEqual([2, 3]);
    expect(api.judged).toBe(cli.judged.description);
    expect(api.efficiency).toEqual({ score: cli.efficiency.score, wastedBytes: cli.efficiency.wastedBytes, userWastedPercent: cli.efficiency.userWastedPercent });
    expect(api.results).toEqual(cli.results.map((r: Record<string, unknown>) => ({ paths: null, ...r })));
    const bad = run(['query', '{ image(ref: "app:1") { check(rules: { highestUserWastedPercent: 2 }) { pass } } }']);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/highestUserWastedPercent: 2 is outside/) });
  });

  testWithPostgres()('on PostgreSQL: imports a source and judges it as on SQLite', async () => {
    const pg = await freshDb('postgres');
    try {
      const args = ['ci', archives.unnamedBase, '--above-base', '--lowestEfficiency', '0.52', '--forbiddenPaths', '/root/**'];
      const onPg = run(args, { db: pg.url });
      expect(onPg.stderr).toMatch(/holds 2 images/); // the source holds two: import, then name one
      expect(run(['import', archives.unnamedBase], { db: pg.url }).status).toBe(0);
      const sqliteDb = path.join(dir, 'unnamed-again.db');
      expect(run(['import', archives.unnamedBase], { db: sqliteDb }).status).toBe(0);
      const judged = ['ci', 'app:1', '--above-base', '--lowestEfficiency', '0.52', '--forbiddenPaths', '/root/**'];
      const a = json(judged, { db: pg.url });
      const b = json(judged, { db: sqliteDb });
      expect(a.status).toBe(1);
      expect(a.out).toEqual(b.out);
    } finally {
      await pg.drop();
    }
  });

  it('strata diff: added, modified and deleted with sizes; --json; unknown images exit 2', () => {
    const { out } = json(['diff', 'base:1', 'app2:1']);
    expect(out.added).toEqual([expect.objectContaining({ path: '/new.txt', kind: 'FILE', size: 10 })]);
    expect(out.modified).toEqual([expect.objectContaining({ path: '/etc/base.txt', before: expect.objectContaining({ size: 1000 }), after: expect.objectContaining({ size: 1200 }), sizeDelta: 200 })]);
    expect(out.deleted).toEqual([expect.objectContaining({ path: '/etc/dup', kind: 'FILE', size: 500 })]);
    expect(out.totals).toEqual({ added: { count: 1, bytes: 10 }, modified: { count: 1, bytesBefore: 1000, bytesAfter: 1200 }, deleted: { count: 1, bytes: 500 } });
    const text = run(['diff', 'base:1', 'app2:1']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/Added \(1, 10 bytes\):\nPATH\s+KIND\s+SIZE\n\/new\.txt\s+file\s+10/);
    expect(text.stdout).toMatch(/Modified \(1, \+200 bytes\):[\s\S]*\/etc\/base\.txt\s+file\s+1,000\s+1,200\s+\+200/);
    expect(text.stdout).toMatch(/Deleted \(1, 500 bytes\):[\s\S]*\/etc\/dup\s+file\s+500/);
    const reverse = json(['diff', 'app2:1', 'base:1']).out;
    expect([reverse.added.length, reverse.deleted.length]).toEqual([1, 1]);
    expect(reverse.added[0].path).toBe('/etc/dup');
    const same = run(['diff', 'app:1', 'app:1']);
    expect(same.stdout).toMatch(/Added \(0, 0 bytes\): none\n\nModified \(0, 0 bytes\): none\n\nDeleted \(0, 0 bytes\): none/);
    const ghost = run(['diff', 'base:1', 'ghost:9']);
    expect(ghost.status).toBe(2);
    expect(ghost.stderr).toBe('strata: no image "ghost:9" in the ledger\n');
  });
});
