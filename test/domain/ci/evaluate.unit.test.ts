import type { EfficiencyReport } from '../../../src/domain/efficiency';
import { NO_RULES, type CheckRules } from '../../../src/domain/ci/checkRules';
import { evaluateRules, MAX_REPORTED_PATHS, nameOf, tally, type CheckFacts, type CheckRuleResult } from '../../../src/domain/ci/evaluate';
import { describeJudged, judgedLayers, type JudgedLayers } from '../../../src/domain/ci/judgedLayers';
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

describe('CI verdicts: what each result says (docs/ci.md "Rules")', () => {
  const result = (rules: Partial<CheckRules>, f: Partial<CheckFacts> = {}, rule?: string) => {
    const r = evaluateRules({ ...NO_RULES, ...rules }, facts(f)).results;
    return rule ? r.find((x) => x.rule === rule)! : r;
  };

  it("skips: dive's rules say 'rule disabled', Strata's 'not configured', with no actual or limit", () => {
    expect((result({}) as CheckRuleResult[]).map((r) => [r.rule, r.status, r.actual, r.limit, r.message])).toEqual([
      ['lowestEfficiency', 'SKIP', null, null, 'rule disabled'],
      ['highestWastedBytes', 'SKIP', null, null, 'rule disabled'],
      ['highestUserWastedPercent', 'SKIP', null, null, 'rule disabled'],
      ['maxLayers', 'SKIP', null, null, 'not configured'],
      ['maxGrowthOverParentBytes', 'SKIP', null, null, 'not configured'],
      ['allowedBases', 'SKIP', null, null, 'not configured'],
      ['forbiddenPaths', 'SKIP', null, null, 'not configured'],
    ]);
  });

  it("dive's failure messages, word for word; passes say the comparison", () => {
    const fail = result({ lowestEfficiency: 0.95, highestWastedBytes: 99, highestUserWastedPercent: 0.1, maxLayers: 2 }) as CheckRuleResult[];
    expect(fail.slice(0, 4).map((r) => [r.status, r.actual, r.limit, r.message])).toEqual([
      ['FAIL', '0.9', '0.95', 'image efficiency is too low (efficiency=0.9 < threshold=0.95)'],
      ['FAIL', '100', '99', 'too many bytes wasted (wasted-bytes=100 > threshold=99)'],
      ['FAIL', '0.2', '0.1', 'too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.2 > threshold=0.1)'],
      ['FAIL', '3', '2', 'too many layers (3 > 2)'],
    ]);
    const pass = result({ lowestEfficiency: 0.5, highestWastedBytes: 1500, highestUserWastedPercent: 0.5, maxLayers: 3 }, {
      efficiency: eff({ wastedBytes: 1200 }),
    }) as CheckRuleResult[];
    expect(pass.slice(0, 4).map((r) => [r.status, r.actual, r.limit, r.message])).toEqual([
      ['PASS', '0.9', '0.5', 'efficiency 0.9 >= 0.5'],
      ['PASS', '1200', '1500', 'wasted bytes 1,200 <= 1,500'],
      ['PASS', '0.2', '0.5', 'user wasted ratio 0.2 <= 0.5'],
      ['PASS', '3', '3', '3 layers <= 3'],
    ]);
    expect(evaluateRules({ ...NO_RULES, maxLayers: 2 }, facts()).pass).toBe(false);
  });

  it('no user bytes: the actual value reads NaN or Infinity', () => {
    expect(result({ highestUserWastedPercent: 0.5 }, { efficiency: eff({ userWastedPercent: null, wastedBytes: 0 }) }, 'highestUserWastedPercent'))
      .toMatchObject({ status: 'PASS', actual: 'NaN', message: 'user wasted ratio NaN <= 0.5' });
    expect(result({ highestUserWastedPercent: 1 }, { efficiency: eff({ userWastedPercent: null, wastedBytes: 7 }) }, 'highestUserWastedPercent'))
      .toMatchObject({ status: 'FAIL', actual: 'Infinity' });
  });

  it('minWastedBytes: the pass says which rule failed and both byte figures; a failing user ratio passes too', () => {
    const r = result({ highestUserWastedPercent: 0.1, minWastedBytes: 1000 }, { efficiency: eff({ wastedBytes: 999 }) }, 'highestUserWastedPercent');
    expect(r).toEqual({
      rule: 'highestUserWastedPercent', status: 'PASS', actual: '0.2', limit: '0.1',
      message: 'too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.2 > threshold=0.1), '
        + 'but wasted bytes 999 are under minWastedBytes 1,000',
    });
    expect(result({ lowestEfficiency: 0.95, minWastedBytes: 1000 }, { efficiency: eff({ wastedBytes: 1000 }) }, 'lowestEfficiency'))
      .toMatchObject({ status: 'FAIL' });
  });

  it('maxGrowthOverParentBytes: growth reported (negative when smaller), both sizes and the parent named', () => {
    expect(result({ maxGrowthOverParentBytes: 10 }, { sizeBytes: 5000, parent: { name: 'base:1', sizeBytes: 1000 } }, 'maxGrowthOverParentBytes'))
      .toEqual({ rule: 'maxGrowthOverParentBytes', status: 'FAIL', actual: '4000', limit: '10',
        message: 'grew 4,000 bytes over its parent (> 10): 5,000 bytes vs 1,000 for parent base:1' });
    expect(result({ maxGrowthOverParentBytes: 0 }, { sizeBytes: 1000, parent: { name: 'base:1', sizeBytes: 3000 } }, 'maxGrowthOverParentBytes'))
      .toMatchObject({ status: 'PASS', actual: '-2000', message: 'grew -2,000 bytes over its parent (<= 0): 1,000 bytes vs 3,000 for parent base:1' });
    expect(result({ maxGrowthOverParentBytes: 1 }, {}, 'maxGrowthOverParentBytes'))
      .toEqual({ rule: 'maxGrowthOverParentBytes', status: 'SKIP', actual: null, limit: null,
        message: 'no parent image in the ledger to compare with' });
  });

  const img = (c: string, tags: string[], digests: string[] = []) => ({ imageId: `sha256:${c.repeat(64)}`, manifestDigests: digests, repoTags: tags });
  const debian = img('d', ['debian:12', 'debian:bookworm'], [`sha256:${'e'.repeat(64)}`]);
  const python = img('a', ['python:3.12']);
  const app = img('b', []);

  it('allowedBases: says which ancestor matched, as its base or an ancestor above it, and the entry that allowed it', () => {
    expect(result({ allowedBases: ['debian:bookworm'] }, { ancestors: [python, debian] }, 'allowedBases')).toEqual({
      rule: 'allowedBases', status: 'PASS', actual: 'debian:12', limit: 'debian:bookworm',
      message: 'built on debian:12, its base, allowed as "debian:bookworm"',
    });
    expect(result({ allowedBases: ['alpine:3', 'python:3.12'] }, { ancestors: [python, debian] }, 'allowedBases')).toEqual({
      rule: 'allowedBases', status: 'PASS', actual: 'python:3.12', limit: 'alpine:3, python:3.12',
      message: 'built on python:3.12, its ancestor (base debian:12), allowed as "python:3.12"',
    });
  });

  it('allowedBases: a failure names the base and the whole ancestor line; an untagged image by its short ID', () => {
    expect(result({ allowedBases: ['alpine:3'] }, { ancestors: [app, python, debian] }, 'allowedBases')).toEqual({
      rule: 'allowedBases', status: 'FAIL', actual: 'debian:12', limit: 'alpine:3',
      message: `base debian:12 is not an allowed base (ancestor line: sha256:${'b'.repeat(12)} <- python:3.12 <- debian:12)`,
    });
    expect(result({ allowedBases: ['alpine:3'] }, {}, 'allowedBases')).toEqual({
      rule: 'allowedBases', status: 'FAIL', actual: null, limit: 'alpine:3', message: 'no base image known: the image has no ancestor in the ledger',
    });
  });

  it('allowedBases: matching is by whole names, case-insensitive for IDs and digests, never by prefix', () => {
    const status = (allowed: string[], ancestors = [python, debian], resolved = new Map<string, string>()) =>
      (result({ allowedBases: allowed }, { ancestors, resolvedBases: resolved }, 'allowedBases') as CheckRuleResult).status;
    expect(status([`SHA256:${'D'.repeat(64)}`])).toBe('PASS');
    expect(status([` ${'d'.repeat(64)} `])).toBe('PASS');
    expect(status([`sha256:${'E'.repeat(64)}`])).toBe('PASS'); // the manifest digest alone
    expect(status([`other@sha256:${'e'.repeat(64)}`])).toBe('PASS'); // a digest names content: the repository before it is not compared
    expect(status([`debian@sha256:${'f'.repeat(64)}`])).toBe('FAIL');
    expect(status(['d'.repeat(12)])).toBe('FAIL');
    expect(status(['debian'])).toBe('FAIL'); // debian:latest, a tag neither carries
    expect(status(['debian:13'], [python, debian], new Map([['debian:13', app.imageId]]))).toBe('FAIL');
    expect(status(['stable'], [python, debian], new Map([['stable', python.imageId]]))).toBe('PASS');
    expect(status([`${'d'.repeat(64)}@sha256:${'f'.repeat(64)}`])).toBe('FAIL');
    expect(status(['Debian:12'])).toBe('FAIL');
  });

  it('forbiddenPaths: each path once, sorted; the message shows ten and counts the rest; paths listed up to the maximum', () => {
    const many = Array.from({ length: MAX_REPORTED_PATHS + 5 }, (_, i) => `/p/${String(i).padStart(5, '0')}`);
    const r = result({ forbiddenPaths: ['/p/**', '**/*'] }, {
      forbiddenMatches: [{ pattern: '/p/**', paths: [...many].reverse() }, { pattern: '**/*', paths: many.slice(0, 3) }],
    }, 'forbiddenPaths') as CheckRuleResult;
    expect(r.status).toBe('FAIL');
    expect(r.actual).toBe(String(MAX_REPORTED_PATHS + 5));
    expect(r.limit).toBe('/p/**, **/*');
    expect(r.message).toBe(`${MAX_REPORTED_PATHS + 5} forbidden paths in the merged view: ${many.slice(0, 10).join(', ')} and ${MAX_REPORTED_PATHS - 5} more`);
    expect(r.paths).toEqual(many.slice(0, MAX_REPORTED_PATHS));
    const one = result({ forbiddenPaths: ['x'] }, { forbiddenMatches: [{ pattern: 'x', paths: ['/x'] }] }, 'forbiddenPaths');
    expect(one).toEqual({ rule: 'forbiddenPaths', status: 'FAIL', actual: '1', limit: 'x', message: '1 forbidden path in the merged view: /x', paths: ['/x'] });
    const ten = Array.from({ length: 10 }, (_, i) => `/t${i}`);
    expect((result({ forbiddenPaths: ['t'] }, { forbiddenMatches: [{ pattern: 't', paths: ten }] }, 'forbiddenPaths') as CheckRuleResult).message)
      .toBe(`10 forbidden paths in the merged view: ${ten.join(', ')}`);
    expect(result({ forbiddenPaths: ['x', 'y'] }, {}, 'forbiddenPaths'))
      .toEqual({ rule: 'forbiddenPaths', status: 'PASS', actual: '0', limit: 'x, y', message: 'no path of the merged view matches' });
  });

  it('tally counts results by status; nameOf is the first tag, else the short image ID', () => {
    const r = evaluateRules({ ...NO_RULES, maxLayers: 1, highestWastedBytes: 1000, allowedBases: ['x:1'] }, facts({ ancestors: [debian] }));
    expect(tally(r)).toEqual({ PASS: 1, FAIL: 2, SKIP: 4 });
    expect(tally({ pass: true, results: [] })).toEqual({ PASS: 0, FAIL: 0, SKIP: 0 });
    expect([nameOf(debian), nameOf(app)]).toEqual(['debian:12', `sha256:${'b'.repeat(12)}`]);
  });

  it('matchForbidden: every pattern reported in order, with the paths it matches in the order given', () => {
    expect(matchForbidden(['/b', '/a', '/ab'], [{ pattern: 'a', test: (p) => p.includes('a') }, { pattern: 'none', test: () => false }]))
      .toEqual([{ pattern: 'a', paths: ['/a', '/ab'] }, { pattern: 'none', paths: [] }]);
    expect(matchForbidden([], [{ pattern: 'a', test: () => true }])).toEqual([{ pattern: 'a', paths: [] }]);
  });
});

