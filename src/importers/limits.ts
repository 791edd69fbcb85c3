/**
 * Resource caps of one import (docs/domain.md §6, Caps: JSON documents
 * 20 MiB, PAX/long-name headers 1 MiB, total uncompressed bytes and entry counts).
 */
import { invalidArchive } from '../domain/errors';

export const MAX_JSON_BYTES = 20 * 1024 * 1024;
export const MAX_LONG_HEADER_BYTES = 1024 * 1024;
/** Sum of all JSON-looking files kept in memory while streaming a tar. */
export const MAX_BUFFERED_JSON_BYTES = 256 * 1024 * 1024;
/** os-release files larger than this are not kept. */
export const MAX_KEPT_FILE_BYTES = 64 * 1024;
export const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 ** 3;
export const DEFAULT_MAX_ENTRIES = 5_000_000;

/** Counts decompressed layer bytes and tar entries across a whole import. */
export class Budget {
  bytes = 0;
  entries = 0;
  constructor(readonly maxBytes: number = DEFAULT_MAX_TOTAL_BYTES, readonly maxEntries: number = DEFAULT_MAX_ENTRIES) {}

  addBytes(n: number): void {
    this.bytes += n;
    if (this.bytes > this.maxBytes) {
      throw invalidArchive(`archive exceeds the limit of ${this.maxBytes} uncompressed bytes`, { global: true });
    }
  }

  addEntry(): void {
    this.entries += 1;
    if (this.entries > this.maxEntries) {
      throw invalidArchive(`archive exceeds the limit of ${this.maxEntries} tar entries`, { global: true });
    }
  }
}
