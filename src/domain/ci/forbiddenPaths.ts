/**
 * forbiddenPaths (docs/ci.md): which paths of a merged view each pattern matches.
 * The glob matcher is injected (the shell compiles the patterns).
 */
export interface PathPattern { pattern: string; test(path: string): boolean }

export function matchForbidden(paths: Iterable<string>, patterns: readonly PathPattern[]): { pattern: string; paths: string[] }[] {
  const out = patterns.map((p) => ({ pattern: p.pattern, paths: [] as string[] }));
  for (const path of paths) {
    patterns.forEach((p, i) => { if (p.test(path)) out[i]!.paths.push(path); });
  }
  return out;
}
