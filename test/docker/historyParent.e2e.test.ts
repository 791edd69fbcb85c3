/**
 * `strata history` IMAGE IDs against `docker history`: the Engine labels the
 * rows along the image's Parent link (docker commit sets it, docker load does
 * not). A base loaded from `docker save` (no Parent), committed from a
 * container twice in a row, in the Engine and in Strata (the same base
 * imported from the same archive): own ID on top, each commit ancestor's ID on
 * its top step, `<missing>` below the base's top step (its COPY and RUN; its
 * top step is a label unique to the run).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeWithPeers } from '../helpers/peers';
import { tempDir } from '../helpers/backends';
import { BASE_DOCKERFILE, build, cleanup, docker, strata, strataJson, unique } from '../helpers/dockerEngine';

describeWithPeers(['docker'])('strata history IMAGE IDs against docker history', () => {
  jest.setTimeout(300000); // a shared, loaded machine: builds and the Engine take their time
  const base = `${unique('hbase')}:1`;
  const [c1, c2] = [unique('hrun1'), unique('hrun2')];
  const [commit1, commit2] = [`${unique('hcommit1')}:1`, `${unique('hcommit2')}:1`];
  let dir: string;
  let db: string;
  let baseId: string;

  beforeAll(() => {
    dir = tempDir();
    db = path.join(dir, 'strata.db');
    // A label only this run has: other suites build BASE_DOCKERFILE too, and an image ID they share would keep its
    // Parent through the rmi below (rmi only untags an image something else still names).
    baseId = build(base, `${BASE_DOCKERFILE}LABEL org.strata.test.run="${unique('hbase')}"\n`);
    const tar = path.join(dir, 'base.tar');
    docker(['save', '-o', tar, base]);
    // The classic builder links the base to its intermediate images; a save/load round trip drops that link, as an import has none.
    docker(['rmi', base]);
    docker(['load', '-i', tar]);
    expect(docker(['image', 'inspect', '--format', '{{.Id}}|{{.Parent}}', base]).trim()).toBe(`${baseId}|`);
    const r = strata(['import', tar, '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 180000);

  afterAll(() => {
    cleanup({ containers: [c1, c2], images: [commit2, commit1, base] });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const q = (doc: string, variables: Record<string, unknown>) =>
    strataJson(['query', doc, '--db', db, '--variables', JSON.stringify(variables)]).data;

  /** Writes one file in a new container of `image` and commits it, in Strata; the new image ID. */
  function strataCommit(image: string, file: string): string {
    const c = q('mutation($i: String!) { createContainer(image: $i) { id } }', { i: image }).createContainer;
    q('mutation($c: String!, $ch: [FileChange!]!) { changeFiles(container: $c, changes: $ch) { id } }',
      { c: c.id, ch: [{ change: 'ADDED', path: file, kind: 'FILE', size: 2 }] });
    return q('mutation($c: String!) { commitContainer(container: $c) { image { imageId } } }', { c: c.id }).commitContainer.image.imageId;
  }

  test('base, commit of a container of it, commit of a container of that: the same IDs on the same rows', () => {
    docker(['run', '--network', 'none', '--name', c1, base, 'sh', '-c', 'echo a > /one']);
    docker(['commit', c1, commit1]);
    docker(['run', '--network', 'none', '--name', c2, commit1, 'sh', '-c', 'echo b > /two']);
    docker(['commit', c2, commit2]);
    const dockerIds = docker(['history', '--format', '{{.ID}}', '--no-trunc', commit2]).trim().split('\n');
    const engineOwn = [commit2, commit1].map((r) => docker(['image', 'inspect', '--format', '{{.Id}}', r]).trim());
    expect(dockerIds).toEqual([...engineOwn, baseId, '<missing>', '<missing>']); // the oracle behaves as this test assumes

    const s1 = strataCommit(base, '/one');
    const s2 = strataCommit(s1, '/two');
    const json = strataJson(['history', s2, '--format', 'json', '--db', db]);
    const role = (ids: string[], own: readonly string[]) => ids.map((id) => (own.includes(id) ? `own${own.indexOf(id)}` : id));
    expect(role(json.map((h: any) => h.Id), [s2, s1])).toEqual(role(dockerIds, engineOwn));
    expect(json.map((h: any) => h.Id)).toEqual([s2, s1, baseId, '<missing>', '<missing>']);
    expect(json[2].Tags).toEqual([base]);

    const table = strata(['history', s2, '--no-trunc', '--db', db]);
    expect(table.status).toBe(0);
    expect(table.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0])).toEqual([s2, s1, baseId, '<missing>', '<missing>']);
    const short = strata(['history', s2, '--db', db]).stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    const dockerShort = docker(['history', '--format', '{{.ID}}', commit2]).trim().split('\n');
    expect(short[2]).toBe(dockerShort[2]); // the base's short ID as the Engine prints it
    expect(short[3]).toBe('<missing>');
  });

  test('an imported image has no commit parent: only its own row has an ID', () => {
    const json = strataJson(['history', base, '--format', 'json', '--db', db]);
    expect(json.map((h: any) => h.Id)).toEqual([baseId, '<missing>', '<missing>']);
    expect(docker(['history', '--format', '{{.ID}}', '--no-trunc', base]).trim().split('\n')).toEqual([baseId, '<missing>', '<missing>']);
  });
});
