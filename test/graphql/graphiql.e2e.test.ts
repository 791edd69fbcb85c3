/**
 * GraphiQL at /graphql for a browser, from the real `strata serve`: served by
 * the server from its npm packages (no CDN), under a CSP as strict as the
 * dashboard's; reads work; the token saved in the dashboard header allows
 * mutations. Driven in Debian's Chromium (playwright-core, no download).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { BIN, gqlHttp, startServerProcess, type ServerProcess } from '../helpers/serverProcess';
import { samples } from '../helpers/sampleImages';
import { skippingDescribe } from '../helpers/skip';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'; // what Chromium sends on navigation

let dir: string;
let server: ServerProcess;
let origin: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'strata-graphiql-'));
  const db = path.join(dir, 'strata.db');
  const imported = spawnSync(process.execPath, [BIN, 'import', (await samples()).ociGzipArchive, '--tag', 'hello:1', '--db', db], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
  expect(imported.status).toBe(0);
  server = await startServerProcess(db, { NODE_ENV: '', STRATA_WRITE_TOKEN: 'w' });
  origin = new URL(server.url).origin;
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /graphql from a browser', () => {
  test('serves GraphiQL with a strict CSP, every script and stylesheet from this server', async () => {
    const res = await fetch(server.url, { headers: { accept: HTML } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(5);
    for (const ref of refs) {
      expect(ref).toMatch(/^\/[^/]/); // same origin: no CDN
      const asset = await fetch(new URL(ref, origin));
      expect({ ref, status: asset.status }).toEqual({ ref, status: 200 });
    }
    expect(html).not.toMatch(/<script>(?!<\/script>)|<script>[^<]/); // no inline script
  });

  test('GraphQL clients still get GraphQL on GET /graphql; nothing else of node_modules is reachable', async () => {
    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ head }')}`, { headers: { accept: 'application/graphql-response+json' } });
    expect(await get.json()).toEqual({ data: { head: 3 } });
    expect((await fetch(`${origin}/graphiql/../package.json`)).status).toBe(404);
    expect((await fetch(`${origin}/graphiql/react.production.min.js`)).status).toBe(404);
  });
});

(existsSync(CHROMIUM) ? describe : skippingDescribe(`${CHROMIUM} is not installed (apt-get install chromium)`))('GraphiQL in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS }); });
  afterAll(async () => { await browser?.close(); });

  async function run(query: string, token?: string) {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`request to ${r.url()}`); });
    if (token) {
      await page.goto(`${origin}/`); // the dashboard's origin and storage
      await page.evaluate((t) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('strata.readToken', t), token);
    }
    await page.goto(`${server.url}?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    await result.filter({ hasText: /"(data|errors)"/ }).waitFor({ timeout: 20_000 });
    const text = (await result.textContent())!;
    await page.close();
    return { text, problems };
  }

  test('runs a read and shows the answer, with no CSP violation and no request elsewhere', async () => {
    const { text, problems } = await run('{ head image(ref: "hello:1") { repoTags } }');
    expect(problems).toEqual([]);
    expect(text).toContain('"head": 3');
    expect(text).toContain('"hello:1"');
  });

  test('a mutation without a saved token is refused; with the dashboard\'s saved write token it runs', async () => {
    const refused = await run('mutation { tagImage(image: "hello:1", tag: "hello:2") { repoTags } }');
    expect(refused.text).toContain('UNAUTHENTICATED');
    const ran = await run('mutation { tagImage(image: "hello:1", tag: "hello:2") { repoTags } }', 'w');
    expect(ran.problems).toEqual([]);
    expect(ran.text).toContain('"hello:2"');
    const after = await gqlHttp(server.url, '{ image(ref: "hello:2") { repoTags } }');
    expect(after.data.image.repoTags).toContain('hello:2');
  });
});
