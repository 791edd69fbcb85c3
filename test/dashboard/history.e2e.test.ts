/**
 * The dashboard's history views (issue 20), in headless Chromium against a
 * real server: time travel (a position shows what a replay of the log up to it
 * gives), the tag timeline (following moves made through the API live), the
 * audit trail's filters and "what an event changed", the image timeline,
 * transfers, gate verdicts, the size accounting toggle, and labelled,
 * keyboard-reachable controls. Expected figures come from the API or from a
 * fresh ReadModel folded over the log, never from the page itself.
 */
import { ReadModel } from '../../src/projections/readModel';
import { skippingDescribe } from '../helpers/skip';
import { SAMPLE_TAG } from '../helpers/sampleImages';
import { BASE_TAG, seed } from './seed';
import { browserMissing, openDashboard, skipBrowser, type Dashboard } from './harness';

/** Waits (up to 10 s) for a condition the test process observes, such as requests seen by the page's router. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A push recorded the way a registry push records it: bytes moved and skipped (issue 18). */
const PUSH = { direction: 'PUSH', location: 'docker://registry.test:5000/sample:1', manifestDigest: `sha256:${'ab'.repeat(32)}`,
  transferredBytes: 4096, skippedBytes: 1_000_000, transferredBlobs: 2, skippedBlobs: 12 };