describe('judged layers: every form of the description', () => {
  it.each<[JudgedLayers, string]>([
    [{ from: 0, count: 0, basis: 'WHOLE_IMAGE', base: null }, 'no layers'],
    [{ from: 0, count: 1, basis: 'WHOLE_IMAGE', base: null }, 'all 1 layer (layer 0)'],
    [{ from: 0, count: 2, basis: 'WHOLE_IMAGE', base: null }, 'all 2 layers (layers 0-1)'],
    [{ from: 0, count: 3, basis: 'NO_BASE_KNOWN', base: null }, 'all 3 layers (layers 0-2): no base known to judge above'],
    [{ from: 1, count: 1, basis: 'ABOVE_BASE', base: 'b:1' }, 'layer 1 (1 above base b:1, layer 0)'],
    [{ from: 0, count: 2, basis: 'ABOVE_BASE', base: 'b:1' }, 'layers 0-1 (2 above base b:1, no layer in common)'],
    [{ from: 2, count: 0, basis: 'ABOVE_BASE', base: 'b:1' }, 'no layers: the image has none above base b:1 (layers 0-1)'],
    [{ from: 3, count: 2, basis: 'ABOVE_BASE_STACK', base: 'stack' }, 'layers 3-4 (2 above shared base stack stack, layers 0-2)'],
  ])('%j → %j', (j, text) => {
    expect(describeJudged(j)).toBe(text);
  });

  it('the common prefix stops at the first difference and at the shorter chain', () => {
    expect(judgedLayers(['a', 'b'], true, { name: 'x', chainIds: ['a', 'b', 'c'] })).toEqual({ from: 2, count: 0, basis: 'ABOVE_BASE', base: 'x' });
    expect(judgedLayers(['a', 'b', 'c'], true, { name: 'x', chainIds: ['z', 'b'] })).toEqual({ from: 0, count: 3, basis: 'ABOVE_BASE', base: 'x' });
    expect(judgedLayers([], true, null, { name: 's', chainIds: ['a'] })).toEqual({ from: 0, count: 0, basis: 'ABOVE_BASE_STACK', base: 's' });
    expect(judgedLayers(['a'], true, null, null)).toEqual({ from: 0, count: 1, basis: 'NO_BASE_KNOWN', base: null });
  });
});

describe('CI verdicts: the floor pass names its rule', () => {
  it('lowestEfficiency under minWastedBytes: PASS for lowestEfficiency, with actual, limit and why', () => {
    const r = evaluateRules({ ...NO_RULES, lowestEfficiency: 0.95, minWastedBytes: 101 }, facts()).results[0];
    expect(r).toEqual({
      rule: 'lowestEfficiency', status: 'PASS', actual: '0.9', limit: '0.95',
      message: 'image efficiency is too low (efficiency=0.9 < threshold=0.95), but wasted bytes 100 are under minWastedBytes 101',
    });
  });
});

