import type { EfficiencyReport } from '../../../src/domain/efficiency';
import { NO_RULES, type CheckRules } from '../../../src/domain/ci/checkRules';
import { evaluateRules, type CheckFacts } from '../../../src/domain/ci/evaluate';
import { describeJudged, judgedLayers } from '../../../src/domain/ci/judgedLayers';
import { matchForbidden } from '../../../src/domain/ci/forbiddenPaths';

const eff = (o: Partial<EfficiencyReport> = {}): EfficiencyReport => ({
  score: 0.9, sizeBytes: 1000, userSizeBytes: 500, wastedBytes: 100, userWastedPercent: 0.2, hiddenBytes: 0, inefficientFiles: [], layerSizes: [], ...o,
});
const facts = (o: Partial<CheckFacts> = {}): CheckFacts => ({
  efficiency: eff(), layerCount: 3, sizeBytes: 1000, parent: null, ancestors: [], resolvedBases: new Map(), forbiddenMatches: [], ...o,
});
const verdict = (rules: Partial<CheckRules>, f: Partial<CheckFacts> = {}) =>
  Object.fromEntries(evaluateRules({ ...NO_RULES, ...rules }, facts(f)).results.map((r) => [r.rule, r.status]));

describe('CI verdicts', () => {
  it('every rule is reported; nothing configured skips all and passes', () => {
    const r = evaluateRules(NO_RULES, facts());
    expect(r.results.map((x) => x.rule)).toEqual(['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent', 'maxLayers', 'maxGrowthOverParentBytes', 'allowedBases', 'forbiddenPaths']);
    expect(r.results.every((x) => x.status === 'SKIP')).toBe(true);
    expect(r.pass).toBe(true);
  });

  it("dive's comparisons: equal passes on every side", () => {
    expect(verdict({ lowestEfficiency: 0.9, highestWastedBytes: 100, highestUserWastedPercent: 0.2, maxLayers: 3 }))
      .toMatchObject({ lowestEfficiency: 'PASS', highestWastedBytes: 'PASS', highestUserWastedPercent: 'PASS', maxLayers: 'PASS' });
    expect(verdict({ lowestEfficiency: 0.9000001, highestWastedBytes: 99, highestUserWastedPercent: 0.19, maxLayers: 2 }))
      .toMatchObject({ lowestEfficiency: 'FAIL', highestWastedBytes: 'FAIL', highestUserWastedPercent: 'FAIL', maxLayers: 'FAIL' });
  });

  it('actual and limit are reported', () => {
    const r = evaluateRules({ ...NO_RULES, highestWastedBytes: 99 }, facts()).results[1]!;
    expect(r).toMatchObject({ status: 'FAIL', actual: '100', limit: '99' });
    expect(r.message).toMatch(/wasted-bytes=100 > threshold=99/);
  });

  it('no user bytes: 0/0 passes, wasted/0 fails (what dive does with NaN and +Inf)', () => {
    expect(verdict({ highestUserWastedPercent: 0 }, { efficiency: eff({ userWastedPercent: null, wastedBytes: 0 }) }).highestUserWastedPercent).toBe('PASS');
    expect(verdict({ highestUserWastedPercent: 1 }, { efficiency: eff({ userWastedPercent: null, wastedBytes: 5 }) }).highestUserWastedPercent).toBe('FAIL');
  });

  it('minWastedBytes: under the floor the ratio rules pass (and say why); at the floor they are judged; bytes rule unaffected', () => {
    const under = evaluateRules({ ...NO_RULES, lowestEfficiency: 0.95, highestUserWastedPercent: 0.1, highestWastedBytes: 50, minWastedBytes: 101 }, facts());
    expect(under.results.slice(0, 3).map((r) => r.status)).toEqual(['PASS', 'FAIL', 'PASS']);
    expect(under.results[0]!.message).toMatch(/under minWastedBytes 101/);
    expect(verdict({ lowestEfficiency: 0.95, highestUserWastedPercent: 0.1, minWastedBytes: 100 }))
      .toMatchObject({ lowestEfficiency: 'FAIL', highestUserWastedPercent: 'FAIL' });
  });

  it('maxGrowthOverParentBytes: growth = size - parent size; no parent skips', () => {
    expect(verdict({ maxGrowthOverParentBytes: 400 }, { parent: { name: 'base:1', sizeBytes: 600 } }).maxGrowthOverParentBytes).toBe('PASS');
    expect(verdict({ maxGrowthOverParentBytes: 399 }, { parent: { name: 'base:1', sizeBytes: 600 } }).maxGrowthOverParentBytes).toBe('FAIL');
    expect(verdict({ maxGrowthOverParentBytes: 0 }, { parent: { name: 'base:1', sizeBytes: 2000 } }).maxGrowthOverParentBytes).toBe('PASS');
    const skipped = evaluateRules({ ...NO_RULES, maxGrowthOverParentBytes: 1 }, facts()).results[4]!;
    expect(skipped).toMatchObject({ status: 'SKIP', message: expect.stringMatching(/no parent/) });
  });

  const debian = { imageId: `sha256:${'d'.repeat(64)}`, manifestDigests: [`sha256:${'e'.repeat(64)}`], repoTags: ['debian:12'] };
  const python = { imageId: `sha256:${'a'.repeat(64)}`, manifestDigests: [], repoTags: ['python:3.12'] };
  it.each<[string, string[], string]>([
    ['the base by tag', ['debian:12'], 'PASS'],
    ['the base by its full name', ['docker.io/library/debian:12'], 'PASS'],
    ['the base by image ID', [debian.imageId], 'PASS'],
    ['the base by bare hex image ID', ['d'.repeat(64)], 'PASS'],
    ['the base by repo@manifest digest', [`debian@sha256:${'e'.repeat(64)}`], 'PASS'],
    ['an ancestor above the base', ['python:3.12'], 'PASS'],
    ['another image', ['alpine:3', 'debian:11'], 'FAIL'],
  ])('allowedBases matches %s', (_n, allowed, status) => {
    expect(verdict({ allowedBases: allowed }, { ancestors: [python, debian] }).allowedBases).toBe(status);
  });

  it('allowedBases: a tag that names the base now matches even when the base carries other tags; no ancestor fails', () => {
    expect(verdict({ allowedBases: ['stable'] }, { ancestors: [debian], resolvedBases: new Map([['stable', debian.imageId]]) }).allowedBases).toBe('PASS');
    const none = evaluateRules({ ...NO_RULES, allowedBases: ['debian:12'] }, facts()).results[5]!;
    expect(none).toMatchObject({ status: 'FAIL', message: expect.stringMatching(/no base image known/) });
  });

  it('forbiddenPaths reports the matching paths', () => {
    const matches = matchForbidden(['/etc', '/etc/key.pem', '/root/.ssh/id_rsa', '/usr'], [
      { pattern: 'pem', test: (p) => p.endsWith('.pem') }, { pattern: 'ssh', test: (p) => p.startsWith('/root/.ssh') },
    ]);
    const r = evaluateRules({ ...NO_RULES, forbiddenPaths: ['pem', 'ssh'] }, facts({ forbiddenMatches: matches })).results[6]!;
    expect(r).toMatchObject({ status: 'FAIL', actual: '2', paths: ['/etc/key.pem', '/root/.ssh/id_rsa'] });
    expect(r.message).toMatch(/\/etc\/key\.pem, \/root\/\.ssh\/id_rsa/);
    expect(verdict({ forbiddenPaths: ['x'] }, { forbiddenMatches: [{ pattern: 'x', paths: [] }] }).forbiddenPaths).toBe('PASS');
  });
});

