/**
 * src/domain/reference.ts against Docker's reference grammar. The oracle is distribution's
 * `reference` package (its TestValidateReferenceName / TestParseRepositoryInfo tables) and,
 * where the tables are silent, what `docker tag` / `docker image inspect` on dockerd 26
 * answered (noted per case): expectations are Docker's, not read off the code under test.
 */
import { DomainError } from '../../src/domain/errors';
import { familiarRepository, looksLikeImageId, NAME_TOTAL_LENGTH_MAX, normalizeTag, parseReference } from '../../src/domain/reference';

const HEX64 = 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
const DIGEST = `sha256:${HEX64}`;

/** The refusal a call raises: its code and message, or null when it is accepted. */
function refusal(f: () => unknown): { code: string; message: string } | null {
  try {
    f();
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return { code: e.code, message: e.message };
  }
  return null;
}

const refusedBy = (input: string, rule: RegExp) => {
  const r = refusal(() => parseReference(input));
  expect({ input, code: r?.code, rule: rule.test(r?.message ?? '') ? 'matched' : r?.message ?? 'accepted' })
    .toEqual({ input, code: 'BAD_USER_INPUT', rule: 'matched' });
};

describe('parseReference: names distribution accepts (TestValidateReferenceName validRepoNames)', () => {
  test.each([
    ['docker/docker', 'docker.io/docker/docker'],
    ['library/debian', 'docker.io/library/debian'],
    ['debian', 'docker.io/library/debian'],
    ['docker.io/docker/docker', 'docker.io/docker/docker'],
    ['docker.io/library/debian', 'docker.io/library/debian'],
    ['docker.io/debian', 'docker.io/library/debian'],
    ['index.docker.io/docker/docker', 'docker.io/docker/docker'],
    ['index.docker.io/library/debian', 'docker.io/library/debian'],
    ['index.docker.io/debian', 'docker.io/library/debian'],
    ['127.0.0.1:5000/docker/docker', '127.0.0.1:5000/docker/docker'],
    ['127.0.0.1:5000/library/debian', '127.0.0.1:5000/library/debian'],
    // library/ is added only for a docker.io name of one component, never on another registry
    ['127.0.0.1:5000/debian', '127.0.0.1:5000/debian'],
    ['thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', 'docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev'],
  ])('%s is %s', (input, repository) => {
    expect(parseReference(input)).toEqual({ repository, tag: null, digest: null });
  });

  test.each([
    // TestParseRepositoryInfo: a first component is a domain only with ".", ":" or "localhost"
    ['fooo/bar', 'docker.io/fooo/bar'],
    ['nonlibrary/ubuntu', 'docker.io/nonlibrary/ubuntu'],
    ['localhost/ubuntu', 'localhost/ubuntu'],
    ['localhost:5000/ubuntu', 'localhost:5000/ubuntu'],
    ['example.com/ubuntu', 'example.com/ubuntu'],
    ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase'],
    ['docker.io/library/foo/bar', 'docker.io/library/foo/bar'],
    ['index.docker.io/foo/bar', 'docker.io/foo/bar'],
  ])('%s is %s (normalize_test.go)', (input, repository) => {
    expect(parseReference(input).repository).toBe(repository);
  });

  test('component separators: ".", "_", "__" and any run of "-" (reference.go separator)', () => {
    for (const name of ['a.b', 'a_b', 'a__b', 'a-b', 'a--b', 'a-----b', 'a0.b1_c2__d3-e4']) {
      expect(parseReference(name).repository).toBe(`docker.io/library/${name}`);
    }
  });

  test('surrounding blanks are ignored (the CLI passes what the user typed)', () => {
    expect(parseReference('  nginx:1  ')).toEqual({ repository: 'docker.io/library/nginx', tag: '1', digest: null });
  });
});

