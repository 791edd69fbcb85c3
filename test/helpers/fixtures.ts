/**
 * dive's fixture archives, read in place from ../shared (never copied into the
 * project). Only suites asserting dive's published figures use them; a suite
 * that just needs an image builds one (sampleImages.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { skippingDescribe, skippingTest } from './skip';

export const DIVE_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'dive');
export const haveDiveFixtures = fs.existsSync(path.join(DIVE_DIR, 'test-docker-image.tar'));
export const dive = (name: string) => path.join(DIVE_DIR, name);

const WHY = `dive's fixtures are not at ${DIVE_DIR} (a clone without ../shared; CI has them)`;

/** describe, or a skipped describe with a one-line banner when the fixtures are absent. */
export const describeWithDive: jest.Describe = haveDiveFixtures ? describe : skippingDescribe(WHY);
/** test, or a skipped test with a one-line banner when the fixtures are absent. */
export const testWithDive: jest.It = haveDiveFixtures ? test : skippingTest(WHY);
