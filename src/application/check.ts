/**
 * An image judged against CI rules (docs/ci.md): gathers the facts the pure
 * evaluation needs from the read model and the merged views — efficiency over
 * the judged layers, parent, ancestor line, forbidden paths — then evaluates.
 * The CLI (`strata ci`) and the API (`Image.check`) both answer from here.
 */
import picomatch from 'picomatch';
import { badInput } from '../domain/errors';
import { efficiency, type EfficiencyReport } from '../domain/efficiency';
import type { CheckRules } from '../domain/ci/checkRules';
import { evaluateRules, nameOf, type CheckResult, type NamedImage } from '../domain/ci/evaluate';
import { matchForbidden, type PathPattern } from '../domain/ci/forbiddenPaths';
import { judgedLayers, type BaseCandidate, type JudgedLayers } from '../domain/ci/judgedLayers';
import type { ReadModel } from '../projections/readModel';
import type { ImageRecord } from '../projections/records';
import type { Strata } from './strata';

export interface CheckReport {
  imageId: string;
  name: string;
  layerCount: number;
  judged: JudgedLayers;
  efficiency: EfficiencyReport;
  result: CheckResult;
}

/**
 * Patterns match absolute paths of the merged view ("/root/.ssh/**", "**\/*.pem");
 * one that starts with neither "/" nor "**" is taken from the root ("etc/shadow" = "/etc/shadow").
 * Dotfiles match like any other name.
 */
export function compilePathPatterns(patterns: readonly string[]): PathPattern[] {
  return patterns.map((pattern) => {
    const anchored = pattern.startsWith('/') || pattern.startsWith('**') ? pattern : `/${pattern}`;
    try {
      const test = picomatch(anchored, { dot: true });
      return { pattern, test };
    } catch (e) {
      const why = `forbiddenPaths: "${pattern}" is not a glob pattern (${(e as Error).message})`;
      throw badInput(why, { key: 'forbiddenPaths', value: pattern });
    }
  });
}

const named = (model: ReadModel, rec: ImageRecord): NamedImage => ({
  imageId: rec.imageId, manifestDigests: rec.manifestDigests, repoTags: model.repoTags(rec.imageId),
});

/** The shared base stack under an image (Image.baseChain), named by its own image when one is known. */
function baseStackOf(model: ReadModel, rec: ImageRecord): BaseCandidate | null {
  const chainIds = rec.layers.map((l) => l.chainId);
  const node = model.baseChains.baseChainOf(chainIds);
  if (!node) return null;
  const own = model.baseChains.imagesExactly(node.chainId).map((id) => model.images.get(id)).find((r) => r !== undefined);
  const layers = `${node.depth} layer${node.depth === 1 ? '' : 's'}`;
  const name = own ? nameOf(named(model, own)) : `${node.chainId.slice(0, 19)} (${layers}, unnamed)`;
  return { name, chainIds: chainIds.slice(0, node.depth) };
}

export async function checkImage(app: Strata, model: ReadModel, rec: ImageRecord, rules: CheckRules): Promise<CheckReport> {
  const lineage = model.lineage();
  const live = (id: string | null) => (id ? model.images.get(id) ?? null : null);
  const ancestors = lineage.ancestors(rec.imageId).map(live).filter((r): r is ImageRecord => r !== null);
  const baseRec = ancestors[ancestors.length - 1] ?? null;
  const parentRec = ancestors[0] ?? null;
  const self = named(model, rec);

  const chainIds = rec.layers.map((l) => l.chainId);
  const base = baseRec ? { name: nameOf(named(model, baseRec)), chainIds: baseRec.layers.map((l) => l.chainId) } : null;
  const judged = judgedLayers(chainIds, rules.aboveBase, base, rules.aboveBase && !base ? baseStackOf(model, rec) : null);

  const [entries, views] = await Promise.all([app.views.layerEntries(rec.layers.map((l) => l.diffId)), app.views.prefixViews(rec.layers)]);
  const layers = rec.layers.map((l) => ({ diffId: l.diffId, entries: entries.get(l.diffId) ?? [] }));
  const figures = efficiency(layers, views, judged.from);

  const patterns = rules.forbiddenPaths ? compilePathPatterns(rules.forbiddenPaths) : [];
  const top = views[views.length - 1];
  const forbiddenMatches = patterns.length && top ? matchForbidden(top.entries().map((e) => e.path), patterns) : [];

  const resolvedBases = new Map<string, string>();
  for (const ref of rules.allowedBases ?? []) {
    const hit = model.resolve(ref);
    if (hit) resolvedBases.set(ref, hit.imageId);
  }

  const result = evaluateRules(rules, {
    efficiency: figures,
    layerCount: rec.layers.length,
    sizeBytes: rec.size,
    parent: parentRec ? { name: nameOf(named(model, parentRec)), sizeBytes: parentRec.size } : null,
    ancestors: ancestors.map((a) => named(model, a)),
    resolvedBases,
    forbiddenMatches,
  });
  return { imageId: rec.imageId, name: nameOf(self), layerCount: rec.layers.length, judged, efficiency: figures, result };
}
