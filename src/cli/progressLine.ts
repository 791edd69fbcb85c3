/**
 * The import progress bar's line: one unit (MiB) on both sides of the slash
 * and the whole phase name. cli-progress reserves {total} and {value} for the
 * bar's own byte counts, so the MiB figures use tokens of their own.
 */
import type { ImportProgress } from '../importers';

export const PROGRESS_FORMAT = ' {phase} [{bar}] {percentage}% | {doneMiB}/{totalMiB} MiB';

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

export function progressPayload(p: ImportProgress): { phase: string; doneMiB: string; totalMiB: string } {
  return { phase: p.phase, doneMiB: mib(p.bytesDone), totalMiB: p.bytesTotal ? mib(p.bytesTotal) : '?' };
}
