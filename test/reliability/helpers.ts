/**
 * Shared by the reliability suites: run the real `strata` command (bin/strata.js,
 * as a user does), generate image archives of a chosen size, and read a
 * database's state through the CLI.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { archiveTar, buildImage, dockerLegacy, type TarEntrySpec } from '../helpers/archiveBuilder';

export const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
export const ENV = { ...process.env, LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv;

export interface RunResult { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs `strata args…` to completion (async, so several can run at once). */
export function strata(args: string[], opts: { env?: Record<string, string>; input?: Buffer } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...ENV, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
    if (opts.input) child.stdin.end(opts.input); else child.stdin.end();
  });
}

export const strataSync = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...ENV, ...env } });

/** Spawns `strata args…` and returns the child (the caller kills it). */
export function spawnStrata(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the URL a `strata serve` child prints once it is listening. */
export function servingUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /serving GraphQL at (\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code, signal) => reject(new Error(`serve exited ${code ?? signal}: ${err}`)));
  });
}

export const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

/** A small deterministic PRNG (mulberry32): every random choice of these suites is seeded and reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedArchive { file: string; tag: string; imageId: string; diffIds: string[] }

/**
 * A legacy `docker save` archive of one image with `layers` layers of
 * `filesPerLayer` small files each, unique to `name` (its own DiffIDs), tagged
 * `<name>:1`. Many entries make both the read and the append non-trivial.
 */
export async function generateArchive(dir: string, name: string, layers: number, filesPerLayer: number): Promise<GeneratedArchive> {
  const specs = [];
  for (let l = 0; l < layers; l++) {
    const entries: TarEntrySpec[] = [{ name: `${name}/`, type: 'directory' }, { name: `${name}/l${l}/`, type: 'directory' }];
    for (let d = 0; d < Math.ceil(filesPerLayer / 100); d++) entries.push({ name: `${name}/l${l}/d${d}/`, type: 'directory' });
    for (let f = 0; f < filesPerLayer; f++) entries.push({ name: `${name}/l${l}/d${Math.floor(f / 100)}/f${f}.txt`, content: `${name} ${l} ${f}\n` });
    specs.push({ entries });
  }
  const image = await buildImage({ layers: specs, created: '2024-05-06T07:08:09Z' });
  const tag = `${name}:1`;
  const file = path.join(dir, `${name}.tar`);
  fs.writeFileSync(file, await archiveTar(dockerLegacy([{ image, repoTags: [tag] }])));
  return { file, tag, imageId: image.configDigest, diffIds: image.layers.map((l) => l.diffId) };
}

export interface DbState {
  head: number;
  images: Array<{ imageId: string; repoTags: string[]; layers: string[] }>;
}

/** The database as the CLI reads it: head and every image with its layers. */
export async function dbState(db: string): Promise<DbState> {
  const r = await strata(['query', '{ head images(first: 1000) { totalCount edges { node { imageId repoTags layers { diffId } } } } }', '--db', db]);
  if (r.status !== 0) throw new Error(`query failed (${r.status}): ${r.stderr}${r.stdout}`);
  const data = JSON.parse(r.stdout).data;
  const images = data.images.edges.map((e: any) => ({ imageId: e.node.imageId, repoTags: e.node.repoTags, layers: e.node.layers.map((l: any) => l.diffId) }));
  if (images.length !== data.images.totalCount) throw new Error(`totalCount ${data.images.totalCount} but ${images.length} edges`);
  return { head: data.head, images };
}

/** Positions 1..head with no gaps, straight from the SQLite file. */
export function positions(dbFile: string): number[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const raw = new Database(dbFile, { readonly: true });
  try {
    return (raw.prepare('SELECT position FROM events ORDER BY position').all() as Array<{ position: number }>).map((r) => r.position);
  } finally {
    raw.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
