/** Image.check: the CI gate over the API, the same evaluation as `strata ci` (docs/ci.md). */
import { checkImage } from '../../application/check';
import { parseCheckRules } from '../../domain/ci/checkRules';
import { describeJudged } from '../../domain/ci/judgedLayers';
import type { Ctx, ImageObj } from './context';

export const imageCheckResolvers = {
  async check(o: ImageObj, args: { rules: Record<string, unknown> }, ctx: Ctx) {
    // GraphQL has typed the values; the domain still refuses ratios outside 0..1 and malformed references.
    const given = Object.fromEntries(Object.entries(args.rules ?? {}).filter(([, v]) => v !== null && v !== undefined));
    const rules = parseCheckRules(given, (k) => `rules.${k}`);
    const report = await checkImage(ctx.app, o.model, o.rec, rules);
    const e = report.efficiency;
    return {
      pass: report.result.pass,
      results: report.result.results.map((r) => ({ ...r, paths: r.paths ?? null })),
      judgedLayers: Array.from({ length: report.judged.count }, (_, i) => report.judged.from + i),
      judged: describeJudged(report.judged),
      efficiency: { ...e },
    };
  },
};
