/**
 * JSON documents of an archive (manifests, indexes, configs): capped at
 * 20 MiB (docs/domain.md §6) and parsed with a one-line error.
 */
import { invalidArchive } from '../domain/errors';
import { oneLine } from '../support/oneLine';
import { MAX_JSON_BYTES } from './limits';

export function parseJsonDoc(raw: Buffer, what: string): unknown {
  if (raw.length > MAX_JSON_BYTES) throw invalidArchive(`${what} is larger than the ${MAX_JSON_BYTES}-byte limit for JSON documents`);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw invalidArchive(oneLine(`${what} is not valid JSON: ${(e as Error).message}`));
  }
}

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function asObject(v: unknown, what: string): JsonObject {
  if (!isObject(v)) throw invalidArchive(`${what} is not a JSON object`);
  return v;
}

export function asArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw invalidArchive(`${what} is not a JSON array`);
  return v;
}

export const optString = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function reqString(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw invalidArchive(`${what} is missing or not a string`);
  return v;
}

/** String-valued annotations (non-strings dropped). */
export function annotationsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}
