/** The webhook rules (src/domain/webhooks.ts): configuration, which events notify, payloads, retry delays. */
import { kindOfEvent, parseWebhookConfig, payloadsOf, retryDelayMs, WEBHOOK_KINDS, WEBHOOK_SCHEMA_VERSION } from '../../src/domain/webhooks';

const secrets: Record<string, string> = { S: 'secret' };
const parse = (doc: unknown) => parseWebhookConfig(doc, (n) => secrets[n]);
const entry = (over: Record<string, unknown> = {}) => ({ name: 'ops', url: 'https://hooks.example/strata', secretEnv: 'S', events: ['tag.moved'], ...over });

describe('webhook configuration', () => {
  it('reads endpoints with their secrets resolved from the environment, events de-duplicated', () => {
    expect(parse({ webhooks: [entry({ events: ['tag.moved', 'drift', 'tag.moved'] })] })).toEqual([
      { name: 'ops', url: 'https://hooks.example/strata', secret: 'secret', kinds: ['tag.moved', 'drift'] },
    ]);
  });

  it.each([
    [null, 'expected a top-level "webhooks:" list'],
    [{ webhooks: {} }, 'expected a top-level "webhooks:" list'],
    [{ webhooks: ['x'] }, 'entry 1: expected a mapping'],
    [{ webhooks: [entry({ name: 'a b' })] }, 'entry 1: "name" must be'],
    [{ webhooks: [entry(), entry()] }, 'entry 2: the name "ops" is used twice'],
    [{ webhooks: [entry({ url: 'not a url' })] }, 'entry 1 (ops): "url" is not a URL'],
    [{ webhooks: [entry({ url: 'ftp://hooks.example/' })] }, 'entry 1 (ops): "url" must be http(s)'],
    [{ webhooks: [entry({ events: [] })] }, 'entry 1 (ops): "events" must list one or more of'],
    [{ webhooks: [entry({ events: ['image.pushed'] })] }, 'entry 1 (ops): unknown event "image.pushed"'],
    [{ webhooks: [entry({ secretEnv: '' })] }, 'entry 1 (ops): "secretEnv" must name the variable'],
    [{ webhooks: [entry({ secretEnv: 'UNSET' })] }, 'entry 1 (ops): the variable UNSET (its signing secret) is unset or empty'],
  ])('refuses %j naming the entry and the rule', (doc, message) => {
    let err: { code?: string; message?: string } = {};
    try { parse(doc); } catch (e) { err = e as typeof err; }
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.message).toContain(message);
  });
});

describe('which events notify', () => {
  it.each([
    ['ImageCommitted', { source: 'import' }, 'image.imported'],
    ['ImageCommitted', { source: 'commit' }, 'image.committed'],
    ['ImageCommitted', { source: 'upgrade' }, 'image.committed'],
    ['ImageRemoved', {}, 'image.removed'],
    ['ImageTransferred', {}, 'image.transferred'],
    ['TagMoved', {}, 'tag.moved'],
    ['TagRemoved', {}, 'tag.removed'],
    ['ContainerCreated', {}, null],
    ['BlobsCollected', {}, null],
    ['LayerCommitted', {}, null],
  ])('%s %j → %s', (type, data, kind) => {
    expect(kindOfEvent({ type, data })).toBe(kind);
  });
});

