/**
 * A full garbage collection of V8's heap now (not the blob store's, src/application/blobs/gc.ts).
 * For one place: the end of a process's first catch-up (src/projections/readModelSource.ts) after a read-model snapshot was
 * decoded or a long log folded, when its body, string table and object index,
 * or the event rows and their parsed JSON — hundreds of MB at 100,000 images —
 * have just become garbage. Left to itself V8 collects them only when the heap
 * next grows by its limit factor, and until then the process holds them as RSS
 * (measured at 100,000 images: 1,158–1,175 MB served from a snapshot, 840–857 MB
 * with this; bench/RESULTS.md "Fleet memory, second pass"). One pause at
 * start-up, before the first answer, instead.
 *
 * V8's `gc` function exists only under --expose-gc; the flag can be turned on
 * at run time, and a new context then has `gc` as a global.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null = null;

export function collectHeapNow(): void {
  if (!gc) {
    const own = (globalThis as { gc?: () => void }).gc;
    if (own) gc = own;
    else {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
}
