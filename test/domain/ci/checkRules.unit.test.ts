import { DomainError } from '../../../src/domain/errors';
import { isDisabledValue, NO_RULES, parseCheckRules, parseRuleValue } from '../../../src/domain/ci/checkRules';

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