describe('payloads', () => {
  const ev = (type: string, data: Record<string, unknown>) =>
    ({ position: 9, stream: 'tag-base:latest', type, data, recordedAt: '2026-11-30T00:00:00.000Z', actor: 'ci' });
  const behind = [{ imageId: 'sha256:a', tag: 'base:latest', builtOn: 'sha256:1', current: 'sha256:2', movesBehind: 1, since: 'T' }];

  it('a tag move away from an earlier target also makes a drift notification listing who is behind', () => {
    const out = payloadsOf(ev('TagMoved', { tag: 'base:latest', from: 'sha256:1', to: 'sha256:2' }), (tag) => (tag === 'base:latest' ? behind : []));
    expect(out.map((p) => [p.id, p.kind])).toEqual([['9.tag.moved', 'tag.moved'], ['9.drift', 'drift']]);
    expect(out[1]).toEqual({
      schemaVersion: WEBHOOK_SCHEMA_VERSION, id: '9.drift', kind: 'drift', position: 9, recordedAt: '2026-11-30T00:00:00.000Z', actor: 'ci',
      event: { type: 'TagMoved', stream: 'tag-base:latest', data: { tag: 'base:latest', from: 'sha256:1', to: 'sha256:2' } }, drift: behind,
    });
    expect(out[0]!.drift).toBeUndefined();
  });

  it('a first tagging (from null) or a move nobody is behind on makes no drift notification', () => {
    expect(payloadsOf(ev('TagMoved', { tag: 'base:latest', from: null, to: 'sha256:1' }), () => behind).map((p) => p.kind)).toEqual(['tag.moved']);
    expect(payloadsOf(ev('TagMoved', { tag: 'base:latest', from: 'sha256:1', to: 'sha256:2' }), () => []).map((p) => p.kind))
      .toEqual(['tag.moved']);
  });

  it('events that notify nothing make no payload', () => {
    expect(payloadsOf(ev('ContainerCreated', {}), () => behind)).toEqual([]);
  });
});

describe('retry delays', () => {
  it('double from the base per failed attempt and stop growing at an hour', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, 1000)).toBe(3_600_000);
  });
});

