import { authenticate, authorizeOperation, bearerToken, tokenActor, tokensEqual } from '../../src/graphql/auth';

const cfg = { writeToken: 'w-secret', readToken: 'r-secret' };
const code = (e: ReturnType<typeof authorizeOperation>) => e?.extensions.code ?? null;

test.each([
  // [config, authorization, operation, expected code]
  [{ writeToken: 'w-secret' }, undefined, 'query', null],
  [{ writeToken: 'w-secret' }, undefined, 'mutation', 'UNAUTHENTICATED'],
  [{ writeToken: 'w-secret' }, 'Bearer nope', 'query', 'UNAUTHENTICATED'],
  [{ writeToken: 'w-secret' }, 'Bearer w-secret', 'mutation', null],
  [{ writeToken: 'w-secret' }, 'Basic w-secret', 'mutation', 'UNAUTHENTICATED'],
  [cfg, undefined, 'query', 'UNAUTHENTICATED'],
  [cfg, undefined, 'subscription', 'UNAUTHENTICATED'],
  [cfg, 'Bearer r-secret', 'query', null],
  [cfg, 'Bearer r-secret', 'subscription', null],
  [cfg, 'Bearer r-secret', 'mutation', 'FORBIDDEN'],
  [cfg, 'Bearer w-secret', 'query', null],
  [cfg, 'bearer w-secret', 'mutation', null],
  [{}, 'Bearer anything', 'mutation', 'UNAUTHENTICATED'],
  [{}, undefined, 'mutation', 'UNAUTHENTICATED'],
] as const)('%j %s %s → %s', (config, authorization, op, expected) => {
  expect(code(authorizeOperation(authenticate(config, authorization), op))).toBe(expected);
});

test('actor: the token fingerprint, or a clean X-Strata-Actor claim when authenticated', () => {
  expect(authenticate(cfg, 'Bearer w-secret').actor).toBe(tokenActor('w-secret'));
  expect(tokenActor('w-secret')).toMatch(/^token:[0-9a-f]{8}$/);
  expect(authenticate(cfg, 'Bearer r-secret', 'alice').actor).toBe('alice');
  expect(authenticate(cfg, 'Bearer w-secret', 'bad\nname').actor).toBe(tokenActor('w-secret'));
  expect(authenticate(cfg, 'Bearer w-secret', 'x'.repeat(200)).actor).toBe(tokenActor('w-secret'));
  expect(authenticate(cfg, undefined, 'alice').actor).toBeNull();
  expect(authenticate(cfg, 'Bearer wrong', 'alice').actor).toBeNull();
});

test('helpers', () => {
  expect(bearerToken('Bearer abc')).toBe('abc');
  expect(bearerToken('Bearer a b')).toBeUndefined();
  expect(tokensEqual('a', 'a')).toBe(true);
  expect(tokensEqual('a', 'ab')).toBe(false);
});
