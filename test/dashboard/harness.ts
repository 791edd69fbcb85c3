/**
 * What the dashboard's browser tests share: a real server (startServer, as
 * `strata serve` runs it) on a fresh SQLite database filled by `fill`, and
 * Debian's /usr/bin/chromium driven by playwright-core (no browser download).
 * Page errors and console errors are collected: each test expects none.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Strata } from '../../src/application/strata';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';
import { createLogger } from '../../src/graphql/logger';
import { DEFAULT_RESPONSE_CACHE_BYTES, ResponseCache } from '../../src/graphql/responseCache';
import { startServer, type RunningServer } from '../../src/server';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SHOTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'dashboard');
const PUBLIC = path.resolve(__dirname, '..', '..', 'public');
export const WRITE_TOKEN = 'w';
export const browserMissing = !existsSync(CHROMIUM);
export const skipBrowser = browserMissing && process.env.STRATA_SKIP_BROWSER === '1';

export async function gqlAt(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: any[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export interface Dashboard {
  app: Strata; server: RunningServer; origin: string; browser: Browser; page: Page; pageErrors: string[];
  api(query: string, variables?: Record<string, unknown>): Promise<any>;
  write(query: string, variables?: Record<string, unknown>): Promise<any>;
  shot(name: string): Promise<unknown>;
  open(hash: string, ready: string): Promise<void>;
  close(): Promise<void>;
}

export async function openDashboard(fill: (app: Strata) => Promise<void>): Promise<Dashboard> {
  if (browserMissing) throw new Error(`dashboard e2e needs ${CHROMIUM} (apt-get install chromium); set STRATA_SKIP_BROWSER=1 to skip`);
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-dash-'));
  const app = await Strata.open(path.join(dir, 'strata.db'));
  await fill(app);
  const schema = buildExecutableSchema(app.store);
  const server = await startServer({
    schema, store: app.store, createContext: (auth) => createContext(app, auth),
    port: 0, host: '127.0.0.1', writeToken: WRITE_TOKEN, logger: createLogger('silent'), publicDir: PUBLIC,
    // As `strata serve` runs by default: the views' polls answered from kept answers between appends (ADR 0013).
    responseCache: new ResponseCache(schema, app.models, DEFAULT_RESPONSE_CACHE_BYTES),
  });
  const origin = new URL(server.url).origin;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  return {
    app, server, origin, browser, page, pageErrors,
    api: (query, variables) => gqlAt(server.url, query, variables),
    write: (query, variables) => gqlAt(server.url, query, variables, WRITE_TOKEN),
    shot: (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }),
    async open(hash, ready) {
      await page.goto(`${origin}/${hash}`);
      await page.locator(ready).first().waitFor({ timeout: 15_000 });
    },
    async close() {
      await browser.close();
      await server.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
