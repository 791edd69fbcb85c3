/** A real `strata serve` child process, as an operator runs it. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<number | null>;
  /** What the server wrote on standard output (its JSON log), when started with captureStdout. */
  stdout(): string;
}

export async function startServerProcess(db: string, env: Record<string, string> = {}, opts: { captureStdout?: boolean } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db], {
    env: { ...process.env, LOG_LEVEL: 'silent', STRATA_WRITE_TOKEN: 'w', ...env },
    stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => void (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    const onData = (d: Buffer) => {
      err += d;
      const m = /serving GraphQL at (\S+)/.exec(err);
      if (m) { child.stderr!.off('data', onData); resolve(m[1]!); }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return {
    url,
    child,
    stdout: () => out,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) { resolve(child.exitCode); return; }
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    }),
  };
}

export async function gqlHttp(url: string, query: string, variables?: Record<string, unknown>, token: string | null = 'w') {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return res.json() as Promise<{ data?: any; errors?: { message: string; extensions?: { code?: string } }[] }>;
}