describe('judged layers', () => {
  const chain = ['c0', 'c1', 'c2', 'c3'];
  it('all layers unless aboveBase', () => {
    expect(judgedLayers(chain, false, { name: 'b', chainIds: ['c0'] })).toEqual({ from: 0, count: 4, basis: 'WHOLE_IMAGE', base: null });
  });
  it("above the base's layers in common; the shared stack only when no base is known", () => {
    expect(judgedLayers(chain, true, { name: 'debian:12', chainIds: ['c0', 'c1'] }, { name: 'x', chainIds: ['c0', 'c1', 'c2'] }))
      .toEqual({ from: 2, count: 2, basis: 'ABOVE_BASE', base: 'debian:12' });
    expect(judgedLayers(chain, true, null, { name: 'stack', chainIds: ['c0', 'c1', 'c2'] })).toMatchObject({ from: 3, count: 1, basis: 'ABOVE_BASE_STACK' });
    expect(judgedLayers(chain, true, { name: 'annotated', chainIds: ['c0', 'zz', 'c2'] })).toMatchObject({ from: 1, count: 3 });
    expect(judgedLayers(chain, true, null)).toMatchObject({ from: 0, count: 4, basis: 'NO_BASE_KNOWN' });
  });
  it('says which layers were judged', () => {
    expect(describeJudged(judgedLayers(chain, true, { name: 'debian:12', chainIds: ['c0', 'c1'] }))).toBe('layers 2-3 (2 above base debian:12, layers 0-1)');
    expect(describeJudged(judgedLayers(chain, false, null))).toBe('all 4 layers (layers 0-3)');
  });
});
