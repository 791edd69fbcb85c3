/** node:crypto sha256 in the shapes the domain asks for (domain/digest.ts injects it). */
import { createHash } from 'node:crypto';
import type { Sha256Hex } from '../domain/digest';

export const sha256Hex: Sha256Hex = (input) => createHash('sha256').update(input).digest('hex');
export const sha256Digest = (input: string | Uint8Array): string => `sha256:${sha256Hex(input)}`;
