/**
 * The CI verdict (docs/ci.md "Rules"): every rule PASS, FAIL or SKIP with the
 * actual value and the limit. dive's comparisons: efficiency below the limit
 * fails, wasted bytes or the user-wasted ratio above it fails; equal passes.
 */
import type { EfficiencyReport } from '../efficiency';
import { groupedBytes } from './byteSize';
import { looksLikeImageId, normalizeTag } from '../reference';
import { RULE_KEYS, type CheckRules, type RuleKey } from './checkRules';

export type CheckStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface CheckRuleResult {
  rule: RuleKey;
  status: CheckStatus;
  actual: string | null;
  limit: string | null;
  message: string;
  /** forbiddenPaths: the matching paths of the merged view (at most MAX_REPORTED_PATHS). */
  paths?: string[];
}

export interface CheckResult { pass: boolean; results: CheckRuleResult[] }

/** An image of the ancestor line, with every name it is known by. */
export interface NamedImage { imageId: string; manifestDigests: readonly string[]; repoTags: readonly string[] }

export interface CheckFacts {
  /** Figures over the judged layers (judgedLayers.ts). */
  efficiency: EfficiencyReport;
  layerCount: number;
  sizeBytes: number;
  parent: { name: string; sizeBytes: number } | null;
  /** The ancestor line, nearest first, base last (empty when no ancestor is known). */
  ancestors: readonly NamedImage[];
  /** allowedBases entries resolved to the image IDs they name now (tags move; names are matched too). */
  resolvedBases: ReadonlyMap<string, string>;
  /** forbiddenPaths: each pattern's matching paths. */
  forbiddenMatches: readonly { pattern: string; paths: readonly string[] }[];
}

export const MAX_REPORTED_PATHS = 1000;

const DIVE_RULES: readonly RuleKey[] = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'];
/** dive's rules always have a value on the CLI (a default or "disabled"); Strata's are off unless given. */
const skip = (rule: RuleKey, why = DIVE_RULES.includes(rule) ? 'rule disabled' : 'not configured'): CheckRuleResult =>
  ({ rule, status: 'SKIP', actual: null, limit: null, message: why });

/** A wasted-bytes floor: under it the ratio rules pass (small images, where percentages are noise). */
function floorPass(
  rule: RuleKey, facts: CheckFacts, rules: CheckRules, actual: string, limit: string, failure: string,
): CheckRuleResult | null {
  const floor = rules.minWastedBytes;
  if (floor === null || facts.efficiency.wastedBytes >= floor) return null;
  return {
    rule, status: 'PASS', actual, limit,
    message: `${failure}, but wasted bytes ${groupedBytes(facts.efficiency.wastedBytes)} are under minWastedBytes ${groupedBytes(floor)}`,
  };
}

function lowestEfficiency(rules: CheckRules, facts: CheckFacts): CheckRuleResult {
  const limit = rules.lowestEfficiency;
  if (limit === null) return skip('lowestEfficiency');
  const score = facts.efficiency.score;
  const actual = String(score);
  if (!(limit > score)) {
    return { rule: 'lowestEfficiency', status: 'PASS', actual, limit: String(limit), message: `efficiency ${actual} >= ${limit}` };
  }
  const failure = `image efficiency is too low (efficiency=${actual} < threshold=${limit})`;
  return floorPass('lowestEfficiency', facts, rules, actual, String(limit), failure)
    ?? { rule: 'lowestEfficiency', status: 'FAIL', actual, limit: String(limit), message: failure };
}

function highestWastedBytes(rules: CheckRules, facts: CheckFacts): CheckRuleResult {
  const limit = rules.highestWastedBytes;
  if (limit === null) return skip('highestWastedBytes');
  const wasted = facts.efficiency.wastedBytes;
  const base = { rule: 'highestWastedBytes' as const, actual: String(wasted), limit: String(limit) };
  return wasted > limit
    ? { ...base, status: 'FAIL', message: `too many bytes wasted (wasted-bytes=${wasted} > threshold=${limit})` }
    : { ...base, status: 'PASS', message: `wasted bytes ${groupedBytes(wasted)} <= ${groupedBytes(limit)}` };
}

function highestUserWastedPercent(rules: CheckRules, facts: CheckFacts): CheckRuleResult {
  const limit = rules.highestUserWastedPercent;
  if (limit === null) return skip('highestUserWastedPercent');
  const { userWastedPercent, wastedBytes } = facts.efficiency;
  // No user bytes: dive divides by zero; 0/0 (NaN) passes its comparison, w/0 (+Inf) fails it.
  const ratio = userWastedPercent ?? (wastedBytes > 0 ? Number.POSITIVE_INFINITY : Number.NaN);
  const actual = userWastedPercent === null ? (wastedBytes > 0 ? 'Infinity' : 'NaN') : String(userWastedPercent);
  if (!(ratio > limit)) {
    const message = `user wasted ratio ${actual} <= ${limit}`;
    return { rule: 'highestUserWastedPercent', status: 'PASS', actual, limit: String(limit), message };
  }
  const failure = `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${actual} > threshold=${limit})`;
  return floorPass('highestUserWastedPercent', facts, rules, actual, String(limit), failure)
    ?? { rule: 'highestUserWastedPercent', status: 'FAIL', actual, limit: String(limit), message: failure };
}

