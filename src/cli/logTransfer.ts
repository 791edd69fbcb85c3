/**
 * `strata export-log` / `strata import-log`: the verified log as JSON lines
 * (format and checks: src/eventStore/logTransfer.ts, and the content sections
 * src/projections/logSections.ts). This file only opens the store and the
 * files; it writes no SQL.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { openEventStore } from '../eventStore';
import { exportLog as exportVerifiedLog, importLog as importVerifiedLog } from '../eventStore/logTransfer';
import { logSections } from '../projections/logSections';
import { verifyChain } from '../application/verify';
import { DomainError } from '../domain/errors';

export async function exportLog(opts: { db?: string; out?: string }): Promise<void> {
  const store = await openEventStore(opts.db);
  const out = opts.out ? fs.createWriteStream(opts.out) : process.stdout;
  const write = (obj: unknown) => new Promise<void>((resolve, reject) => {
    const ok = out.write(`${JSON.stringify(obj)}\n`, (err) => (err ? reject(err) : undefined));
    if (ok) resolve(); else out.once('drain', () => resolve());
  });
  try {
    const chain = await verifyChain(store);
    if (!chain.ok) throw new DomainError('TAMPERED', `the log does not verify at position ${chain.firstBadPosition}: ${chain.reason}`);
    await exportVerifiedLog(store, chain, write, logSections());
  } finally {
    if (opts.out) await new Promise<void>((r) => (out as fs.WriteStream).end(() => r()));
    await store.close();
  }
}

/**
 * The input's lines, read from when the import starts iterating (inside its
 * transaction): a readline interface created earlier would emit lines before
 * the iteration listens, and they would be lost.
 */
async function* linesOf(input: NodeJS.ReadableStream): AsyncGenerator<string> {
  yield* readline.createInterface({ input, crlfDelay: Infinity });
}

export async function importLog(file: string, opts: { db?: string }): Promise<void> {
  const input = file === '-' ? process.stdin : fs.createReadStream(file);
  const store = await openEventStore(opts.db);
  try {
    const n = await importVerifiedLog(store, linesOf(input), logSections());
    const check = await verifyChain(store);
    process.stdout.write(`imported ${n} events; head ${check.headPosition} ${check.headHash}\n`);
  } finally {
    await store.close();
  }
}
