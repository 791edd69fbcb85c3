/**
 * graphql-http's conformance audit (the GraphQL over HTTP spec) against the
 * process users run: `strata serve` through bin/strata.js, which sets
 * NODE_ENV=production (Jest's NODE_ENV=test hid that introspection was off there).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { auditServer } from 'graphql-http';
import { startServerProcess, gqlHttp, type ServerProcess } from '../helpers/serverProcess';

describe('strata serve (production mode)', () => {
  let dir: string;
  let server: ServerProcess;
  let off: ServerProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'strata-audit-'));
    server = await startServerProcess(path.join(dir, 'strata.db'), { NODE_ENV: '' });
  });
  afterAll(async () => {
    await server?.stop();
    await off?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('answers introspection by default (codegen, GraphiQL and the audit rely on it)', async () => {
    const r = await gqlHttp(server.url, '{ __schema { queryType { name } } __type(name: "Query") { name } }', undefined, null);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ __schema: { queryType: { name: 'Query' } }, __type: { name: 'Query' } });
  });

  test('passes every MUST of graphql-http\'s audit, with at most 3 SHOULD warnings', async () => {
    const results = await auditServer({ url: server.url });
    const describe = (r: (typeof results)[number]) => `${r.name}${r.status === 'ok' ? '' : `: ${r.reason}`}`;
    const errors = results.filter((r) => r.status === 'error').map(describe);
    const warnings = results.filter((r) => r.status === 'warn').map(describe);
    expect(errors).toEqual([]);
    expect(warnings.length).toBeLessThanOrEqual(3);
    expect(results.filter((r) => r.status === 'ok').length).toBeGreaterThan(20);
  });

  test('STRATA_INTROSPECTION=false turns introspection off', async () => {
    off = await startServerProcess(path.join(dir, 'off.db'), { NODE_ENV: '', STRATA_INTROSPECTION: 'false' });
    const r = await gqlHttp(off.url, '{ __schema { queryType { name } } }', undefined, null);
    expect(r.data).toBeUndefined();
    expect(r.errors?.[0]?.message).toMatch(/introspection/i);
    // Ordinary queries still work.
    expect((await gqlHttp(off.url, '{ head }', undefined, null)).data).toEqual({ head: 0 });
  });
});
