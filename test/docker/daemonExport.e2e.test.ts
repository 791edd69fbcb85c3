/**
 * `strata export REF docker-daemon:NAME:TAG` loads an image from the ledger's
 * blob store into a real Docker Engine: after the Engine forgot the image, the
 * export brings back the same image ID, it runs, and its figures are the
 * Engine's again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeWithPeers } from '../helpers/peers';
import { tempDir } from '../helpers/backends';
import { BASE_DOCKERFILE, build, childDockerfile, cleanup, docker, engineGet, strata, unique } from '../helpers/dockerEngine';

describeWithPeers(['docker'])('strata export … docker-daemon:NAME:TAG', () => {
  jest.setTimeout(300000); // a shared, loaded machine: builds and the Engine take their time
  const base = `${unique('xbase')}:1`;
  const child = `${unique('xchild')}:1`;
  const loaded = `${unique('xloaded')}:7`;
  let dir: string;
  let db: string;
  let childId: string;

  beforeAll(() => {
    dir = tempDir();
    db = path.join(dir, 'strata.db');
    build(base, BASE_DOCKERFILE);
    childId = build(child, childDockerfile(base, child));
    expect(strata(['import', `docker-daemon:${child}`, '--db', db]).status).toBe(0);
    docker(['rmi', child]); // the Engine forgets it (its layers above the base were this suite's own)
  }, 180000);

  afterAll(() => {
    cleanup({ images: [loaded, child, base] });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the Engine gets the same image back under the new tag, and it runs', async () => {
    const r = strata(['export', childId, `docker-daemon:${loaded}`, '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const inspect = await engineGet(`/images/${encodeURIComponent(loaded)}/json`);
    expect(inspect.Id).toBe(childId);
    expect(inspect.RepoTags).toEqual([loaded]);
    const size = JSON.parse(strata(['query', `{ image(ref: "${childId}") { size(accounting: DOCKER) } }`, '--db', db]).stdout).data.image.size;
    expect(size).toBe(inspect.Size);
    const out = docker(['run', '--rm', '--network', 'none', loaded, 'sh', '-c', 'cat /data/h1 /data/ünï/cödé; readlink /data/ünïcödé']);
    expect(out).toBe('hard linked content here\nü../ünï/cödé\n');
  });

  test('a bad destination or an absent Engine is one line', () => {
    const bad = strata(['export', childId, 'docker-daemon:Not A Tag', '--db', db]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^strata: bad user input: destination "docker-daemon:Not A Tag"[^\n]*\n$/);
    const sock = path.join(dir, 'none.sock');
    const gone = strata(['export', childId, `docker-daemon:${loaded}`, '--db', db], { DOCKER_HOST: `unix://${sock}` });
    expect(gone.status).toBe(1);
    expect(gone.stderr).toBe(`strata: cannot reach a Docker Engine at unix://${sock} (ENOENT): is dockerd running? (set DOCKER_HOST to use another)\n`);
  });
});
