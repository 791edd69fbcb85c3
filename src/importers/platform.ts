/**
 * Platform selection in image indexes (image-spec image-index.md "platform";
 * docs/domain.md §6: linux/amd64 unless told otherwise).
 */
import { badInput } from '../domain/errors';
import { isObject } from './json';

export interface Platform { os: string; architecture: string; variant: string | null }

export const DEFAULT_PLATFORM = 'linux/amd64';

export function parsePlatform(s: string): Platform {
  const parts = s.trim().toLowerCase().split('/');
  const [os, architecture, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !architecture || variant === '') {
    throw badInput(`platform "${s}" is not of the form os/arch[/variant]`);
  }
  return { os, architecture, variant: variant ?? null };
}

/** A descriptor's `platform`, or null when it has none. */
export function platformOf(v: unknown): Platform | null {
  if (!isObject(v) || typeof v['os'] !== 'string' || typeof v['architecture'] !== 'string') return null;
  return { os: v['os'], architecture: v['architecture'], variant: typeof v['variant'] === 'string' ? v['variant'] : null };
}

/** os and architecture must be equal; the variant only when the wanted platform names one. */
export const platformMatches = (have: Platform, want: Platform): boolean =>
  have.os === want.os && have.architecture === want.architecture && (want.variant === null || have.variant === want.variant);

export const formatPlatform = (p: Platform): string => [p.os, p.architecture, p.variant].filter(Boolean).join('/');
