/**
 * Opaque global IDs, as Query.node takes them: base64 of "<Type>:<key>"
 * (Image by image ID, Layer by DiffID, Event by position).
 */
export const encodeGlobalId = (type: string, key: string | number) => Buffer.from(`${type}:${key}`, 'utf8').toString('base64');

/** Inverse of encodeGlobalId; null when the ID is not one of ours. */
export function decodeGlobalId(id: string): { type: string; key: string } | null {
  const text = Buffer.from(id, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0 || encodeGlobalId(text.slice(0, i), text.slice(i + 1)) !== id) return null;
  return { type: text.slice(0, i), key: text.slice(i + 1) };
}
