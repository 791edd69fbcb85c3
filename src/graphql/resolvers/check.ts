/** Image.check: the CI gate over the API, the same evaluation as `strata ci` (docs/ci.md). */
import type { Ctx, ImageObj } from './context';

/** The CI gate's evaluation (rules, globs) loads at the first Image.check: `strata query` starts without it (docs/adr/0010). */
const gate = () => ({
  ...(require('../../application/check') as typeof import('../../application/check')),
  ...(require('../../domain/ci/checkRules') as typeof import('../../domain/ci/checkRules')),
  ...(require('../../domain/ci/judgedLayers') as typeof import('../../domain/ci/judgedLayers')),
});

export const imageCheckResolvers = {
  async check(o: ImageObj, args: { rules: Record<string, unknown> }, ctx: Ctx) {
    // GraphQL has typed the values; the domain still refuses ratios outside 0..1 and malformed references.
    const { checkImage, describeJudged, parseCheckRules } = gate();
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
