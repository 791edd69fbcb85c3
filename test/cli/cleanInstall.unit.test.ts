/**
 * `npm install` on the Node the project supports prints no warning: every
 * locked package accepts the lowest Node of package.json's engines (no
 * EBADENGINE), and every install script is decided in allowScripts (npm 11
 * warns about the others).
 */
import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));

test('every locked package supports the lowest Node we support', () => {
  const lowest = semver.minVersion(pkg.engines.node)!.version;
  const refusing = Object.entries(lock.packages as Record<string, { engines?: { node?: string } | string[] }>)
    .filter(([name, p]) => name && p.engines && !Array.isArray(p.engines) && p.engines.node)
    .filter(([, p]) => !semver.satisfies(lowest, (p.engines as { node: string }).node))
    .map(([name, p]) => `${name} needs node ${(p.engines as { node: string }).node}`);
  expect(refusing).toEqual([]);
});

test('every package with an install script is allowed or refused in allowScripts', () => {
  const decided = pkg.allowScripts as Record<string, boolean>;
  const undecided = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean; version?: string }>)
    .filter(([, p]) => p.hasInstallScript)
    .map(([key]) => key.replace(/^.*node_modules\//, ''))
    .filter((name) => !(name in decided));
  expect(undecided).toEqual([]);
});
