/**
 * What the read model's memory is made of (issue 19 item 6): opens a fleet
 * database, builds the read model the way `strata serve` does (a whole fold,
 * or from the newest snapshot with --snapshot), forces a major GC and prints
 * RSS, V8's heap figures, and with --heap a heap snapshot summarised by
 * constructor (self size and count).
 *
 * node --expose-gc bin/run-ts.js bench/fleetMemory.ts DB [--snapshot | --decode] [--heap=out.heapsnapshot]
 *   (--decode: the folded model encoded and decoded in process, the fold dropped: a snapshot start's model)
 * node bin/run-ts.js bench/fleetMemory.ts --summarise out.heapsnapshot [rows]
 * node bin/run-ts.js bench/fleetMemory.ts --by-field out.heapsnapshot [depth] [rows]
 *   (each object reachable from the ReadModel charged to the first field path that reaches it, breadth first)
 */
import { writeHeapSnapshot, getHeapStatistics, getHeapSpaceStatistics } from 'node:v8';
import { readFileSync } from 'node:fs';
import { Strata } from '../src/application/strata';
import { ReadModelSource } from '../src/projections/readModelSource';
import type { ReadModel } from '../src/projections/readModel';
import { decodeReadModel, encodeReadModel } from '../src/projections/readModelCodec';

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
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
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

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[]; edges: number[]; strings: string[];
}

/** Self sizes of everything reachable from the ReadModel, by the field path (up to `depth` names) that first reaches it. */
export function byField(file: string, depth = 3, top = 50): void {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const m = snap.snapshot.meta;
  const NF = m.node_fields.length; const EF = m.edge_fields.length;
  const nT = m.node_fields.indexOf('type'); const nN = m.node_fields.indexOf('name');
  const nS = m.node_fields.indexOf('self_size'); const nE = m.node_fields.indexOf('edge_count');
  const eT = m.edge_fields.indexOf('type'); const eN = m.edge_fields.indexOf('name_or_index'); const eTo = m.edge_fields.indexOf('to_node');
  const { nodes, edges, strings } = snap;
  const ntypes = m.node_types[0]; const etypes = m.edge_types[0];
  const N = nodes.length / NF;
  const firstEdge = new Uint32Array(N + 1);
  for (let i = 0, e = 0; i < N; i++) { firstEdge[i] = e; e += nodes[i * NF + nE]! * EF; }
  firstEdge[N] = edges.length;
  let root = -1;
  for (let i = 0; i < N && root < 0; i++) if (ntypes[nodes[i * NF + nT]!] === 'object' && strings[nodes[i * NF + nN]!] === 'ReadModel') root = i;
  if (root < 0) throw new Error('no ReadModel in the heap snapshot');
  const label = new Int32Array(N).fill(-1);
  const labels: string[] = ['(model)'];
  const index = new Map<string, number>([['(model)', 0]]);
  const depthOf = new Uint8Array(N);
  label[root] = 0;
  const queue = [root];
  for (let h = 0; h < queue.length; h++) {
    const n = queue[h]!;
    const at = labels[label[n]!]!;
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += EF) {
      const et = etypes[edges[e + eT]!]!;
      const to = edges[e + eTo]! / NF;
      if (et === 'weak' || et === 'shortcut' || label[to]! >= 0 || ntypes[nodes[to * NF + nT]!] === 'code') continue;
      const s = et === 'property' || et === 'internal' ? strings[edges[e + eN]!]! : '';
      // Containers' insides (elements, hash tables, property arrays) stay with the container.
      if (s === '__proto__' || s === 'constructor' || s === 'map') continue;
      const name = et === 'property' || (et === 'internal' && !/^\d/.test(s) && !['table', 'elements', 'properties'].includes(s)) ? s : '';
      let l = label[n]!;
      let d = depthOf[n]!;
      if (name !== '' && d < depth) {
        const path = at === '(model)' ? name : `${at}.${name}`;
        l = index.get(path) ?? labels.push(path) - 1;
        index.set(path, l);
        d++;
      }
      label[to] = l; depthOf[to] = d;
      queue.push(to);
    }
  }
  const bytes = new Float64Array(labels.length); const count = new Uint32Array(labels.length);
  let all = 0;
  for (let i = 0; i < N; i++) if (label[i]! >= 0) { bytes[label[i]!]! += nodes[i * NF + nS]!; count[label[i]!]!++; all += nodes[i * NF + nS]!; }
  console.log(`reachable from the ReadModel: ${mb(all)}`);
  labels.map((l, i) => [l, bytes[i]!, count[i]!] as const).sort((a, b) => b[1] - a[1]).slice(0, top)
    .forEach(([l, b, c]) => console.log(`${mb(b).padStart(10)} ${String(c).padStart(10)}  ${l}`));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--summarise') { summarise(args[1]!, Number(args[2] ?? 40)); return; }
  if (args[0] === '--by-field') { byField(args[1]!, Number(args[2] ?? 3), Number(args[3] ?? 50)); return; }
  const db = args.find((a) => !a.startsWith('--'))!;
  const heap = args.find((a) => a.startsWith('--heap='))?.slice(7);
  const cpu0 = process.cpuUsage();
  const app = await Strata.open(db);
  const folded: { model: ReadModel | null } = {
    model: await (args.includes('--snapshot') ? app.models.current() : new ReadModelSource(app.store).current()),
  };
  const cpu = process.cpuUsage(cpu0);
  console.log(`position ${folded.model!.position} images ${folded.model!.images.size} cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
  report('before gc');
  gc();
  report('after gc');
  if (args.includes('--decode')) {
    // The same model through the snapshot codec: what a snapshot start holds once the decode's garbage is collected.
    let bytes: Buffer | null = encodeReadModel(folded.model!);
    console.log(`snapshot body ${mb(bytes.length)}`);
    const decoded = decodeReadModel(bytes);
    bytes = null;
    folded.model = null;
    (globalThis as { keep?: unknown }).keep = decoded;
    await app.close();
    gc();
    report('decoded model only, after gc');
    if (heap) { writeHeapSnapshot(heap); console.log(`heap snapshot ${heap}`); }
    return;
  }
  if (heap) { writeHeapSnapshot(heap); console.log(`heap snapshot ${heap}`); }
  (globalThis as { keep?: unknown }).keep = folded.model;
  await app.close();
}

if (process.argv[1] === __filename) main().catch((e: unknown) => { console.error(e); process.exit(1); });
