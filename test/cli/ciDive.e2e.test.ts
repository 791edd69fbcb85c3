/**
 * `strata ci` on dive's own fixture against what dive asserts: its figures for
 * test-docker-image.tar (../shared/fixtures/dive/README.md) and the verdicts of
 * dive's evaluator tests (allFail, allPass, allDisabled, mixedResults, and the
 * misconfigurations it refuses), run as a pipeline runs the CLI.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { describeWithDive, dive } from '../helpers/fixtures';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');

describeWithDive("strata ci on dive's test image", () => {
  let dir: string;
  let db: string;
  const run = (args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args, '--db', db], { encoding: 'utf8', cwd: dir, env: { ...process.env, LOG_LEVEL: 'silent' } });
  const rules = (e: string, w: string, p: string) => ['--lowestEfficiency', e, '--highestWastedBytes', w, '--highestUserWastedPercent', p];
  const diveRules = (out: { results: { rule: string; status: string }[] }) =>
    Object.fromEntries(out.results.slice(0, 3).map((r) => [r.rule, r.status]));

  beforeAll(() => { dir = tempDir('strata-ci-dive-'); db = path.join(dir, 'strata.db'); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("imports the archive first and reports dive's figures and inefficient files", () => {
    const r = run(['ci', dive('test-docker-image.tar'), '--json', ...rules('0.9', '50kB', '0.5')]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.image).toMatchObject({ name: 'dive-test:latest', layers: 14 });
    expect(out.efficiency).toEqual({
      score: 0.9844212134184309, wastedBytes: 32025, userWastedPercent: 0.4834911001404049, sizeBytes: 1220598, userSizeBytes: 66237,
    });
    expect(out.inefficientFiles).toEqual([
      { path: '/root/saved.txt', count: 2, wastedBytes: 12810 },
      { path: '/root/example/somefile1.txt', count: 2, wastedBytes: 12810 },
      { path: '/root/example/somefile3.txt', count: 2, wastedBytes: 6405 },
    ]);
  });

  // dive cmd/dive/cli/internal/command/ci/evaluator_test.go, Test_Evaluator
  it.each<[string, [string, string, string], boolean, Record<string, string>]>([
    ['allFail', ['0.99', '1B', '0.01'], false, { lowestEfficiency: 'FAIL', highestWastedBytes: 'FAIL', highestUserWastedPercent: 'FAIL' }],
    ['allPass', ['0.9', '50kB', '0.5'], true, { lowestEfficiency: 'PASS', highestWastedBytes: 'PASS', highestUserWastedPercent: 'PASS' }],
    ['allDisabled', ['disabled', 'disabled', 'disabled'], true, { lowestEfficiency: 'SKIP', highestWastedBytes: 'SKIP', highestUserWastedPercent: 'SKIP' }],
    ['mixedResults', ['0.9', '1B', '0.5'], false, { lowestEfficiency: 'PASS', highestWastedBytes: 'FAIL', highestUserWastedPercent: 'PASS' }],
  ])("dive's %s", (_name, [e, w, p], pass, expected) => {
    const r = run(['ci', 'dive-test:latest', '--json', ...rules(e, w, p)]);
    expect(r.status).toBe(pass ? 0 : 1);
    const out = JSON.parse(r.stdout);
    expect(out.pass).toBe(pass);
    expect(diveRules(out)).toEqual(expected);
  });

  it("refuses what dive's Test_Evaluator_Misconfigurations refuses, exit 2 naming the key and value", () => {
    const cases: [[string, string, string], RegExp][] = [
      [['1.1', '50kB', '0.5'], /--lowestEfficiency: "1\.1"/],
      [['-0.1', '50kB', '0.5'], /--lowestEfficiency: "-0\.1"/],
      [['not_a_number', '50kB', '0.5'], /--lowestEfficiency: "not_a_number"/],
      [['0.9', 'not_a_size', '0.5'], /--highestWastedBytes: "not_a_size"/],
      [['0.9', '50kB', '1.1'], /--highestUserWastedPercent: "1\.1"/],
      [['0.9', '50kB', '-0.1'], /--highestUserWastedPercent: "-0\.1"/],
      [['0.9', '50kB', 'not_a_number'], /--highestUserWastedPercent: "not_a_number"/],
    ];
    for (const [[e, w, p], message] of cases) {
      const r = run(['ci', 'dive-test:latest', ...rules(e, w, p)]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