describe('parseReference: names distribution refuses (invalidRepoNames), with the rule that refused', () => {
  test.each([
    ['https://github.com/docker/docker', /bad path component ""/],
    ['docker/Docker', /must be lowercase/],
    ['docker.io/docker/Docker', /must be lowercase/],
    ['-docker', /bad path component "-docker"/],
    ['-docker/docker', /bad path component "-docker"/],
    ['docker-', /bad path component "docker-"/],
    ['docker///docker', /bad path component ""/],
    ['docker.io/docker///docker', /bad path component ""/],
    ['a___b', /bad path component "a___b"/],
    ['a._b', /bad path component "a._b"/],
    ['foo..bar', /bad path component "foo..bar"/],
    ['a+b', /bad path component "a\+b"/],
  ])('%s', (input, rule) => refusedBy(input, rule));

  test('uppercase anywhere in the repository is refused: docker tag says "repository name (library/Nginx) must be lowercase"', () => {
    refusedBy('Nginx', /repository names must be lowercase/);
    refusedBy('Nginx:1', /repository names must be lowercase/);
  });

  test('64 hexadecimal digits are an image ID, never a name (anchoredIdentifierRegexp); 63 or 65 are names', () => {
    refusedBy(HEX64, /is an image ID/);
    refusedBy(`  ${HEX64}  `, /is an image ID/);
    expect(parseReference(HEX64.slice(1)).repository).toBe(`docker.io/library/${HEX64.slice(1)}`);
    expect(parseReference(`${HEX64}a`).repository).toBe(`docker.io/library/${HEX64}a`);
    expect(parseReference(`x${HEX64}`).repository).toBe(`docker.io/library/x${HEX64}`);
  });

  test('an empty or blank reference, or one with no name before the tag', () => {
    refusedBy('', /must not be empty/);
    refusedBy('   ', /must not be empty/);
    refusedBy(':1', /has no repository name/);
    refusedBy(`@${DIGEST}`, /has no repository name/);
  });

  test(`the normalized name is at most ${NAME_TOTAL_LENGTH_MAX} characters, docker.io/library/ counted, the tag not`, () => {
    const longest = 'a'.repeat(NAME_TOTAL_LENGTH_MAX - 'docker.io/library/'.length);
    expect(parseReference(`${longest}:${'t'.repeat(128)}`).repository).toHaveLength(NAME_TOTAL_LENGTH_MAX);
    refusedBy(`${longest}a`, /must not be longer than 255 characters \(256 as docker\.io\/…\)/);
    expect(parseReference(`example.com/${'a'.repeat(NAME_TOTAL_LENGTH_MAX - 'example.com/'.length)}`).repository).toHaveLength(NAME_TOTAL_LENGTH_MAX);
  });
});

describe('parseReference: tags ([\\w][\\w.-]{0,127}, reference.go tag)', () => {
  test.each(['1', 'latest', '_ok', 'A.b-C', '1.25.3-alpine', 'a'.repeat(128)])('"%s" is a tag (docker tag accepts it)', (tag) => {
    expect(parseReference(`nginx:${tag}`)).toEqual({ repository: 'docker.io/library/nginx', tag, digest: null });
  });

  test.each(['-bad', '.bad', 'a+b', 'a'.repeat(129), 'ok!'])('"%s" is refused as a tag', (tag) => {
    refusedBy(`nginx:${tag}`, /has an invalid tag/);
  });

  test('a colon before the last slash is a port, not a tag', () => {
    expect(parseReference('localhost:5000/app')).toEqual({ repository: 'localhost:5000/app', tag: null, digest: null });
    expect(parseReference('localhost:5000/app:2')).toEqual({ repository: 'localhost:5000/app', tag: '2', digest: null });
  });

  test('"localhost:5000" alone is the official image localhost tagged 5000 (no slash: no domain)', () => {
    expect(parseReference('localhost:5000')).toEqual({ repository: 'docker.io/library/localhost', tag: '5000', digest: null });
  });
});

