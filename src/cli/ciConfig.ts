/**
 * Where `strata ci` gets its rules (docs/ci.md "Configuration"): dive's
 * `.dive-ci` (--ci-config, default ./.dive-ci when present), Strata's rules
 * file (--rules), then flags; a later source overrides an earlier one key by
 * key; dive's defaults fill dive's three keys that no source gives.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { badInput } from '../domain/errors';
import { CONFIG_KEYS, DIVE_DEFAULTS, parseCheckRules, type CheckRules } from '../domain/ci/checkRules';

export interface CiConfigOptions {
  ciConfig?: string;
  rules?: string;
  aboveBase?: boolean;
  /** Flag values by rule key (strings as typed; lists for the list rules). */
  flags: Record<string, unknown>;
  cwd?: string;
}

interface Sourced { value: unknown; label: string }

/** The `rules:` mapping of a YAML rules file (a top-level aboveBase is accepted too). */
export function readRulesFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw badInput(`cannot read rules file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { key: file });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw badInput(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw badInput(`${file}: expected a mapping with a "rules:" key`);
  const top = doc as Record<string, unknown>;
  const rules = top.rules ?? {};
  if (rules === null || typeof rules !== 'object' || Array.isArray(rules)) {
    throw badInput(`${file}: "rules" must be a mapping of rule names to values`);
  }
  const out: Record<string, unknown> = { ...(rules as Record<string, unknown>) };
  if ('aboveBase' in top && !('aboveBase' in out)) out.aboveBase = top.aboveBase;
  return out;
}

export function loadCiRules(opts: CiConfigOptions): { rules: CheckRules; sources: string[] } {
  const merged = new Map<string, Sourced>();
  const sources: string[] = [];
  const cwd = opts.cwd ?? process.cwd();
  const diveFile = opts.ciConfig ?? (fs.existsSync(path.join(cwd, '.dive-ci')) ? path.join(cwd, '.dive-ci') : undefined);
  for (const file of [diveFile, opts.rules]) {
    if (!file) continue;
    const shortName = path.relative(cwd, file) || file;
    for (const [k, v] of Object.entries(readRulesFile(file))) merged.set(k, { value: v, label: `rules.${k} in ${shortName}` });
    sources.push(shortName);
  }
  for (const [k, v] of Object.entries(opts.flags)) {
    if (v !== undefined) merged.set(k, { value: v, label: `--${k}` });
  }
  if (opts.aboveBase) merged.set('aboveBase', { value: true, label: '--above-base' });
  for (const [k, v] of Object.entries(DIVE_DEFAULTS)) {
    if (!merged.has(k)) merged.set(k, { value: v, label: `${k} (dive's default)` });
  }
  const raw = Object.fromEntries([...merged].map(([k, s]) => [k, s.value]));
  const labels = new Map([...merged].map(([k, s]) => [k, s.label]));
  const rules = parseCheckRules(raw, (k) => labels.get(k) ?? k);
  return { rules, sources };
}

export { CONFIG_KEYS };
