/**
 * Mutation's resolvers load at the first mutation (src/graphql/buildSchema.ts,
 * issue 19 item 1): every Mutation field of the SDL has a resolver and every
 * resolver a field; a read-only `strata query` does not load them; a mutation
 * through `strata query` still runs (and is still guarded).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { mutationResolverMap } from '../../src/graphql/resolvers';
import { loadSchemaSDL } from '../../src/graphql/schemaLoader';
import { openEventStore } from '../../src/eventStore';
import { tempDir } from '../helpers/backends';
import { BIN } from '../helpers/serverProcess';

test('every Mutation field has a resolver and every resolver a field', () => {
  const fields = Object.keys(buildSchema(loadSchemaSDL()).getMutationType()!.getFields()).sort();
  expect(Object.keys(mutationResolverMap()).sort()).toEqual(fields);
});

test('strata query loads the mutation resolvers only for a mutation', async () => {
  const dir = tempDir('strata-lazy-');
  try {
    const db = path.join(dir, 'strata.db');
    await (await openEventStore(db)).close();
    const probe = path.join(dir, 'probe.js');
    fs.writeFileSync(probe, `process.on('exit', () => process.stderr.write('mutations:' + Object.keys(require.cache).some((k) => /[\\\\/]graphql[\\\\/]resolvers[\\\\/]mutations\\.[jt]s$/.test(k)) + '\\n'));`);
    const run = (doc: string) => spawnSync(process.execPath, ['-r', probe, BIN, 'query', doc, '--db', db, '--blobs', path.join(dir, 'blobs')],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_ENV: '' } });
    const read = run('{ head }');
    expect(read.status).toBe(0);
    expect(read.stderr).toContain('mutations:false');
    const bad = run('mutation { tagImage(image: "nul\\u0000", tag: "x:y") { __typename } }');
    expect(bad.stderr).toContain('mutations:true');
    expect(JSON.parse(bad.stdout).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
