import { Writable } from 'node:stream';
import pino from 'pino';
import { QueryFailedError } from 'typeorm';
import { errWithoutValues } from '../../src/graphql/logger';
import { storageFault } from '../../src/eventStore/faults';
import { classifyError, clipMessage, formatError } from '../../src/graphql/errors';
import { GraphQLError } from 'graphql';

test('a logged database error keeps its message and SQL but not the values bound to it', () => {
  const driver = Object.assign(new Error('UNIQUE constraint failed: idempotency_keys.key'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
  const err = new QueryFailedError('INSERT INTO idempotency_keys (key, first_position) VALUES (?, ?)', ['secret-key-4711', 12], driver);
  let out = '';
  const sink = new Writable({ write(chunk, _enc, cb) { out += chunk; cb(); } });
  pino({ serializers: { err: errWithoutValues } }, sink).error({ err }, 'masked internal error');
  expect(out).toContain('UNIQUE constraint failed');
  expect(out).toContain('INSERT INTO idempotency_keys');
  expect(out).not.toContain('secret-key-4711');
});

test.each([
  [{ code: 'SQLITE_FULL' }, 'the disk is full'],
  [{ code: 'SQLITE_READONLY_DBMOVED' }, 'the database is read-only'],
  [{ code: '25006' }, 'the database is read-only'],
  [{ code: '57P01' }, 'the database is shutting down or starting'],
  [{ code: 'ECONNREFUSED' }, 'the database connection failed'],
  [new QueryFailedError('SELECT 1', [], Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' })), 'the database file cannot be read or written'],
  [new Error('Connection terminated unexpectedly'), 'the database connection failed'],
  [{ code: 'SQLITE_CONSTRAINT' }, null],
  [new Error('boom'), null],
])('storage fault of %p is %p', (error, reason) => {
  expect(storageFault(error)).toBe(reason);
});

test('a storage fault is UNAVAILABLE, never INTERNAL_SERVER_ERROR', () => {
  const c = classifyError(new GraphQLError('x', { originalError: Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), path: ['tagImage'] }));
  expect(c.code).toBe('UNAVAILABLE');
  expect(c.message).toMatch(/disk is full.*retry later/);
});

test('messages and details are clipped, keeping both ends', () => {
  const long = `no image "${'x'.repeat(100_000)}"`;
  const clipped = clipMessage(long);
  expect(clipped.length).toBeLessThanOrEqual(1000);
  expect(clipped.startsWith('no image "xxx')).toBe(true);
  expect(clipped.endsWith('xxx"')).toBe(true);
  const f = formatError({ message: long }, new GraphQLError(long, { extensions: { code: 'BAD_USER_INPUT' } }));
  expect(JSON.stringify(f).length).toBeLessThan(1200);
});
