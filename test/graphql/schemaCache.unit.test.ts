/**
 * The build-time parsed schema (src/graphql/schemaLoader.ts, dist/schema.ast.json):
 * used only while it holds the SDL as it is now; an edited SDL is parsed and
 * validated again; an invalid SDL leaves no cache and still fails at start;
 * the cached document builds the same schema as the SDL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildASTSchema, buildSchema, printSchema } from 'graphql';
import { loadSchemaDocument, loadSchemaSDL, SCHEMA_DIR, writeSchemaCache } from '../../src/graphql/schemaLoader';
import { tempDir } from '../helpers/backends';

const write = (file: string, data: string) => fs.writeFileSync(file, data);
let dir: string;
let schemaDir: string;
let cache: string;
beforeEach(() => {
  dir = tempDir('strata-schema-');
  schemaDir = path.join(dir, 'schema');
  fs.cpSync(SCHEMA_DIR, schemaDir, { recursive: true });
  cache = path.join(dir, 'schema.ast.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('no cache: the SDL is parsed, not taken as validated', () => {
  const { document, validated } = loadSchemaDocument(schemaDir, cache);
  expect(validated).toBe(false);
  expect(printSchema(buildASTSchema(document))).toBe(printSchema(buildSchema(loadSchemaSDL(schemaDir))));
});

test('a cache of the current SDL is used and builds the same schema', () => {
  expect(writeSchemaCache(write, schemaDir, cache)).toBe(true);
  expect(writeSchemaCache(write, schemaDir, cache)).toBe(false); // up to date: not rewritten
  const { document, validated } = loadSchemaDocument(schemaDir, cache);
  expect(validated).toBe(true);
  expect(printSchema(buildASTSchema(document, { assumeValidSDL: true }))).toBe(printSchema(buildSchema(loadSchemaSDL(schemaDir))));
});

test('an edited SDL is never answered from the cache, and the next build rewrites it', () => {
  writeSchemaCache(write, schemaDir, cache);
  const file = path.join(schemaDir, 'common.graphql');
  fs.appendFileSync(file, '\n"""Added after the build."""\ntype AddedLater { x: Int }\n');
  const stale = loadSchemaDocument(schemaDir, cache);
  expect(stale.validated).toBe(false);
  expect(buildASTSchema(stale.document).getType('AddedLater')).toBeDefined();
  expect(writeSchemaCache(write, schemaDir, cache)).toBe(true);
  const fresh = loadSchemaDocument(schemaDir, cache);
  expect(fresh.validated).toBe(true);
  expect(buildASTSchema(fresh.document).getType('AddedLater')).toBeDefined();
});

test('an invalid SDL leaves no usable cache: building the schema still reports the error', () => {
  writeSchemaCache(write, schemaDir, cache);
  fs.appendFileSync(path.join(schemaDir, 'common.graphql'), '\ntype Broken { x: NoSuchType }\n');
  expect(writeSchemaCache(write, schemaDir, cache)).toBe(false);
  const { document, validated } = loadSchemaDocument(schemaDir, cache);
  expect(validated).toBe(false);
  expect(() => buildASTSchema(document)).toThrow(/Unknown type "NoSuchType"/);
});

test('a corrupt cache file is ignored', () => {
  fs.writeFileSync(cache, '{"sdl": 1');
  expect(loadSchemaDocument(schemaDir, cache).validated).toBe(false);
});
