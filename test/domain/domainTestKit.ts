/** Test helpers for domain unit tests: real sha256 (tests may use node:crypto; src/domain may not). */
import { createHash } from 'node:crypto';
import type { Sha256Hex } from '../../src/domain/digest';
import { chainIdsOf } from '../../src/domain/digest';

export const sha256Hex: Sha256Hex = (input) => createHash('sha256').update(input).digest('hex');

/** A readable fake DiffID: "sha256:" + sha256(label). */
export const d = (label: string): string => `sha256:${sha256Hex(label)}`;

export const chains = (diffIds: readonly string[]): string[] => chainIdsOf(diffIds, sha256Hex);
