/**
 * What the read model's memory is made of (issue 19 item 6): opens a fleet
 * database, builds the read model the way `strata serve` does (a whole fold,
 * or from the newest snapshot with --snapshot), forces a major GC and prints
 * RSS, V8's heap figures, and with --heap a heap snapshot summarised by
 * constructor (self size and count).
 *
 * node --expose-gc bin/run-ts.js bench/fleetMemory.ts DB [--snapshot] [--heap=out.heapsnapshot]
 */
import { writeHeapSnapshot, getHeapStatistics, getHeapSpaceStatistics } from 'node:v8';
import { readFileSync } from 'node:fs';
import { Strata } from '../src/application/strata';
import { ReadModelSource } from '../src/projections/readModelSource';

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const gc = () => { for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.(); };

function report(label: string): void {
  const m = process.memoryUsage();
  const h = getHeapStatistics();
  console.log(`${label}: rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} external ${mb(m.external)}`
    + ` arrayBuffers ${mb(m.arrayBuffers)} physical ${mb(h.total_physical_size)}`);
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_size > 1 << 20) console.log(`  ${s.space_name}: size ${mb(s.space_size)} used ${mb(s.space_used_size)} physical ${mb(s.physical_space_size)}`);
  }
}

/** Self size and count per constructor name ("(string)" etc. for V8's own kinds) from a .heapsnapshot. */
export function summarise(file: string, top = 40): void {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const width = f.length;
  const iType = f.indexOf('type'); const iName = f.indexOf('name'); const iSize = f.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const by = new Map<string, { n: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!]!;
    const key = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + iName]!]! : `(${type})`;
    const e = by.get(key) ?? { n: 0, bytes: 0 };
    e.n++; e.bytes += snap.nodes[i + iSize]!;
    by.set(key, e);
  }
  const rows = [...by].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top);
  for (const [k, v] of rows) console.log(`${mb(v.bytes).padStart(10)} ${String(v.n).padStart(10)}  ${k.slice(0, 80)}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--summarise') { summarise(args[1]!, Number(args[2] ?? 40)); return; }
  const db = args.find((a) => !a.startsWith('--'))!;
  const heap = args.find((a) => a.startsWith('--heap='))?.slice(7);
  const cpu0 = process.cpuUsage();
  const app = await Strata.open(db);
  const model = await (args.includes('--snapshot') ? app.models.current() : new ReadModelSource(app.store).current());
  const cpu = process.cpuUsage(cpu0);
  console.log(`position ${model.position} images ${model.images.size} cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
  report('before gc');
  gc();
  report('after gc');
  if (heap) { writeHeapSnapshot(heap); console.log(`heap snapshot ${heap}`); }
  (globalThis as { keep?: unknown }).keep = model;
  await app.close();
}

if (process.argv[1] === __filename) main().catch((e: unknown) => { console.error(e); process.exit(1); });
