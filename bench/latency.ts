/**
 * How long `/healthz` and a simple query (`{ head }`) take while a heavy request
 * runs on the same server (issue 15 item 2: they must stay within 100 ms).
 * Used by `npm run bench` (latency) and by test/reliability/costs.e2e.test.ts,
 * which reports the figures without asserting on them.
 */
export interface LatencyFigures {
  /** Probe requests sent while the heavy one ran. */
  samples: number;
  failed: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** How long the heavy request took, and its status. */
  worst: { ms: number; status: number };
}

const clock = () => Number(process.hrtime.bigint()) / 1e6;

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Probes every `gapMs` (alternating /healthz and `{ head }`, one at a time) until `heavy` settles. */
export async function measureLatencyDuring<T extends { status: number }>(
  graphqlUrl: string, heavy: () => Promise<T>, gapMs = 20,
): Promise<LatencyFigures> {
  const healthz = graphqlUrl.replace(/\/graphql$/, '/healthz');
  const started = clock();
  let done = false;
  let worstStatus = 0;
  const run = heavy().then((r) => { worstStatus = r.status; }, () => { worstStatus = -1; }).finally(() => { done = true; });
  const times: number[] = [];
  let failed = 0;
  // Let the heavy request reach the server first.
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; !done; i++) {
    const t = clock();
    try {
      const res = i % 2 === 0
        ? await fetch(healthz, { headers: { connection: 'close' } })
        : await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: '{"query":"{ head }"}' });
      await res.text();
      if (res.status !== 200) failed++;
      // Counted even when it ends after the heavy request: it was sent while that ran (and may have waited for it).
      times.push(clock() - t);
    } catch {
      failed++;
    }
    await new Promise((r) => setTimeout(r, gapMs));
  }
  await run;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    samples: times.length, failed, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), maxMs: round(Math.max(0, ...times)),
    worst: { ms: Math.round(clock() - started), status: worstStatus },
  };
}
