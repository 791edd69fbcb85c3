/**
 * A command that waits on something that never happens, with nothing else pending, used to end the process with
 * status 0 (Node exits when its event loop runs dry). runToEnd turns that into a one-line internal error and status 1,
 * and stays out of the way of commands that finish, set their own status, or keep the process busy for a while.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const MODULE = path.resolve(__dirname, '..', '..', 'src', 'cli', 'unfinished.ts');
const run = (command: string) => spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e',
  `require(${JSON.stringify(MODULE)}).runToEnd(${command}).then(() => process.stdout.write('settled\\n'))`],
{ encoding: 'utf8', timeout: 30_000, cwd: path.resolve(__dirname, '..', '..') });

describe('a command that never finishes', () => {
  test('a promise that never settles, nothing pending: status 1 and a one-line reason, no stack', () => {
    const r = run('() => new Promise(() => {})');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^strata: internal error: the command stopped before it finished .*\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });

  test('a stream that never ends, as tar-stream gives a directory that declares a size', () => {
    const r = run(`async () => { const { Readable } = require('node:stream'); const s = new Readable({ read() {} });
      for await (const c of s) void c; }`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/internal error/);
  });

  test('commands that finish keep their status: done, busy for a while, or setting their own exit code', () => {
    expect(run('async () => {}')).toMatchObject({ status: 0, stdout: 'settled\n', stderr: '' });
    expect(run('() => new Promise((r) => setTimeout(r, 300))')).toMatchObject({ status: 0, stdout: 'settled\n', stderr: '' });
    expect(run('async () => { process.exitCode = 3; }')).toMatchObject({ status: 3, stderr: '' });
  });
});
