/** dive's fixture archives, read in place from ../shared (never copied into the project). */
import fs from 'node:fs';
import path from 'node:path';

export const DIVE_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'dive');
export const haveDiveFixtures = fs.existsSync(path.join(DIVE_DIR, 'test-docker-image.tar'));
export const dive = (name: string) => path.join(DIVE_DIR, name);

/** describe, or a loudly skipped describe when the fixtures folder is absent (a user's fresh clone; CI always has it). */
export const describeWithDive: jest.Describe = haveDiveFixtures
  ? describe
  : (((name: string, fn: () => void) => {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED "${name}": dive fixtures not found at ${DIVE_DIR}`);
    describe.skip(name, fn);
  }) as unknown as jest.Describe);