(skipBrowser ? skippingDescribe(`/usr/bin/chromium missing (STRATA_SKIP_BROWSER=1)`) : describe)('dashboard history views in headless Chromium', () => {
  let d: Dashboard;
  let sample: string, base: string, kaniko: string;
  /** Positions: the seed's head, app:1 created on sample, app:1 moved to base, kaniko removed. */
  const at = { seeded: 0, tagged: 0, moved: 0, removed: 0 };
  let apiActor: string;
  const head = async () => (await d.api('{ head }')).head as number;
  const replay = async (to: number) => { const m = new ReadModel(); m.applyAll(await d.app.store.readRange(1, to)); return m; };

  beforeAll(async () => {
    d = await openDashboard(async (app) => {
      await seed(app);
      const img = (await app.models.current()).resolve(SAMPLE_TAG)!;
      await app.append([{ stream: `image:${img.imageId}`, expectedVersion: 'any', events: [{ type: 'ImageTransferred', data: { imageId: img.imageId, ...PUSH } }] }], { actor: 'ci-pusher' });
    });
    const ids = await d.api(`{ a: image(ref: "${SAMPLE_TAG}") { imageId } b: image(ref: "${BASE_TAG}") { imageId } k: image(ref: "sample:kaniko-latest") { imageId } }`);
    [sample, base, kaniko] = [ids.a.imageId, ids.b.imageId, ids.k.imageId];
    at.seeded = await head();
    await d.write('mutation($i: String!) { tagImage(image: $i, tag: "app:1") { imageId } }', { i: sample });
    at.tagged = await head();
    await d.write('mutation($i: String!) { tagImage(image: $i, tag: "app:1") { imageId } }', { i: base });
    at.moved = await head();
    await d.write('mutation($i: String!) { removeImage(ref: $i, force: true) { freedBytes } }', { i: kaniko });
    at.removed = await head();
    apiActor = (await d.api(`{ event(position: ${at.moved}) { actor } }`)).event.actor;
  }, 120_000);
  afterAll(async () => { await d?.close(); });
  afterEach(() => { expect(d.pageErrors).toEqual([]); });

  test('time travel: at a position, the images and storage views show what a replay up to it gives; the URL carries it', async () => {
    const m = await replay(at.tagged);
    const live = m.liveImages();
    expect(live.some((i) => i.imageId === kaniko)).toBe(true); // removed later: only time travel shows it
    await d.open(`#/images?at=${at.tagged}`, '#images-table');
    const { page } = d;
    const ids = await page.locator('#images-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-image-id')));
    expect(new Set(ids)).toEqual(new Set(live.map((i) => i.imageId)));
    const sizes = await page.locator('#images-table tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.children[4]!.getAttribute('data-bytes'))));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(live.reduce((n, i) => n + i.layers.reduce((s, l) => s + l.size, 0), 0));
    await expect(page.locator(`tr[data-image-id="${sample}"]`).textContent()).resolves.toContain('app:1');
    expect(m.repoTags(sample)).toContain('app:1');
    // The header says where the views stand; the slider and the field hold the position; links keep it.
    await expect(page.locator('body').getAttribute('class')).resolves.toContain('travelling');
    await expect(page.inputValue('#time-slider')).resolves.toBe(String(at.tagged));
    await expect(page.inputValue('#time-position')).resolves.toBe(String(at.tagged));
    await page.locator('#time-state', { hasText: `As of position ${at.tagged} of ${at.removed}` }).waitFor();
    await expect(page.locator('#time-state').textContent()).resolves.toContain('TagMoved tag:app:1');
    await expect(page.locator('nav a[data-view=storage]').getAttribute('href')).resolves.toBe(`#/storage?at=${at.tagged}`);
    await d.shot('time-travel-images');

    // Storage at the same position: the logical total of the replayed images.
    await page.locator('nav a[data-view=storage]').click();
    await page.locator('#logical').waitFor();
    expect(Number(await page.locator('#logical').getAttribute('data-bytes'))).toBe(live.reduce((n, i) => n + i.layers.reduce((s, l) => s + l.size, 0), 0));
    // …and at now, without kaniko.
    await page.getByRole('button', { name: 'Now' }).click();
    await page.waitForURL((u) => u.hash === '#/storage');
    await page.locator('#time-state', { hasText: 'Now: live head' }).waitFor();
    const now = (await d.api('{ storage { logicalSize } }')).storage.logicalSize;
    await page.locator(`#logical[data-bytes="${now}"]`).waitFor();

    // Keyboard: the slider is reachable and moves one position per arrow key.
    await d.open(`#/images?at=${at.moved}`, '#images-table');
    await page.focus('#time-slider');
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL((u) => u.hash === `#/images?at=${at.moved - 1}`);
    // The date picker maps a date to the newest position recorded by then (Query.positionAt).
    const recorded = (await d.api(`{ event(position: ${at.tagged}) { recordedAt } }`)).event.recordedAt as string;
    const second = recorded.slice(0, 19);
    const expected = (await d.api(`{ positionAt(at: "${second}Z") }`)).positionAt;
    await page.fill('#time-date', second);
    await page.dispatchEvent('#time-date', 'change');
    await page.waitForURL((u) => u.hash === `#/images?at=${expected}`);
  });

  test('now follows the live head: the bar moves with each event; a drawn view offers Refresh instead of redrawing', async () => {
    const { page } = d;
    await d.open('#/images', '#images-table');
    const before = await head();
    await page.locator('#time-state', { hasText: `Now: live head, position ${before}` }).waitFor();
    await d.write('mutation($i: String!) { tagImage(image: $i, tag: "live:1") { imageId } }', { i: base });
    const after = await head();
    await page.locator('#time-state', { hasText: `Now: live head, position ${after}` }).waitFor({ timeout: 15_000 });
    await expect(page.inputValue('#time-slider')).resolves.toBe(String(after));
    const refresh = page.locator('#time-refresh');
    await refresh.waitFor();
    await expect(refresh.textContent()).resolves.toBe(`Refresh (${after - before} new event${after - before === 1 ? '' : 's'})`);
    // The table still shows what it showed; Refresh redraws it with the new tag.
    await expect(page.locator(`tr[data-image-id="${base}"]`).textContent()).resolves.not.toContain('live:1');
    await refresh.click();
    await page.locator(`tr[data-image-id="${base}"]`, { hasText: 'live:1' }).waitFor();
    await expect(refresh.isHidden()).resolves.toBe(true);
  });

  test('a date whose position arrives after the reader moved on does not pull the views back to it', async () => {
    const { page } = d;
    await d.open('#/images', '#images-table');
    // Hold the page's PositionAt requests until the reader has moved on; count them to know when all were answered.
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let asked = 0, answered = 0;
    const isPositionAt = (body: string | null) => (body ?? '').includes('PositionAt');
    const onFinished = (r: import('playwright-core').Request) => { if (isPositionAt(r.postData())) answered += 1; };
    page.on('requestfinished', onFinished);
    await page.route('**/graphql', async (route) => {
      if (isPositionAt(route.request().postData())) { asked += 1; await held; }
      await route.continue();
    });
    try {
      const recorded = (await d.api(`{ event(position: ${at.tagged}) { recordedAt } }`)).event.recordedAt as string;
      await page.fill('#time-date', recorded.slice(0, 19));
      await page.dispatchEvent('#time-date', 'change');
      await until(() => asked > 0, 'the page asks for the position of the chosen date');
      // The reader leaves for the storage view at "now" before any answer arrives.
      await page.locator('nav a[data-view=storage]').click();
      await page.waitForURL((u) => u.hash === '#/storage');
      release();
      await until(() => answered === asked, 'every PositionAt request is answered');
      await page.evaluate(() => new Promise((r) => setTimeout(r, 200))); // the answers' handlers have run
      expect(new URL(page.url()).hash).toBe('#/storage');
      await page.locator('#time-state', { hasText: 'Now: live head' }).waitFor({ timeout: 5_000 });
    } finally {
      release();
      await page.unroute('**/graphql');
      page.off('requestfinished', onFinished);
    }
  });

  test('tag timeline: every move from → to, when, by whom; a move made through the API appears live', async () => {
    const { page } = d;
    // The tags list: each tag with the image it points to, as the API says; a tag opens its timeline.
    await d.open('#/tags', '#tags-table tr[data-tag="app:1"] a[data-image-id]');
    const tags = (await d.api('{ tags { name image { imageId } } }')).tags;
    await expect(page.locator('#tags-table tbody tr').count()).resolves.toBe(tags.length);
    for (const t of tags) await expect(page.locator(`#tags-table tr[data-tag="${t.name}"] a[data-image-id]`).getAttribute('data-image-id')).resolves.toBe(t.image.imageId);
    await page.locator('#tags-table tr[data-tag="app:1"] a.tag').click();
    await page.locator('#tag-history').waitFor();
    await page.locator('#tag-live[data-state="live"]').waitFor();
    const { tag } = await d.api('{ tag(name: "app:1") { history { position actor fromImageId toImageId } } }');
    const rows = page.locator('#tag-history tbody tr');
    await expect(rows.count()).resolves.toBe(tag.history.length);
    for (const [k, m] of tag.history.entries()) {
      const cells = rows.nth(k).locator('td');
      await expect(rows.nth(k).getAttribute('data-position')).resolves.toBe(String(m.position));
      await expect(cells.nth(2).textContent()).resolves.toBe(m.actor);
      await expect(cells.nth(5).locator('a').getAttribute('data-image-id')).resolves.toBe(m.toImageId);
    }
    await expect(rows.nth(1).locator('td').nth(4).locator('a').getAttribute('data-image-id')).resolves.toBe(sample);
    await expect(page.locator('svg.time-axis g.axis-point').count()).resolves.toBe(tag.history.length);

    // Another client moves the tag: the new row arrives without a reload.
    await d.write('mutation($i: String!) { tagImage(image: $i, tag: "app:1") { imageId } }', { i: sample });
    const p = await head();
    await page.locator(`#tag-history tr[data-position="${p}"]`).waitFor({ timeout: 15_000 });
    await expect(page.locator(`#tag-history tr[data-position="${p}"] td`).nth(5).locator('a').getAttribute('data-image-id')).resolves.toBe(sample);
    await expect(page.locator('#tag-moves').textContent()).resolves.toBe(String(tag.history.length + 1));
    await d.shot('tag-timeline');

    // As of the first move, the timeline holds only it.
    await d.open(`#/tag/app%3A1?at=${at.tagged}`, '#tag-history');
    await expect(rows.count()).resolves.toBe(1);
  });

  test('audit trail: filters by actor, type, stream and time range; an event opens what it changed', async () => {
    const { page } = d;
    await d.open('#/events', '#event-log');
    await page.fill('#filter-actor', apiActor);
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.locator('#log-count', { hasText: 'matching the filter' }).waitFor();
    const byActor = (await d.api('query($a: String) { events(first: 1000, actor: $a) { totalCount edges { node { position } } } }', { a: apiActor })).events;
    await expect(page.locator('#event-log tbody tr').count()).resolves.toBe(byActor.totalCount);
    expect(page.url()).toContain(`actor=${encodeURIComponent(apiActor)}`);

    // Type and a time range on top: the same count as the API gives for the same bounds.
    const first = (await d.api(`{ event(position: ${at.tagged}) { recordedAt } }`)).event.recordedAt as string;
    const since = first.slice(0, 19);
    await page.fill('#filter-type', 'TagMoved');
    await page.fill('#filter-since', since);
    await page.fill('#filter-until', '2100-01-01T00:00:00');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const r = (await d.api('query($a: String, $s: DateTime) { events(first: 1000, actor: $a, types: ["TagMoved"], since: $s, until: "2100-01-01T00:00:00Z") { totalCount } }',
      { a: apiActor, s: `${since}Z` })).events;
    await page.locator('#log-count', { hasText: new RegExp(`^${r.totalCount} of ${r.totalCount} events matching`) }).waitFor();
    expect(r.totalCount).toBeGreaterThanOrEqual(2);

    // The move of app:1 from sample to base opens the tag's timeline and both images, as of the event.
    await page.locator(`#event-log tr[data-position="${at.moved}"] button.open-event`).click();
    const detail = page.locator(`tr[data-detail-for="${at.moved}"] .event-target`);
    await detail.waitFor();
    await expect(detail.locator('a[data-opens=tag]').getAttribute('href')).resolves.toBe(`#/tag/app%3A1?at=${at.moved}`);
    await expect(detail.locator(`a[data-image-id="${sample}"]`).getAttribute('href')).resolves.toBe(`#/image/${encodeURIComponent(sample)}?at=${at.moved - 1}`);
    await expect(detail.locator(`a[data-image-id="${base}"]`).getAttribute('href')).resolves.toBe(`#/image/${encodeURIComponent(base)}?at=${at.moved}`);
    await expect(page.locator(`#event-log tr[data-position="${at.moved}"] button.open-event`).getAttribute('aria-expanded')).resolves.toBe('true');
    await d.shot('audit-trail');

    // A removed image opens as of the position before its removal.
    await d.open(`#/events?type=ImageRemoved`, '#event-log');
    await page.locator(`#event-log tr[data-position="${at.removed}"] button.open-event`).click();
    const removed = page.locator(`tr[data-detail-for="${at.removed}"] a[data-image-id="${kaniko}"]`);
    await removed.click();
    await page.waitForURL((u) => u.hash === `#/image/${encodeURIComponent(kaniko)}?at=${at.removed - 1}`);
    await page.locator('#image-size').waitFor();
    // removeImage untags first: just before the removal the image had no tag left, as a replay shows.
    expect((await replay(at.removed - 1)).repoTags(kaniko)).toEqual([]);
    await expect(page.locator('h1').textContent()).resolves.toContain(kaniko.slice(7, 19));
  });

  test('image page: timeline, transfers (moved vs skipped), gate verdicts against Image.check, Docker accounting', async () => {
    const { page } = d;
    await d.open(`#/image/${encodeURIComponent(sample)}`, '#gate-verdict');
    const kinds = await page.locator('section[aria-label=Timeline] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')));
    const { image } = await d.api(`query($i: String!) { image(ref: $i) { tagMoves { position } transfers { position transferredBytes skippedBytes }
      check(rules: { lowestEfficiency: 0.9, highestUserWastedPercent: 0.1 }) { pass results { rule status } }
      content: size docker: size(accounting: DOCKER) } }`, { i: sample });
    expect(kinds[0]).toBe('appeared');
    expect(kinds.filter((k) => k === 'pushed')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'tagged' || k === 'untagged')).toHaveLength(image.tagMoves.length);
    const push = image.transfers[0];
    await expect(page.locator(`#transfer-${push.position} [data-bytes]`).nth(0).getAttribute('data-bytes')).resolves.toBe(String(PUSH.transferredBytes));
    await expect(page.locator(`#transfer-${push.position} [data-bytes]`).nth(1).getAttribute('data-bytes')).resolves.toBe(String(PUSH.skippedBytes));

    // dive's defaults: the page's verdicts are the API's.
    await expect(page.locator('#gate-verdict').getAttribute('data-pass')).resolves.toBe(String(image.check.pass));
    for (const r of image.check.results) await expect(page.locator(`#gate-result tr[data-rule="${r.rule}"]`).getAttribute('data-status')).resolves.toBe(r.status);
    // A tighter gate: 14 layers break maxLayers 5.
    await page.fill('#rule-maxLayers', '5');
    await page.getByRole('button', { name: 'Judge' }).click();
    await page.locator('#gate-result tr[data-rule="maxLayers"][data-status="FAIL"]').waitFor();
    await expect(page.locator('#gate-verdict').getAttribute('data-pass')).resolves.toBe('false');
    await d.shot('image-history');

    // Sizes in Docker's accounting, everywhere: the image card and the images table.
    await page.selectOption('#size-accounting', 'DOCKER');
    await page.locator('#image-size[data-accounting="DOCKER"]').waitFor();
    expect(Number(await page.locator('#image-size').getAttribute('data-bytes'))).toBe(image.docker);
    await d.open('#/images', '#images-table');
    await expect(page.locator(`tr[data-image-id="${sample}"] td`).nth(4).getAttribute('data-bytes')).resolves.toBe(String(image.docker));
    await page.selectOption('#size-accounting', 'CONTENT');
    await page.locator(`tr[data-image-id="${sample}"] td[data-bytes="${image.content}"]`).first().waitFor();
    await page.evaluate(() => (globalThis as any).localStorage.removeItem('strata.checkRules'));
  });

  test('image timeline: an upgrade (new layers on the tag\'s image) and a rebase (onto another base) are named so', async () => {
    const { page } = d;
    const oci = (await d.api('{ images(first: 100) { edges { node { imageId repoTags layers { index } } } } }')).images.edges
      .map((e: any) => e.node).find((n: any) => n.layers.length === 1 && n.imageId !== base);
    await d.write('mutation($i: String!) { tagImage(image: $i, tag: "up:1") { imageId } }', { i: sample });
    const up = (await d.write('mutation { upgrade(input: { tag: "up:1", changes: [{ change: ADDED, path: "/upgraded.txt", kind: FILE, size: 3 }] }) { image { imageId parent { imageId } } } }')).upgrade.image;
    expect(up.parent.imageId).toBe(sample);
    await d.open(`#/image/${encodeURIComponent(up.imageId)}`, 'section[aria-label=Timeline] tbody tr');
    await expect(page.locator('section[aria-label=Timeline] tbody tr').first().getAttribute('data-kind')).resolves.toBe('upgraded');
    // The image it came from says where its tag went.
    await d.open(`#/image/${encodeURIComponent(sample)}`, 'section[aria-label=Timeline] tbody tr');
    await expect(page.locator('section[aria-label=Timeline] tbody tr[data-kind=upgraded]').count()).resolves.toBe(1);

    const rebased = (await d.write('mutation($o: String!) { upgrade(input: { tag: "up:1", onto: $o }) { image { imageId parent { imageId } } } }', { o: oci.imageId })).upgrade.image;
    expect(rebased.parent.imageId).toBe(oci.imageId);
    await d.open(`#/image/${encodeURIComponent(rebased.imageId)}`, 'section[aria-label=Timeline] tbody tr');
    await expect(page.locator('section[aria-label=Timeline] tbody tr').first().getAttribute('data-kind')).resolves.toBe('rebased');
    await expect(page.locator('section[aria-label=Timeline] tbody tr').first().textContent()).resolves.toContain('Made by a rebase onto');
  });

  test('accessibility: every control has a label and is reachable by keyboard; charts carry text equivalents', async () => {
    const { page } = d;
    for (const [hash, ready] of [['#/events', '#event-log'], [`#/image/${encodeURIComponent(sample)}`, '#gate-verdict'], ['#/storage', '#logical'], ['#/tag/app%3A1', '#tag-history'], ['#/lineage', 'svg.lineage']]) {
      await d.open(hash!, ready!);
      const unlabelled = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('input, select, textarea')]
        .filter((el: any) => el.type !== 'hidden' && !(el.labels?.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
        .map((el: any) => el.id || el.outerHTML));
      expect({ hash, unlabelled }).toEqual({ hash, unlabelled: [] });
      const charts = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('main svg')]
        .filter((el: any) => !el.getAttribute('aria-label')).length);
      expect({ hash, charts }).toEqual({ hash, charts: 0 });
    }
    // Tab from the top reaches the time controls, the size toggle and the view's own controls.
    await d.open('#/storage', '#logical');
    const reached = new Set<string>();
    for (let k = 0; k < 40; k++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => (globalThis as any).document.activeElement?.id ?? ''));
    }
    for (const id of ['time-slider', 'time-position', 'time-date', 'time-now', 'size-accounting']) expect(reached).toContain(id);
    // Every chart has its rows as a table too.
    await expect(page.locator('figure.chart-figure').count()).resolves.toBe(await page.locator('figure.chart-figure details table').count());
  });
});

if (!skipBrowser && browserMissing) {
  test('browser prerequisites', () => { throw new Error('dashboard e2e needs /usr/bin/chromium; set STRATA_SKIP_BROWSER=1 to skip'); });
}