describe('parseReference: digest references (name[:tag]@sha256:<64 hex>)', () => {
  test('name@digest and name:tag@digest', () => {
    expect(parseReference(`nginx@${DIGEST}`)).toEqual({ repository: 'docker.io/library/nginx', tag: null, digest: DIGEST });
    expect(parseReference(`ghcr.io/acme/app:1.2@${DIGEST}`)).toEqual({ repository: 'ghcr.io/acme/app', tag: '1.2', digest: DIGEST });
  });

  test.each([
    ['sha256:abc', 'short'],
    [`sha256:${HEX64.slice(1)}`, '63 digits'],
    [`sha256:${HEX64}0`, '65 digits'],
    [`xsha256:${HEX64}`, 'another algorithm name'],
    [`sha512:${HEX64}`, 'another algorithm'],
    [`sha256:${HEX64.slice(1)}g`, 'not hexadecimal'],
    [HEX64, 'no algorithm'],
  ])('@%s is refused (%s)', (digest) => {
    refusedBy(`nginx@${digest}`, /has an invalid digest \(expected sha256:<64 hex>\)/);
  });
});

describe('familiarRepository (distribution FamiliarName)', () => {
  test.each([
    ['docker.io/library/nginx', 'nginx'],
    ['docker.io/acme/app', 'acme/app'],
    // library/ is dropped only when one component remains (familiarizeName)
    ['docker.io/library/foo/bar', 'library/foo/bar'],
    ['example.com/library/nginx', 'example.com/library/nginx'],
    ['localhost:5000/library/nginx', 'localhost:5000/library/nginx'],
    ['library/nginx', 'library/nginx'],
    ['ghcr.io/acme/app', 'ghcr.io/acme/app'],
  ])('%s is shown as %s', (repository, familiar) => {
    expect(familiarRepository(repository)).toBe(familiar);
  });
});

describe('normalizeTag: the short name:tag form', () => {
  test.each([
    ['nginx', 'nginx:latest'],
    ['nginx:1', 'nginx:1'],
    ['library/nginx:1', 'nginx:1'],
    ['docker.io/library/nginx:1', 'nginx:1'],
    ['index.docker.io/nginx', 'nginx:latest'],
    ['docker.io/acme/app:2', 'acme/app:2'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
  ])('%s is %s', (input, tag) => {
    expect(normalizeTag(input)).toBe(tag);
  });

  test('a digest reference is not a tag (docker tag: "refusing to create a tag with a digest reference")', () => {
    expect(refusal(() => normalizeTag(`nginx:1@${DIGEST}`))?.message).toMatch(/is a digest reference, not a tag/);
    expect(refusal(() => normalizeTag(`nginx@${DIGEST}`))?.code).toBe('BAD_USER_INPUT');
  });

  test('"sha256" as a name is ambiguous (dockerd: "refusing to create an ambiguous tag using digest algorithm as name")', () => {
    expect(refusal(() => normalizeTag('sha256:abc'))).toEqual({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/is ambiguous/) });
    expect(normalizeTag('acme/sha256:abc')).toBe('acme/sha256:abc');
  });

  test('the parse rules hold through normalizeTag', () => {
    expect(refusal(() => normalizeTag('Nginx'))?.message).toMatch(/must be lowercase/);
  });
});

describe('looksLikeImageId: a bare image ID rather than a tag', () => {
  test.each([HEX64, DIGEST, DIGEST.toUpperCase().replace('SHA256', 'sha256'), `  ${DIGEST}  `, HEX64.toUpperCase()])('%s is an image ID', (s) => {
    expect(looksLikeImageId(s)).toBe(true);
  });
  test.each([HEX64.slice(1), `${HEX64}0`, `sha256:${HEX64.slice(1)}`, `xsha256:${HEX64}`, `sha512:${HEX64}`, `${HEX64.slice(1)}g`, 'nginx:latest', 'sha256:', ''])('%s is not', (s) => {
    expect(looksLikeImageId(s)).toBe(false);
  });
});
