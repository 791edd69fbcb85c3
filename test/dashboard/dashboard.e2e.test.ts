/**
 * The built-in dashboard (public/), end to end: a real server on a seeded
 * SQLite database, driven in headless Chromium (Debian's /usr/bin/chromium
 * through playwright-core; no browser is ever downloaded). Each view must show
 * the figures the API returns, and the event list must follow the log live.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Strata } from '../../src/application/strata';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';
import { createLogger } from '../../src/graphql/logger';
import { startServer, type RunningServer } from '../../src/server';
import { BASE_LAYERS, BASE_TAG, seed } from './seed';
import { skippingDescribe } from '../helpers/skip';
import { fileBytes, sampleLayers, samples, SAMPLE_TAG, type Samples } from '../helpers/sampleImages';
import { recordImport } from '../../src/application/importImages';
import { DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'dashboard');
const PUBLIC = path.resolve(__dirname, '..', '..', 'public');
const missing = [
  !existsSync(CHROMIUM) && `${CHROMIUM} (apt-get install chromium)`,
].filter(Boolean) as string[];
const skip = missing.length > 0 && process.env.STRATA_SKIP_BROWSER === '1';

async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: any[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

(skip ? skippingDescribe(`${missing.join(' and ')} missing (STRATA_SKIP_BROWSER=1)`) : describe)('dashboard in headless Chromium', () => {
  let dir: string;
  let app: Strata;
  let server: RunningServer;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let s: Samples;
  /** Bytes of the layers sample-base:1 shares with sample:latest, from the archive as built. */
  let sharedBytes: number;
  const grouped = (n: number) => n.toLocaleString('en-US');

  const start = (readToken?: string) => startServer({
    schema: buildExecutableSchema(app.store),
    store: app.store,
    createContext: (auth) => createContext(app, auth),
    port: 0,
    host: '127.0.0.1',
    writeToken: 'w',
    readToken,
    logger: createLogger('silent'),
    publicDir: PUBLIC,
  });
  const api = (query: string, variables?: Record<string, unknown>) => gql(server.url, query, variables);
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const open = async (hash: string, ready: string) => {
    await page.goto(`${origin}/${hash}`);
    await page.locator(ready).first().waitFor({ timeout: 15_000 });
  };
  const bytesOf = async (sel: string) => Number(await page.locator(sel).getAttribute('data-bytes'));

  beforeAll(async () => {
    if (missing.length) throw new Error(`dashboard e2e needs ${missing.join(' and ')}; set STRATA_SKIP_BROWSER=1 to skip`);
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(path.join(tmpdir(), 'strata-dash-'));
    app = await Strata.open(path.join(dir, 'strata.db'));
    s = await samples();
    sharedBytes = s.image.layers.slice(0, BASE_LAYERS).reduce((n, l) => n + l.fileBytes, 0);
    await seed(app);
    server = await start();
    origin = new URL(server.url).origin;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // CSP violations, failed module loads and 4xx/5xx responses all land here.
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  test('index.html and the modules are served from public/', async () => {
    const html = await fetch(`${origin}/`);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toContain('<script type="module" src="js/app.js">');
    expect((await fetch(`${origin}/js/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  test('images: the table lists every image with its figures, sorts and filters', async () => {
    await open('#/images', '#images-table');
    const rows = page.locator('#images-table tbody tr');
    const { images } = await api('{ images(first: 1000) { totalCount edges { node { imageId size } } } }');
    await expect(rows.count()).resolves.toBe(images.totalCount);
    const sample = page.locator('#images-table tbody tr', { hasText: SAMPLE_TAG }).first();
    const cells = sample.locator('td');
    await expect(cells.nth(3).textContent()).resolves.toBe(String(s.image.layers.length));
    await expect(cells.nth(4).getAttribute('data-bytes')).resolves.toBe(String(fileBytes(s.image)));
    await expect(cells.nth(4).getAttribute('title')).resolves.toBe(`${grouped(fileBytes(s.image))} bytes`);
    await expect(cells.nth(5).getAttribute('data-bytes')).resolves.toBe(String(sharedBytes)); // sample-base:1 shares its two layers
    await shot('images');

    // Sort by size, largest first (second click).
    const sizeHeader = page.getByRole('button', { name: /^Size/ });
    await sizeHeader.click();
    await sizeHeader.click();
    await expect(page.locator('th[aria-sort="descending"]').textContent()).resolves.toContain('Size');
    const sizes = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.children[4]!.getAttribute('data-bytes'))));
    expect(sizes).toEqual([...images.edges.map((e: any) => e.node.size)].sort((a, b) => b - a));

    await page.fill('#image-search', 'kaniko');
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('sample:kaniko-latest');
    await rows.first().click();
    await page.waitForURL(new RegExp(`#/image/sha256%3A${s.kanikoImage.configDigest.slice(7, 19)}`));
  });

  test('an image: figures, layers, efficiency, file tree and diff', async () => {
    const { image } = await api(`{ image(ref: "${SAMPLE_TAG}") { imageId efficiency { score wastedBytes userWastedPercent inefficientFiles { path } } } }`);
    await open(`#/image/${encodeURIComponent(SAMPLE_TAG)}`, '#efficiency');
    await expect(page.locator('h1').textContent()).resolves.toContain(SAMPLE_TAG);
    await expect(page.locator('#image-size').textContent()).resolves.toContain(`${grouped(fileBytes(s.image))} bytes`);
    await expect(page.locator('#image-layers .card-value').textContent()).resolves.toBe('14');
    await expect(page.locator('tr[data-layer-index]').count()).resolves.toBe(14);
    // Bottom layer first, shared with sample-base:1.
    const bottom = page.locator('tr[data-layer-index="0"] td');
    await expect(bottom.nth(1).textContent()).resolves.toContain('/bin/sh -c step 1');
    await expect(bottom.nth(5).textContent()).resolves.toBe('2');
    await expect(page.locator('tr[data-layer-index="13"] td').nth(5).textContent()).resolves.toBe('1');
    // The entries column counts what Layer.fileCount counts (no whiteouts): layer 5 only deletes a file.
    await expect(page.getByRole('columnheader', { name: 'Entries (no whiteouts)' }).count()).resolves.toBe(1);
    await expect(page.locator('tr[data-layer-index="5"] td').nth(4).textContent()).resolves.toBe('0');
    await expect(page.locator('tr[data-layer-index="0"] td').nth(4).textContent()).resolves.toBe(String(sampleLayers()[0]!.entries.length));

    const score = page.locator('#efficiency [data-score]');
    expect(Number(await score.getAttribute('data-score'))).toBe(image.efficiency.score);
    await expect(score.locator('.card-value').textContent()).resolves.toBe(image.efficiency.score.toFixed(4));
    // The overwritten /root/saved.txt and /srv/app.conf and the deleted files waste bytes: the page shows the API's figures.
    expect(image.efficiency.wastedBytes).toBeGreaterThan(0);
    await expect(page.locator('#efficiency').textContent()).resolves.toContain(`${grouped(image.efficiency.wastedBytes)} bytes`);
    await expect(page.locator('#efficiency').textContent()).resolves.toContain(`${(image.efficiency.userWastedPercent * 100).toFixed(2)} %`);
    await expect(page.getByRole('table', { name: 'Inefficient files' }).locator('tbody tr').count()).resolves.toBe(image.efficiency.inefficientFiles.length);

    // The tree lists / lazily; /root opens to show the layer that provides each entry.
    const root = page.locator('[role=treeitem][data-path="/root"]');
    await root.waitFor();
    await expect(root.getAttribute('aria-expanded')).resolves.toBe('false');
    await root.locator('.tree-row').click();
    const saved = page.locator('[role=treeitem][data-path="/root/saved.txt"]');
    await saved.waitFor();
    await expect(root.getAttribute('aria-expanded')).resolves.toBe('true');
    const { image: f } = await api(`{ image(ref: "${SAMPLE_TAG}") { file(path: "/root/saved.txt") { layerIndex } } }`);
    await expect(saved.locator('.layer-ref').textContent()).resolves.toBe(`#${f.file.layerIndex}`);
    // Keyboard: the same item closes with ArrowLeft once focused.
    await root.focus();
    await page.keyboard.press('ArrowLeft');
    await expect(root.getAttribute('aria-expanded')).resolves.toBe('false');

    // Diff against the parent, preselected.
    await page.locator('#diff-target option', { hasText: BASE_TAG }).waitFor({ state: 'attached' });
    const parent = await api(`{ image(ref: "${BASE_TAG}") { imageId } }`);
    await expect(page.inputValue('#diff-target')).resolves.toBe(parent.image.imageId);
    await page.getByRole('button', { name: 'Diff', exact: true }).click();
    await page.locator('#diff-summary').waitFor();
    // From the older image (the parent) to the newer, and the page says which is which.
    await expect(page.locator('#diff-direction [data-role=from]').textContent()).resolves.toBe(BASE_TAG);
    await expect(page.locator('#diff-direction [data-role=to]').textContent()).resolves.toBe(SAMPLE_TAG);
    await expect(page.locator('#diff-direction').textContent()).resolves.toContain(`From ${BASE_TAG} (older) to ${SAMPLE_TAG} (newer)`);
    const { diff } = await api(`{ diff(from: "${BASE_TAG}", to: "${image.imageId}", first: 1) { totalCount } }`);
    await expect(page.locator('#diff-summary').textContent()).resolves.toMatch(new RegExp(`^${diff.totalCount} changes`));
    // sample:latest's layer 5 deletes a file sample-base:1 holds: DELETED, and a file only the newer image has: ADDED.
    const row = (p: string) => page.locator('#diff-result tbody tr', { has: page.locator('code', { hasText: new RegExp(`^${p}$`) }) });
    await expect(row('/root/example/somefile1.txt').locator('td').first().textContent()).resolves.toBe('DELETED');
    await expect(row('/root/saved.txt').locator('td').first().textContent()).resolves.toBe('ADDED');
    await shot('image');
  });

  test('lineage: nodes and parent → child edges in SVG; base highlighted; click opens', async () => {
    await open('#/lineage', 'svg.lineage');
    const { images } = await api('{ images(first: 1000) { totalCount edges { node { imageId parent { imageId } } } } }');
    const nodes = page.locator('svg.lineage g.node');
    await expect(nodes.count()).resolves.toBe(images.totalCount);
    const withParent = images.edges.filter((e: any) => e.node.parent);
    await expect(page.locator('svg.lineage path.edge').count()).resolves.toBe(withParent.length);
    const base = await api(`{ image(ref: "${BASE_TAG}") { imageId } child: image(ref: "${SAMPLE_TAG}") { imageId } }`);
    await expect(page.locator(`svg.lineage path.edge[data-from="${base.image.imageId}"][data-to="${base.child.imageId}"]`).count()).resolves.toBe(1);
    await expect(page.locator(`g.node[data-image-id="${base.image.imageId}"]`).getAttribute('class')).resolves.toContain('node-base');
    await expect(page.locator(`g.node[data-image-id="${base.child.imageId}"]`).getAttribute('class')).resolves.toContain('node-derived');
    await page.locator(`g.node[data-image-id="${base.child.imageId}"]`).hover();
    await expect(page.locator('svg.lineage path.edge.on').count()).resolves.toBe(1);
    await shot('lineage');
    await page.locator(`g.node[data-image-id="${base.child.imageId}"]`).click();
    await page.locator('#efficiency').waitFor();
    await expect(page.locator('h1').textContent()).resolves.toContain(SAMPLE_TAG);
  });

  test('storage: the figures equal Query.storage, computed independently', async () => {
    const q = (by: string) => `storage(by: ${by}) { logicalSize physicalSize savedBytes reclaimableBytes savingsRatio }`;
    const d = await api(`{ chain: ${q('CHAIN_ID')} diff: ${q('DIFF_ID')} images(first: 1000) { edges { node { size } } } }`);
    await open('#/storage', '#storage-figures');
    const logical = d.images.edges.reduce((a: number, e: any) => a + e.node.size, 0);
    expect(d.chain.logicalSize).toBe(logical);
    expect(await bytesOf('#logical')).toBe(logical);
    expect(await bytesOf('#physical-chain')).toBe(d.chain.physicalSize);
    expect(await bytesOf('#saved-chain')).toBe(d.chain.savedBytes);
    expect(await bytesOf('#physical-diff')).toBe(d.diff.physicalSize);
    expect(await bytesOf('#saved-diff')).toBe(d.diff.savedBytes);
    expect(await bytesOf('#reclaimable')).toBe(d.chain.reclaimableBytes);
    expect(d.chain.savedBytes).toBe(sharedBytes);
    await expect(page.locator('#saved-chain').textContent()).resolves.toContain(`${grouped(sharedBytes)} bytes`);
    await expect(page.locator('#ratio-chain .card-value').textContent()).resolves.toBe(`${(d.chain.savingsRatio * 100).toFixed(1)} %`);
    // SVG bars: logical vs physical, one bar per image, one per shared layer.
    await expect(page.locator('svg.chart g.bar-row[data-label="Logical"]').getAttribute('data-value')).resolves.toBe(String(logical));
    await expect(page.locator('svg[aria-label="Image sizes split into shared and unique bytes"] g.bar-row').count()).resolves.toBe(d.images.edges.length);
    await expect(page.locator('svg[aria-label="Bytes saved per shared layer (ChainID)"] g.bar-row').count()).resolves.toBe(2);
    await shot('storage');
  });

  test('events: the log, verification, filters, and events appended while the page is open', async () => {
    const { head, verifyLog } = await api('{ head verifyLog { ok checked } }');
    await open('#/events', '#event-log');
    await page.locator('#verify-status.ok').waitFor();
    await expect(page.locator('#verify-status').textContent()).resolves.toContain(`${verifyLog.checked} events checked`);
    await expect(page.locator('#event-log tbody tr').count()).resolves.toBe(Math.min(head, 100));
    await page.locator('#live-state[data-state="live"]').waitFor();

    // The protocol has no subscribe acknowledgement: probe until the feed delivers.
    const deadline = Date.now() + 10_000;
    for (let n = 0; (await page.locator('#live-events li').count()) === 0; n++) {
      if (Date.now() > deadline) throw new Error('no live event arrived');
      await app.append([{ stream: `probe:<b>${n}</b>`, expectedVersion: 'any', events: [{ type: 'Probed<img src=x>', data: {} }] }], { actor: 'tester' });
      await page.waitForTimeout(200);
    }
    // Rendered as text, never as markup.
    await expect(page.locator('#live-events li').first().textContent()).resolves.toContain('Probed<img src=x>');
    await expect(page.locator('main img, main b').count()).resolves.toBe(0);

    const { image } = await api(`{ image(ref: "${SAMPLE_TAG}") { imageId } }`);
    // A mutation made through the public API, as any other client would.
    await gql(server.url, 'mutation($i: String!) { tagImage(image: $i, tag: "x:1", expectedVersion: 0) { imageId } }', { i: image.imageId }, 'w');
    const position = (await api('{ head }')).head;
    const live = page.locator(`#live-events li[data-position="${position}"]`);
    await live.waitFor({ timeout: 10_000 });
    await expect(live.textContent()).resolves.toMatch(/TagMoved.*tag:x:1.*token:/);
    // The log table follows the tail too, and the verification badge counts what came since.
    await page.locator(`#event-log tr[data-position="${position}"]`).waitFor();
    await expect(page.locator('#verify-since').textContent()).resolves.toMatch(/appended since/);
    await shot('events');

    // Filter by type: the log and the feed keep only TagMoved.
    await page.fill('#filter-type', 'TagMoved');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForURL(/#\/events\?type=TagMoved/);
    await page.locator('#log-count', { hasText: 'matching the filter' }).waitFor();
    const { events } = await api('{ events(first: 1000, types: ["TagMoved"]) { totalCount } }');
    const types = await page.locator('#event-log tbody tr td:nth-child(2)').allTextContents();
    expect(types.length).toBe(events.totalCount);
    expect(new Set(types)).toEqual(new Set(['TagMoved']));
    // Filter by stream (clicking a stream fills it in).
    await page.locator('#event-log tbody tr', { hasText: 'tag:x:1' }).getByRole('button', { name: 'tag:x:1' }).click();
    await page.locator('#log-count', { hasText: /^1 of 1 events/ }).waitFor();
    await expect(page.inputValue('#filter-stream')).resolves.toBe('tag:x:1');
  });

  test('protected reads: errors show extensions.code; the token field unlocks and is sent as Bearer', async () => {
    const guarded = await start('r');
    try {
      const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      const p = await ctx.newPage();
      p.on('pageerror', (e) => pageErrors.push(e.message));
      await p.goto(`${new URL(guarded.url).origin}/#/images`);
      const err = p.locator('.error[role=alert]').first();
      await err.waitFor();
      await expect(err.locator('code.code').textContent()).resolves.toBe('UNAUTHENTICATED');
      await p.screenshot({ path: path.join(SHOTS, 'unauthenticated.png'), fullPage: true });
      await p.fill('#token-input', 'r');
      await p.getByRole('button', { name: 'Save' }).click();
      await p.locator('#images-table').waitFor();
      await expect(p.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('strata.readToken'))).resolves.toBe('r');
      // The WebSocket sends it as connection_init's authorization too.
      await p.goto(`${new URL(guarded.url).origin}/#/events`);
      await p.locator('#live-state[data-state="live"]').waitFor();
      await ctx.close();
    } finally {
      await guarded.close();
    }
  });

  test('unnamed bases: shared layer stacks drawn above their images, and named on the image page', async () => {
    // Images built FROM bases that were never imported (layers labelled by fleetImages.ts):
    //   svc1 [D, P, s1]  svc2 [D, P, s2]  web [D, w]  cron [D, c]    (D: Debian 12, P: a runtime)
    const D = fleetLayer('dash-debian', DEBIAN_12);
    const P = fleetLayer('dash-python');
    await recordImport(app, [
      fleetImage('svc1:1', [D, P, fleetLayer('dash-s1')]), fleetImage('svc2:1', [D, P, fleetLayer('dash-s2')]),
      fleetImage('web:1', [D, fleetLayer('dash-w')]), fleetImage('cron:1', [D, fleetLayer('dash-c')]),
    ], { actor: 'seed' });
    const d = await api(`{ baseChains(first: 1000) { edges { node { chainId depth imageCount distribution image { imageId } parent { chainId } } } }
      svc1: image(ref: "svc1:1") { imageId baseChain { chainId imageCount distribution } }
      svc2: image(ref: "svc2:1") { imageId } web: image(ref: "web:1") { imageId } cron: image(ref: "cron:1") { imageId }
      sample: image(ref: "${SAMPLE_TAG}") { baseChain { chainId image { imageId } } } base: image(ref: "${BASE_TAG}") { imageId } }`);
    const chains = new Map(d.baseChains.edges.map((e: any) => [e.node.chainId, e.node]));
    const debian: any = chains.get(D.diffId);
    const runtime: any = chains.get(d.svc1.baseChain.chainId);
    expect(debian).toMatchObject({ depth: 1, imageCount: 4, image: null, distribution: 'Debian GNU/Linux 12 (bookworm)' });
    expect(runtime).toMatchObject({ depth: 2, imageCount: 2, image: null, parent: { chainId: D.diffId } });

    await open('#/lineage', 'svg.lineage');
    // Two unnamed bases are drawn; the samples' one-layer stack only leads to sample-base:1, so it is passed through.
    const stacks = page.locator('svg.lineage g.node-stack');
    await expect(stacks.count()).resolves.toBe(2);
    await expect(page.locator('#lineage-summary').textContent()).resolves.toContain('2 unnamed bases');
    for (const c of [debian, runtime]) {
      const node = page.locator(`g.node-stack[data-chain-id="${c.chainId}"]`);
      await expect(node.getAttribute('data-image-count')).resolves.toBe(String(c.imageCount));
      const text = await node.locator('text').allTextContents();
      expect(text).toEqual([`${c.distribution.slice(0, 28)}…`, `${c.chainId.slice(7, 19)} · ${c.imageCount} images`]);
      await expect(node.getAttribute('aria-label')).resolves.toContain(c.distribution);
    }
    const edge = (from: string, to: string) => page.locator(`svg.lineage path.edge[data-from="${from}"][data-to="${to}"]`).count();
    await expect(edge(debian.chainId, runtime.chainId)).resolves.toBe(1);
    for (const img of [d.web, d.cron]) await expect(edge(debian.chainId, img.imageId)).resolves.toBe(1);
    for (const img of [d.svc1, d.svc2]) await expect(edge(runtime.chainId, img.imageId)).resolves.toBe(1);
    // Above (left of, in this left-to-right layout) the images built on them.
    const xOf = async (sel: string) => Number(/translate\(([\d.]+)/.exec((await page.locator(sel).getAttribute('transform'))!)![1]);
    const xRuntime = await xOf(`g.node-stack[data-chain-id="${runtime.chainId}"]`);
    expect(await xOf(`g.node-stack[data-chain-id="${debian.chainId}"]`)).toBeLessThan(xRuntime);
    expect(xRuntime).toBeLessThan(await xOf(`g.node[data-image-id="${d.svc1.imageId}"]`));
    await shot('lineage-unnamed-bases');

    // The image page names the stack, known image or not.
    await open('#/image/svc1%3A1', '#base-chain');
    const base = page.locator('#base-chain');
    await expect(base.getAttribute('data-chain-id')).resolves.toBe(d.svc1.baseChain.chainId);
    await expect(base.textContent()).resolves.toContain(`${d.svc1.baseChain.distribution} · ${d.svc1.baseChain.chainId.slice(7, 19)} · 2 layers · ${d.svc1.baseChain.imageCount} images built on it`);
    await open(`#/image/${encodeURIComponent(SAMPLE_TAG)}`, '#base-chain');
    expect(d.sample.baseChain.image.imageId).toBe(d.base.imageId);
    await expect(page.locator('#base-chain a').getAttribute('href')).resolves.toBe(`#/image/${encodeURIComponent(d.base.imageId)}`);
    await shot('image-base-stack');
  });
});

if (!skip && missing.length) {
  // Make the reason loud even when beforeAll's failure is summarized.
  test('browser prerequisites', () => {
    throw new Error(`dashboard e2e needs ${missing.join(' and ')}; set STRATA_SKIP_BROWSER=1 to skip`);
  });
}
