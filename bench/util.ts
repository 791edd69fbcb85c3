/** Shared helpers for the bench: timing, child processes under /usr/bin/time, statistics, temp paths. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { OUT } from './generate';

export const ROOT = join(__dirname, '..');

export interface BenchOptions { quick: boolean }

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t = now();
  const value = await fn();
  return { ms: now() - t, value };
}

export const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
export function percentile(xs: readonly number[], p: number): number {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
export const median = (xs: readonly number[]): number => percentile(xs, 50);

export interface ProcResult { wallMs: number; cpuMs: number; maxRssKb: number; stdout: string; stderr: string; code: number }

/** Runs argv under `/usr/bin/time -v`: wall, user+sys CPU and max RSS of the process tree it waits for. */
export function timedProcess(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const t = now();
    const child = spawn('/usr/bin/time', ['-v', ...argv], { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = now() - t;
      const num = (re: RegExp) => Number(re.exec(stderr)?.[1] ?? NaN);
      const cpuMs = (num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/)) * 1000;
      resolve({ wallMs, cpuMs, maxRssKb: num(/Maximum resident set size \(kbytes\): (\d+)/), stdout, stderr, code: code ?? -1 });
    });
  });
}

export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  return null;
}

/** A fresh scratch path under bench/out/tmp (removed first). */
export function scratch(name: string): string {
  const dir = join(OUT, 'tmp');
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  for (const suffix of ['', '-wal', '-shm']) rmSync(p + suffix, { recursive: true, force: true });
  return p;
}

export const log = (msg: string): void => { process.stderr.write(`[bench] ${msg}\n`); };
