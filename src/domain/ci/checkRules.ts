/**
 * CI rules (docs/ci.md): dive's three `.dive-ci` rules, with dive's value forms
 * and "disabled" words, plus Strata's own. A rule whose value is null is skipped.
 * Bad values are refused with one line naming the key and the value.
 */
import { badInput } from '../errors';
import { looksLikeImageId, parseReference } from '../reference';
import { parseByteSize } from './byteSize';

export interface CheckRules {
  lowestEfficiency: number | null;
  highestWastedBytes: number | null;
  highestUserWastedPercent: number | null;
  maxLayers: number | null;
  maxGrowthOverParentBytes: number | null;
  allowedBases: readonly string[] | null;
  forbiddenPaths: readonly string[] | null;
  /** Under this many wasted bytes the ratio rules (lowestEfficiency, highestUserWastedPercent) pass. */
  minWastedBytes: number | null;
  /** Judge the efficiency figures over the layers above the image's base. */
  aboveBase: boolean;
}

export const RULE_KEYS = [
  'lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent',
  'maxLayers', 'maxGrowthOverParentBytes', 'allowedBases', 'forbiddenPaths',
] as const;
export type RuleKey = (typeof RULE_KEYS)[number];

/** Keys a rules file or flags may set: the rules, and the two options that shape them. */
export const CONFIG_KEYS: readonly (keyof CheckRules)[] = [...RULE_KEYS, 'minWastedBytes', 'aboveBase'];

/** dive's defaults when a key is given nowhere (dive's CIRules defaults). */
export const DIVE_DEFAULTS: Readonly<Record<'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent', string>> = {
  lowestEfficiency: '0.9',
  highestWastedBytes: 'disabled',
  highestUserWastedPercent: '0.1',
};

export const NO_RULES: CheckRules = {
  lowestEfficiency: null, highestWastedBytes: null, highestUserWastedPercent: null, maxLayers: null,
  maxGrowthOverParentBytes: null, allowedBases: null, forbiddenPaths: null, minWastedBytes: null, aboveBase: false,
};

/** dive: an empty value, "disabled", "off" or "false" (any case, spaces around) skips a rule. */
export function isDisabledValue(raw: unknown): boolean {
  if (raw === null || raw === undefined || raw === false) return true;
  if (typeof raw !== 'string') return false;
  const v = raw.trim().toLowerCase();
  return v === '' || v === 'disabled' || v === 'off' || v === 'false';
}

/** Where a value came from, for the refusal message: "rules.lowestEfficiency in .dive-ci", "--maxLayers". */
export type KeyLabel = (key: string) => string;

const shown = (raw: unknown): string => (typeof raw === 'string' ? JSON.stringify(raw) : JSON.stringify(raw) ?? String(raw));
const refuse = (label: string, raw: unknown, why: string) => badInput(`${label}: ${shown(raw)} ${why}`, { key: label, value: raw });

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function ratio(label: string, raw: unknown): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && DECIMAL.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (typeof raw !== 'number' && Number.isNaN(n)) throw refuse(label, raw, 'is not a ratio (a number from 0 to 1, e.g. 0.1 for 10%)');
  if (!(n >= 0 && n <= 1)) throw refuse(label, raw, 'is outside the allowed range 0..1');
  return n;
}

function bytes(label: string, raw: unknown): number {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || raw < 0) throw refuse(label, raw, 'is not a byte count (a non-negative number, e.g. 20MB or 20MiB)');
    if (!Number.isSafeInteger(Math.floor(raw))) throw refuse(label, raw, 'is too large (at most 2^53 - 1 bytes)');
    return Math.floor(raw);
  }
  if (typeof raw !== 'string') throw refuse(label, raw, 'is not a byte count (e.g. 20MB or 20MiB)');
  const parsed = parseByteSize(raw);
  if (!parsed.ok) throw refuse(label, raw, `is not a byte count: ${parsed.reason}`);
  return parsed.bytes;
}

function count(label: string, raw: unknown): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw refuse(label, raw, 'is not a whole number of layers (0 or more)');
  return n;
}

function stringList(label: string, raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : null;
  if (!list) throw refuse(label, raw, 'is not a list of strings');
  return list.map((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') throw refuse(`${label}[${i}]`, item, 'is not a non-empty string');
    return item.trim();
  });
}

function references(label: string, raw: unknown): string[] {
  return stringList(label, raw).map((ref, i) => {
    if (looksLikeImageId(ref)) return ref;
    try { parseReference(ref); } catch (e) { throw refuse(`${label}[${i}]`, ref, `is not an image reference (${(e as Error).message})`); }
    return ref;
  });
}

function boolean(label: string, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const v = typeof raw === 'string' ? raw.trim().toLowerCase() : null;
  if (v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === 'no' || v === 'off' || v === '') return false;
  throw refuse(label, raw, 'is not true or false');
}

/**
 * Parses one value of one key; null for a disabled value. `label` names it in a refusal.
 * Lists: an empty list skips the rule, like an empty value.
 */
export function parseRuleValue(key: keyof CheckRules, raw: unknown, label: string = key): CheckRules[keyof CheckRules] {
  if (key === 'aboveBase') return raw === null || raw === undefined ? false : boolean(label, raw);
  if (isDisabledValue(raw)) return null;
  if (raw === true) throw refuse(label, raw, 'is not a value for this rule (use a value, or "disabled")');
  switch (key) {
    case 'lowestEfficiency': case 'highestUserWastedPercent': return ratio(label, raw);
    case 'highestWastedBytes': case 'maxGrowthOverParentBytes': case 'minWastedBytes': return bytes(label, raw);
    case 'maxLayers': return count(label, raw);
    case 'allowedBases': { const l = references(label, raw); return l.length ? l : null; }
    case 'forbiddenPaths': { const l = stringList(label, raw); return l.length ? l : null; }
    default: throw badInput(`${label}: unknown rule`);
  }
}

/**
 * Rules from raw key → value pairs (a parsed rules file, flags, or the API's input).
 * Unknown keys are refused: a misspelt rule silently skipped would let a gate pass.
 */
export function parseCheckRules(raw: Readonly<Record<string, unknown>>, label: KeyLabel = (k) => k): CheckRules {
  const rules: CheckRules = { ...NO_RULES };
  for (const [key, value] of Object.entries(raw)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw badInput(`${label(key)}: unknown rule (known: ${CONFIG_KEYS.join(', ')})`, { key: label(key) });
    }
    (rules as unknown as Record<string, unknown>)[key] = parseRuleValue(key as keyof CheckRules, value, label(key));
  }
  return rules;
}