describe('webhook configuration, rule by rule (docs/webhooks.md)', () => {
  const refusal = (doc: unknown): string => {
    try { parse(doc); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
    throw new Error('accepted');
  };
  const ALL = 'image.imported, image.committed, image.removed, image.transferred, tag.moved, tag.removed, drift';

  it('names: 1 to 64 of letters, digits, "_", "." and "-", not starting with a punctuation mark', () => {
    for (const name of ['a', 'A', '0', `a${'b'.repeat(63)}`, 'ops_1.x-y', 'Z.-_']) {
      expect(parse({ webhooks: [entry({ name })] }).map((w) => w.name)).toEqual([name]);
    }
    for (const name of ['', `a${'b'.repeat(64)}`, '-a', '.a', '_a', 'a b', 'a/b', 'é', 7, null, ' a', 'a\n']) {
      expect(refusal({ webhooks: [entry({ name })] }))
        .toBe('BAD_USER_INPUT: webhook configuration, entry 1: "name" must be 1-64 letters, digits, "_", "." or "-"');
    }
  });

  it('the url: http or https, kept in its normalized form', () => {
    expect(parse({ webhooks: [entry({ url: 'http://HOOKS.example:8080/a b' })] })[0]!.url).toBe('http://hooks.example:8080/a%20b');
    expect(refusal({ webhooks: [entry({ url: 'file:///etc/passwd' })] }))
      .toBe('BAD_USER_INPUT: webhook configuration, entry 1 (ops): "url" must be http(s)');
    expect(refusal({ webhooks: [entry({ url: undefined })] })).toBe('BAD_USER_INPUT: webhook configuration, entry 1 (ops): "url" is not a URL');
  });

  it('events: a non-empty list of known kinds; the refusal lists them all', () => {
    expect(refusal({ webhooks: [entry({ events: 'tag.moved' })] }))
      .toBe(`BAD_USER_INPUT: webhook configuration, entry 1 (ops): "events" must list one or more of ${ALL}`);
    expect(refusal({ webhooks: [entry({ events: ['tag.moved', 'Tag.Moved'] })] }))
      .toBe(`BAD_USER_INPUT: webhook configuration, entry 1 (ops): unknown event "Tag.Moved" (known: ${ALL})`);
    expect(parse({ webhooks: [entry({ events: ['drift', 'image.imported', 'drift', 'image.removed'] })] })[0]!.kinds)
      .toEqual(['drift', 'image.imported', 'image.removed']);
  });

  it('secretEnv must be a non-empty name; the variable must hold a non-empty secret', () => {
    expect(refusal({ webhooks: [entry({ secretEnv: 5 })] }))
      .toBe('BAD_USER_INPUT: webhook configuration, entry 1 (ops): "secretEnv" must name the variable holding the signing secret');
    expect(() => parseWebhookConfig({ webhooks: [entry({ secretEnv: 'E' })] }, () => '')).toThrow('the variable E (its signing secret) is unset or empty');
  });

  it('entries are numbered from 1; each refusal is BAD_USER_INPUT; several endpoints keep their order', () => {
    expect(refusal({ webhooks: [entry({ name: 'a' }), null] }))
      .toBe('BAD_USER_INPUT: webhook configuration, entry 2: expected a mapping with name, url, events and secretEnv');
    expect(refusal({ webhooks: [entry({ name: 'a' }), entry({ name: 'b' }), entry({ name: 'a' })] }))
      .toBe('BAD_USER_INPUT: webhook configuration, entry 3: the name "a" is used twice');
    expect(parse({ webhooks: [entry({ name: 'b' }), entry({ name: 'a' })] }).map((w) => w.name)).toEqual(['b', 'a']);
    expect(parse({ webhooks: [] })).toEqual([]);
    expect(refusal({})).toBe('BAD_USER_INPUT: webhook configuration: expected a top-level "webhooks:" list');
  });

  it('the kinds and the payload schema version', () => {
    expect(WEBHOOK_KINDS.join(', ')).toBe(ALL);
    expect(WEBHOOK_SCHEMA_VERSION).toBe(1);
  });
});

describe('payloads and retries, exactly', () => {
  it('the payload carries the event as logged, its position, time and actor; its id is position.kind', () => {
    const e = { position: 42, stream: 'image:sha256:x', type: 'ImageRemoved', data: { imageId: 'sha256:x' }, recordedAt: 'T', actor: null };
    expect(payloadsOf(e, () => { throw new Error('drift is only asked for tag moves'); })).toEqual([{
      schemaVersion: 1, id: '42.image.removed', kind: 'image.removed', position: 42, recordedAt: 'T', actor: null,
      event: { type: 'ImageRemoved', stream: 'image:sha256:x', data: { imageId: 'sha256:x' } },
    }]);
  });

  it('drift is asked for the moved tag only, and the list is a copy', () => {
    const asked: string[] = [];
    const list = [{ imageId: 'sha256:a', tag: 'b:1', builtOn: 'sha256:1', current: 'sha256:2', movesBehind: 1, since: 'T' }];
    const out = payloadsOf({ position: 1, stream: 's', type: 'TagMoved', data: { tag: 'b:1', from: 'sha256:1', to: 'sha256:2' }, recordedAt: 'T', actor: 'a' },
      (tag) => { asked.push(tag); return list; });
    expect(asked).toEqual(['b:1']);
    expect(out[1]!.drift).toEqual(list);
    expect(out[1]!.drift).not.toBe(list);
  });

  it('a removal of a tag or a non-move never makes a drift notification', () => {
    const ev = (type: string) => ({ position: 3, stream: 's', type, data: { tag: 'b:1', from: 'sha256:1' }, recordedAt: 'T', actor: null });
    expect(payloadsOf(ev('TagRemoved'), () => [{} as never]).map((p) => p.kind)).toEqual(['tag.removed']);
  });

  it('retry delay: the base after the first failure (and before any), doubling, capped at one hour exactly', () => {
    expect([0, 1, 2, 3].map((a) => retryDelayMs(a, 500))).toEqual([500, 500, 1000, 2000]);
    expect(retryDelayMs(13, 1000)).toBe(3_600_000); // 4,096,000 capped
    expect(retryDelayMs(12, 1000)).toBe(2_048_000);
    expect(retryDelayMs(1, 4_000_000)).toBe(3_600_000);
  });
});
