import { GraphQLError } from 'graphql';
import { DomainError } from '../../src/domain/errors';
import { classifyError, formatError } from '../../src/graphql/errors';

/** A resolver error as graphql-js hands it on: located, with the thrown error inside. */
const fromResolver = (e: Error) => new GraphQLError(e.message, { path: ['image'], originalError: e });

test.each([
  ['BAD_USER_INPUT', 'BAD_USER_INPUT', true],
  ['NOT_FOUND', 'NOT_FOUND', true],
  ['CONFLICT', 'CONFLICT', true],
  ['UNAUTHENTICATED', 'UNAUTHENTICATED', true],
  ['FORBIDDEN', 'FORBIDDEN', true],
  ['QUERY_TOO_COMPLEX', 'QUERY_TOO_COMPLEX', true],
  ['INVALID_ARCHIVE', 'BAD_USER_INPUT', true],
  ['TAMPERED', 'INTERNAL_SERVER_ERROR', false],
  ['INTERNAL_SERVER_ERROR', 'INTERNAL_SERVER_ERROR', false],
] as const)('DomainError %s → %s', (domain, code, exposed) => {
  const c = classifyError(fromResolver(new DomainError(domain, 'detail at /srv/db')));
  expect(c.code).toBe(code);
  expect(c.exposed).toBe(exposed);
  if (!exposed) expect(c.message).not.toContain('/srv/db');
});

test('plain errors are masked; GraphQLErrors with a public code pass', () => {
  expect(classifyError(fromResolver(new TypeError("Cannot read properties of undefined (reading 'x')")))).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', exposed: false, message: 'Internal server error' });
  expect(classifyError(fromResolver(new GraphQLError('bad', { extensions: { code: 'CONFLICT' } })))).toMatchObject({ code: 'CONFLICT', exposed: true });
  expect(classifyError(fromResolver(new GraphQLError('weird', { extensions: { code: 'SOMETHING_ELSE' } })))).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', exposed: false });
  // A pathless error wrapping a thrown Error (a failing subscription stream) is internal.
  expect(classifyError(new GraphQLError('ECONNRESET', { originalError: new Error('ECONNRESET') }))).toMatchObject({ exposed: false });
  // A pathless, codeless GraphQLError is a request error from graphql-js.
  expect(classifyError(new GraphQLError('Variable "$n" of required type "Int!" was not provided.'))).toMatchObject({ code: 'BAD_USER_INPUT', exposed: true });
});

test('formatError keeps only message, locations, path and our extensions', () => {
  const e = fromResolver(new DomainError('CONFLICT', 'stale', { expected: 2, actual: 3 }));
  const out = formatError({ message: 'stale', path: ['image'], extensions: { code: 'X', stacktrace: ['at x'] } }, e);
  expect(out).toEqual({ message: 'stale', path: ['image'], extensions: { code: 'CONFLICT', details: { expected: 2, actual: 3 } } });
});
