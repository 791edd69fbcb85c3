/**
 * bin/strata.js runs dist/ only while it is the compiled form of the sources
 * as they are now (docs/adr/0010-compiled-at-install.md). Checked on a copy of
 * the real bin/ and scripts/ around a one-file CLI, so editing its sources
 * never disturbs the suites running beside this one on the real dist/.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
let root: string;

/** A stand-in CLI: says which file ran, with what, and what its import answered. */
const MAIN_TS = `import { answer } from './answer';
export async function main(argv: string[]): Promise<void> {
  process.stdout.write(JSON.stringify({ ran: __filename, argv, answer: answer() }));
}
`;

function write(rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

function strata(...args: string[]): { ran: string; argv: string[]; answer: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'strata.js'), ...args], { encoding: 'utf8', env: { ...process.env, STRATA_DEBUG: '' } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as { ran: string; argv: string[]; answer: string };
  return { ...out, ran: path.relative(root, out.ran) };
}

function build(): string {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stderr;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-build-'));
  for (const f of ['bin/strata.js', 'bin/buildState.js', 'scripts/build.js']) write(f, fs.readFileSync(path.join(REPO, f), 'utf8'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  fs.mkdirSync(path.join(root, 'schema'));
  fs.mkdirSync(path.join(root, 'public'));
  write('package.json', '{ "name": "strata-build-test", "private": true }\n');
  write('ormconfig.ts', 'export const db = 1;\n');
  write('migrations/1-First.ts', 'export class First1 { name = "First1"; }\n');
  write('src/cli/main.ts', MAIN_TS);
  write('src/cli/answer.ts', "export const answer = (): string => 'one';\n");
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('with no build, the sources run (through tsx); after the build, the compiled JavaScript', () => {
  expect(strata('--version')).toEqual({ ran: 'src/cli/main.ts', argv: ['--version'], answer: 'one' });
  expect(build()).toMatch(/compiled 4 of 4 files/);
  expect(strata('x')).toEqual({ ran: 'dist/src/cli/main.js', argv: ['x'], answer: 'one' });
  // Only what changed is compiled again; nothing changed, nothing compiled.
  expect(build()).toBe('');
  for (const link of ['schema', 'public', 'package.json']) expect(fs.readlinkSync(path.join(root, 'dist', link))).toBe(path.join('..', link));
});

test('an edited source runs from the sources until the next build, never from stale output', () => {
  build();
  write('src/cli/answer.ts', "export const answer = (): string => 'two';\n");
  expect(strata()).toEqual({ ran: 'src/cli/main.ts', argv: [], answer: 'two' });
  expect(build()).toMatch(/compiled 1 of 4 files/);
  expect(strata()).toEqual({ ran: 'dist/src/cli/main.js', argv: [], answer: 'two' });
});

test('an edit that keeps the size and a file added beside the others are changes too', () => {
  build();
  write('src/cli/answer.ts', "export const answer = (): string => 'onf';\n");
  expect(strata().answer).toBe('onf');
  build();
  write('src/cli/unused.ts', 'export const nothing = 0;\n');
  expect(strata().ran).toBe('src/cli/main.ts');
  expect(build()).toMatch(/compiled 1 of 5 files/);
  expect(strata().ran).toBe('dist/src/cli/main.js');
});

test('a deleted source, an edited ormconfig or migration, or an edited builder leave dist/ unused until rebuilt', () => {
  build();
  fs.rmSync(path.join(root, 'src/cli/answer.ts'));
  write('src/cli/main.ts', MAIN_TS.replace("import { answer } from './answer';", "const answer = (): string => 'inline';"));
  expect(strata()).toEqual({ ran: 'src/cli/main.ts', argv: [], answer: 'inline' });
  build();
  expect(fs.existsSync(path.join(root, 'dist/src/cli/answer.js'))).toBe(false);
  expect(strata().ran).toBe('dist/src/cli/main.js');
  for (const f of ['ormconfig.ts', 'migrations/1-First.ts', 'scripts/build.js']) {
    fs.appendFileSync(path.join(root, f), '\n');
    expect(strata().ran).toBe('src/cli/main.ts');
    build();
    expect(strata().ran).toBe('dist/src/cli/main.js');
  }
});

test('a missing or damaged manifest means the sources run; STRATA_FROM_SOURCE=1 asks for them', () => {
  build();
  fs.writeFileSync(path.join(root, 'dist/manifest.json'), '{"files":');
  expect(strata().ran).toBe('src/cli/main.ts');
  build();
  expect(strata().ran).toBe('dist/src/cli/main.js');
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'strata.js')], { encoding: 'utf8', env: { ...process.env, STRATA_FROM_SOURCE: '1' } });
  expect(path.relative(root, JSON.parse(r.stdout).ran)).toBe('src/cli/main.ts');
});

test('STRATA_DEBUG says why the sources run', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'strata.js')], { encoding: 'utf8', env: { ...process.env, STRATA_DEBUG: '1' } });
  expect(r.stderr).toBe('strata: running the TypeScript sources: dist/ is not built (npm run build)\n');
});

describe('the real strata: compiled and from the sources, the same answers', () => {
  const REAL_BIN = path.join(REPO, 'bin', 'strata.js');
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-both-'));
    const r = spawnSync(process.execPath, [REAL_BIN, 'migrate', '--db', path.join(dir, 's.db')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Each command's module is loaded only when it runs (src/cli/main.ts): run every one of them once ($D: a scratch folder).
  const COMMANDS = [
    '--version', '--help', 'query {_head_} --db $D/s.db', 'query {_nope_} --db $D/s.db', 'verify --db $D/s.db',
    'history nope:1 --db $D/s.db', 'df --db $D/s.db', 'bases --db $D/s.db --json', 'diff a:1 b:1 --db $D/s.db',
    'cat a:1 /etc/x --db $D/s.db', 'gc --dry-run --db $D/s.db --blobs $D/blobs', 'export-log --db $D/s.db',
    'export a:1 oci:$D/out --db $D/s.db', 'commit a:1 --from-dir $D --db $D/s.db', 'ci a:1 --db $D/s.db',
    'import $D/missing.tar --db $D/s.db', 'import-log $D/missing.jsonl --db $D/s.db', 'backup $D/b.db --db $D/nothing.db',
    'rebuild --db $D/nothing.db', 'watch nowhere: --db $D/s.db --once', 'no-such-command',
  ];

  test.each(COMMANDS)('strata %s', (command) => {
    const args = command.split(' ').map((a) => a.replace(/\$D/g, dir).replace(/_/g, ' '));
    const run = (env: NodeJS.ProcessEnv) => {
      const r = spawnSync(process.execPath, [REAL_BIN, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const compiled = run({ STRATA_FROM_SOURCE: '' });
    expect(compiled.stderr).not.toMatch(/Cannot find module|ERR_/);
    expect(run({ STRATA_FROM_SOURCE: '1' })).toEqual(compiled);
  });
});
