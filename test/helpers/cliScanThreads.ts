/**
 * Registers, in the calling describe block, the scan arrangement `strata import`
 * uses (src/cli/import.ts): two scan threads, one range scan on this thread and
 * the rest in a worker; restored, and the idle workers ended, afterwards.
 */
import { endIdleScanThreads, scanRangesInThisThread } from '../../src/importers/scanPool';

export function useCliScanThreads(): void {
  const threads = process.env['STRATA_SCAN_THREADS'];
  beforeAll(() => {
    process.env['STRATA_SCAN_THREADS'] = '2';
    scanRangesInThisThread(1);
  });
  afterAll(async () => {
    scanRangesInThisThread(0);
    if (threads === undefined) delete process.env['STRATA_SCAN_THREADS'];
    else process.env['STRATA_SCAN_THREADS'] = threads;
    await endIdleScanThreads();
  });
}
