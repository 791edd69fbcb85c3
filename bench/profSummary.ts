/**
 * Summarizes a V8 .cpuprofile: self time per function (top N) and inclusive
 * time of frames matching a filter. Run: node bin/run-ts.js bench/profSummary.ts FILE [N]
 */
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[]; hitCount?: number }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export function summarize(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((s, i) => self.set(s, (self.get(s) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = (p.endTime - p.startTime) / 1000;
  const key = (n: Node) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  for (const [id, us] of self) { const k = key(byId.get(id)!); selfBy.set(k, (selfBy.get(k) ?? 0) + us / 1000); }
  // inclusive: sum of self over subtree, counted once per key per stack
  const incl = new Map<string, number>();
  const walk = (id: number, stack: Set<string>): number => {
    const n = byId.get(id)!;
    let sum = (self.get(id) ?? 0) / 1000;
    const k = key(n);
    const fresh = !stack.has(k);
    if (fresh) stack.add(k);
    for (const c of n.children ?? []) sum += walk(c, stack);
    if (fresh) { stack.delete(k); incl.set(k, (incl.get(k) ?? 0) + sum); }
    return sum;
  };
  walk(p.nodes[0]!.id, new Set());
  const fmt = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${v.toFixed(0).padStart(8)} ms  ${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
  return `total ${total.toFixed(0)} ms\n-- self --\n${fmt(selfBy)}\n-- inclusive --\n${fmt(incl)}\n`;
}

if (process.argv[1] === __filename) process.stdout.write(summarize(process.argv[2]!, Number(process.argv[3] ?? 25)));
