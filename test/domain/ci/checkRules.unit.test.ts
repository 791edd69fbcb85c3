import { DomainError } from '../../../src/domain/errors';
import { DIVE_DEFAULTS, isDisabledValue, NO_RULES, parseCheckRules, parseRuleValue, RULE_KEYS } from '../../../src/domain/ci/checkRules';

const refusal = (f: () => unknown): DomainError => {
  try { f(); } catch (e) { return e as DomainError; }
  throw new Error('expected a refusal');
};

describe('CI rule values', () => {
  it.each([null, undefined, '', '  ', 'disabled', 'DISABLED', ' off ', 'false', 'False', false])('%j disables a rule (dive isRuleDisabled, plus YAML false/empty)', (v) => {
    expect(isDisabledValue(v)).toBe(true);
    expect(parseRuleValue('lowestEfficiency', v)).toBeNull();
    expect(parseRuleValue('highestWastedBytes', v)).toBeNull();
    expect(parseRuleValue('maxLayers', v)).toBeNull();
  });

  it('ratios: strings and numbers from 0 to 1 inclusive', () => {
    expect(parseRuleValue('lowestEfficiency', '0.9')).toBe(0.9);
    expect(parseRuleValue('lowestEfficiency', 0)).toBe(0);
    expect(parseRuleValue('highestUserWastedPercent', '1')).toBe(1);
    expect(parseRuleValue('highestUserWastedPercent', '1e-1')).toBe(0.1);
  });

  it.each<[string, unknown, RegExp]>([
    ['lowestEfficiency', '1.1', /lowestEfficiency: "1.1" is outside the allowed range 0..1/],
    ['lowestEfficiency', '-0.1', /"-0.1" is outside the allowed range 0..1/],
    ['lowestEfficiency', 'not_a_number', /"not_a_number" is not a ratio/],
    ['highestUserWastedPercent', '10%', /"10%" is not a ratio/],
    ['highestUserWastedPercent', 1.5, /1.5 is outside the allowed range 0..1/],
    ['highestUserWastedPercent', 'NaN', /is not a ratio/],
    ['highestWastedBytes', 'not_a_size', /"not_a_size" is not a byte count/],
    ['highestWastedBytes', '-5MB', /"-5MB" is not a byte count/],
    ['highestWastedBytes', -5, /-5 is not a byte count/],
    ['highestWastedBytes', true, /true is not a value for this rule/],
    ['maxLayers', '2.5', /"2.5" is not a whole number of layers/],
    ['maxLayers', -1, /is not a whole number/],
    ['allowedBases', ['Debian:12'], /allowedBases\[0\]: "Debian:12" is not an image reference/],
    ['forbiddenPaths', [''], /forbiddenPaths\[0\]: "" is not a non-empty string/],
    ['forbiddenPaths', { a: 1 }, /is not a list of strings/],
    ['aboveBase', 'maybe', /aboveBase: "maybe" is not true or false/],
  ])('refuses %s = %j naming the key and the value', (key, value, message) => {
    const e = refusal(() => parseRuleValue(key as never, value));
    expect(e.code).toBe('BAD_USER_INPUT');
    expect(e.message).toMatch(message);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('byte rules take every dive form; numbers are bytes', () => {
    expect(parseRuleValue('highestWastedBytes', '20MB')).toBe(20_000_000);
    expect(parseRuleValue('maxGrowthOverParentBytes', '20MiB')).toBe(20_971_520);
    expect(parseRuleValue('minWastedBytes', 4096)).toBe(4096);
    expect(parseRuleValue('highestWastedBytes', '1,024')).toBe(1024);
  });

  it('whole rule sets: unknown keys refused (a misspelt rule must not silently pass), labels name the source', () => {
    expect(parseCheckRules({ lowestEfficiency: '0.5', forbiddenPaths: ['/root/.ssh/**'], allowedBases: [] }))
      .toEqual({ ...NO_RULES, lowestEfficiency: 0.5, forbiddenPaths: ['/root/.ssh/**'] });
    const e = refusal(() => parseCheckRules({ lowestEfficency: 0.9 }, (k) => `rules.${k} in .dive-ci`));
    expect(e.message).toMatch(/^rules\.lowestEfficency in \.dive-ci: unknown rule/);
    expect(refusal(() => parseCheckRules({ maxLayers: 'x' }, (k) => `--${k}`)).message).toMatch(/^--maxLayers: "x"/);
  });
});

describe('CI rule values, form by form (docs/ci.md "Value forms")', () => {
  const message = (key: string, value: unknown, label?: string) => refusal(() => parseRuleValue(key as never, value, label)).message;

  it('isDisabledValue: only the disabled words, empty text, false, null and undefined', () => {
    for (const v of ['0', 'no', 'none', 'disable', 'x', 0, 1, true, [], {}]) expect([v, isDisabledValue(v)]).toEqual([v, false]);
  });

  it('ratios: a decimal with an optional sign and exponent, spaces around allowed; the range is inclusive at both ends', () => {
    expect([' 0.5 ', '.5', '1.', '5e-1', '+0.5', '0E0', '1.0', '0.25E+0', 1, 0.5].map((v) => parseRuleValue('lowestEfficiency', v)))
      .toEqual([0.5, 0.5, 1, 0.5, 0.5, 0, 1, 0.25, 1, 0.5]);
    expect(message('lowestEfficiency', 'x0.5')).toBe('lowestEfficiency: "x0.5" is not a ratio (a number from 0 to 1, e.g. 0.1 for 10%)');
    expect(message('lowestEfficiency', '0.5x')).toBe('lowestEfficiency: "0.5x" is not a ratio (a number from 0 to 1, e.g. 0.1 for 10%)');
    expect(message('lowestEfficiency', '0.5e')).toMatch(/is not a ratio/);
    expect(message('lowestEfficiency', '.')).toMatch(/is not a ratio/);
    expect(message('lowestEfficiency', ['0.5'])).toBe('lowestEfficiency: ["0.5"] is not a ratio (a number from 0 to 1, e.g. 0.1 for 10%)');
    expect(message('lowestEfficiency', Number.NaN)).toMatch(/^lowestEfficiency: .* is outside the allowed range 0\.\.1$/);
    expect(message('highestUserWastedPercent', -0.01)).toBe('highestUserWastedPercent: -0.01 is outside the allowed range 0..1');
    expect(message('highestUserWastedPercent', '1.0001')).toBe('highestUserWastedPercent: "1.0001" is outside the allowed range 0..1');
  });

  it('byte counts: a YAML number is bytes (a fraction truncated); text takes the dive forms; anything else is refused', () => {
    expect(parseRuleValue('highestWastedBytes', 1.9)).toBe(1);
    expect(parseRuleValue('highestWastedBytes', 0)).toBe(0);
    expect(parseRuleValue('highestWastedBytes', Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(message('highestWastedBytes', 2 ** 53)).toBe('highestWastedBytes: 9007199254740992 is too large (at most 2^53 - 1 bytes)');
    expect(message('highestWastedBytes', Number.POSITIVE_INFINITY))
      .toMatch(/^highestWastedBytes: .* is not a byte count \(a non-negative number, e\.g\. 20MB or 20MiB\)$/);
    expect(message('minWastedBytes', -0.5)).toBe('minWastedBytes: -0.5 is not a byte count (a non-negative number, e.g. 20MB or 20MiB)');
    expect(message('maxGrowthOverParentBytes', ['1MB'])).toBe('maxGrowthOverParentBytes: ["1MB"] is not a byte count (e.g. 20MB or 20MiB)');
    expect(message('highestWastedBytes', '20 XB'))
      .toBe('highestWastedBytes: "20 XB" is not a byte count: unknown size unit "XB" (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB, …)');
  });

  it('layer counts: a whole number, as a number or as digits with spaces around', () => {
    expect([0, 7, '7', ' 12 '].map((v) => parseRuleValue('maxLayers', v))).toEqual([0, 7, 7, 12]);
    for (const bad of ['7x', 'x7', '1 2', '0x10', '1e2', 2.5, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(message('maxLayers', bad)).toMatch(/^maxLayers: .* is not a whole number of layers \(0 or more\)$/);
    }
  });

  it('lists: one string counts as a list of one; items are trimmed; an empty list skips the rule', () => {
    expect(parseRuleValue('forbiddenPaths', ' /etc/shadow ')).toEqual(['/etc/shadow']);
    expect(parseRuleValue('forbiddenPaths', ['/a', ' **/*.pem'])).toEqual(['/a', '**/*.pem']);
    expect(parseRuleValue('forbiddenPaths', [])).toBeNull();
    expect(message('forbiddenPaths', ['/a', 3])).toBe('forbiddenPaths[1]: 3 is not a non-empty string');
    expect(message('forbiddenPaths', ['/a', '  '])).toBe('forbiddenPaths[1]: "  " is not a non-empty string');
    expect(message('forbiddenPaths', 7)).toBe('forbiddenPaths: 7 is not a list of strings');
  });

  it('allowedBases: tags, references with a digest and image IDs (with or without "sha256:") are kept as written', () => {
    const id = 'a'.repeat(64);
    const refs = ['debian:12', `debian@sha256:${id}`, id, `sha256:${id}`, `SHA256:${id.toUpperCase()}`, 'registry.example:5000/team/app'];
    expect(parseRuleValue('allowedBases', refs)).toEqual(refs);
    expect(parseRuleValue('allowedBases', [])).toBeNull();
    expect(message('allowedBases', ['debian:12', 'a b'])).toMatch(/^allowedBases\[1\]: "a b" is not an image reference \(.+\)$/);
    expect(message('allowedBases', [`debian@sha256:${id.slice(1)}`])).toMatch(/^allowedBases\[0\]: "debian@sha256:a{63}" is not an image reference/);
  });

  it('aboveBase: true/yes/on and false/no/off/empty in any case; absent is false; other values are refused', () => {
    expect([true, false, 'TRUE', ' yes ', 'On', 'false', 'No', 'OFF', '', null, undefined].map((v) => parseRuleValue('aboveBase', v)))
      .toEqual([true, false, true, true, true, false, false, false, false, false, false]);
    expect(message('aboveBase', 1)).toBe('aboveBase: 1 is not true or false');
    expect(message('aboveBase', 'disabled')).toBe('aboveBase: "disabled" is not true or false');
  });

  it('true is no value for any other rule; the label names where it came from', () => {
    expect(message('maxLayers', true, '--maxLayers')).toBe('--maxLayers: true is not a value for this rule (use a value, or "disabled")');
    expect(message('forbiddenPaths', true)).toBe('forbiddenPaths: true is not a value for this rule (use a value, or "disabled")');
  });

  it('parseCheckRules: every known key and option is read; the refusal lists the known ones; default labels are the keys', () => {
    expect(parseCheckRules({
      lowestEfficiency: '0.9', highestWastedBytes: '1kB', highestUserWastedPercent: 0.1, maxLayers: 5, maxGrowthOverParentBytes: '2KiB',
      allowedBases: 'debian:12', forbiddenPaths: ['/x'], minWastedBytes: 10, aboveBase: 'yes',
    })).toEqual({
      lowestEfficiency: 0.9, highestWastedBytes: 1000, highestUserWastedPercent: 0.1, maxLayers: 5, maxGrowthOverParentBytes: 2048,
      allowedBases: ['debian:12'], forbiddenPaths: ['/x'], minWastedBytes: 10, aboveBase: true,
    });
    expect(parseCheckRules({})).toEqual(NO_RULES);
    const e = refusal(() => parseCheckRules({ maxLayer: 1 }));
    expect([e.code, e.message, e.details]).toEqual(['BAD_USER_INPUT',
      'maxLayer: unknown rule (known: lowestEfficiency, highestWastedBytes, highestUserWastedPercent, maxLayers, '
      + 'maxGrowthOverParentBytes, allowedBases, forbiddenPaths, minWastedBytes, aboveBase)', { key: 'maxLayer' }]);
    expect(refusal(() => parseCheckRules({ maxLayers: 'x' })).details).toEqual({ key: 'maxLayers', value: 'x' });
  });

  it("dive's defaults: efficiency 0.9, wasted bytes disabled, user-wasted ratio 0.1; RULE_KEYS in report order", () => {
    expect(DIVE_DEFAULTS).toEqual({ lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' });
    expect(RULE_KEYS).toEqual(['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent', 'maxLayers',
      'maxGrowthOverParentBytes', 'allowedBases', 'forbiddenPaths']);
    expect(NO_RULES).toEqual({ lowestEfficiency: null, highestWastedBytes: null, highestUserWastedPercent: null, maxLayers: null,
      maxGrowthOverParentBytes: null, allowedBases: null, forbiddenPaths: null, minWastedBytes: null, aboveBase: false });
  });

  it('ratios: several digits before the point, several after a leading point, several in the exponent', () => {
    expect(message('lowestEfficiency', '12.5')).toBe('lowestEfficiency: "12.5" is outside the allowed range 0..1');
    expect(parseRuleValue('lowestEfficiency', '.25')).toBe(0.25);
    expect(parseRuleValue('lowestEfficiency', '1e-10')).toBe(1e-10);
  });

  it('a layer count is a number or a string of digits, not a list holding one', () => {
    expect(message('maxLayers', ['5'])).toBe('maxLayers: ["5"] is not a whole number of layers (0 or more)');
  });

  it('a key outside the rules (a caller bypassing parseCheckRules) is refused, not ignored', () => {
    expect(message('noSuchRule', 'x')).toBe('noSuchRule: unknown rule');
  });
});