function maxLayers(rules: CheckRules, facts: CheckFacts): CheckRuleResult {
  const limit = rules.maxLayers;
  if (limit === null) return skip('maxLayers');
  const base = { rule: 'maxLayers' as const, actual: String(facts.layerCount), limit: String(limit) };
  return facts.layerCount > limit
    ? { ...base, status: 'FAIL', message: `too many layers (${facts.layerCount} > ${limit})` }
    : { ...base, status: 'PASS', message: `${facts.layerCount} layers <= ${limit}` };
}

function maxGrowthOverParentBytes(rules: CheckRules, facts: CheckFacts): CheckRuleResult {
  const limit = rules.maxGrowthOverParentBytes;
  if (limit === null) return skip('maxGrowthOverParentBytes');
  if (!facts.parent) return skip('maxGrowthOverParentBytes', 'no parent image in the ledger to compare with');
  const growth = facts.sizeBytes - facts.parent.sizeBytes;
  const base = { rule: 'maxGrowthOverParentBytes' as const, actual: String(growth), limit: String(limit) };
  const versus = `${groupedBytes(facts.sizeBytes)} bytes vs ${groupedBytes(facts.parent.sizeBytes)} for parent ${facts.parent.name}`;
  return growth > limit
    ? { ...base, status: 'FAIL', message: `grew ${groupedBytes(growth)} bytes over its parent (> ${groupedBytes(limit)}): ${versus}` }
    : { ...base, status: 'PASS', message: `grew ${groupedBytes(growth)} bytes over its parent (<= ${groupedBytes(limit)}): ${versus}` };
}

/** The names an allowedBases entry can match: image ID, manifest digest, repo@digest, or tag (normalized by the caller). */
function matches(img: NamedImage, allowed: string, resolvedTo: string | undefined): boolean {
  const a = allowed.trim().toLowerCase();
  const bare = a.startsWith('sha256:') ? a : `sha256:${a}`;
  if (img.imageId === bare || img.manifestDigests.includes(bare)) return true;
  const at = a.indexOf('@');
  if (at >= 0 && img.manifestDigests.includes(a.slice(at + 1))) return true;
  return resolvedTo === img.imageId || (tagForm(allowed) !== null && img.repoTags.includes(tagForm(allowed)!));
}

/** "docker.io/library/debian:12" → "debian:12"; null for IDs and digest references. */
function tagForm(ref: string): string | null {
  if (looksLikeImageId(ref) || ref.includes('@')) return null;
  try { return normalizeTag(ref); } catch { return null; }
}

export const nameOf = (img: NamedImage): string => img.repoTags[0] ?? img.imageId.slice(0, 19);

function allowedBases(rules: CheckRules, facts: CheckFacts): CheckRuleResult {
  const allowed = rules.allowedBases;
  if (allowed === null) return skip('allowedBases');
  const limit = allowed.join(', ');
  const base = facts.ancestors[facts.ancestors.length - 1];
  if (!base) {
    const message = 'no base image known: the image has no ancestor in the ledger';
    return { rule: 'allowedBases', status: 'FAIL', actual: null, limit, message };
  }
  for (const img of facts.ancestors) {
    const hit = allowed.find((a) => matches(img, a, facts.resolvedBases.get(a)));
    if (hit) {
      const how = img === base ? 'its base' : `its ancestor (base ${nameOf(base)})`;
      const message = `built on ${nameOf(img)}, ${how}, allowed as "${hit}"`;
      return { rule: 'allowedBases', status: 'PASS', actual: nameOf(img), limit, message };
    }
  }
  const line = facts.ancestors.map(nameOf).join(' <- ');
  const message = `base ${nameOf(base)} is not an allowed base (ancestor line: ${line})`;
  return { rule: 'allowedBases', status: 'FAIL', actual: nameOf(base), limit, message };
}

function forbiddenPaths(rules: CheckRules, facts: CheckFacts): CheckRuleResult {
  const patterns = rules.forbiddenPaths;
  if (patterns === null) return skip('forbiddenPaths');
  const all = [...new Set(facts.forbiddenMatches.flatMap((m) => m.paths))].sort();
  const limit = patterns.join(', ');
  if (all.length === 0) {
    return { rule: 'forbiddenPaths', status: 'PASS', actual: '0', limit, message: 'no path of the merged view matches' };
  }
  const shownPaths = all.slice(0, 10).join(', ');
  const more = all.length > 10 ? ` and ${all.length - 10} more` : '';
  return {
    rule: 'forbiddenPaths', status: 'FAIL', actual: String(all.length), limit,
    message: `${all.length} forbidden path${all.length === 1 ? '' : 's'} in the merged view: ${shownPaths}${more}`,
    paths: all.slice(0, MAX_REPORTED_PATHS),
  };
}

const EVALUATORS: Record<RuleKey, (rules: CheckRules, facts: CheckFacts) => CheckRuleResult> = {
  lowestEfficiency, highestWastedBytes, highestUserWastedPercent, maxLayers, maxGrowthOverParentBytes, allowedBases, forbiddenPaths,
};

/** One result per rule, in RULE_KEYS order; passes when none fails. */
export function evaluateRules(rules: CheckRules, facts: CheckFacts): CheckResult {
  const results = RULE_KEYS.map((k) => EVALUATORS[k](rules, facts));
  return { pass: results.every((r) => r.status !== 'FAIL'), results };
}

export function tally(result: CheckResult): Record<CheckStatus, number> {
  const t: Record<CheckStatus, number> = { PASS: 0, FAIL: 0, SKIP: 0 };
  for (const r of result.results) t[r.status] += 1;
  return t;
}
