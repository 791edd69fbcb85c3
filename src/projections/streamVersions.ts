/**
 * The version of every stream the log holds (expectedVersion answers),
 * without a second copy of each stream's name. A stream is `<kind>:<id>`
 * (docs/domain.md §7) and the id — an image ID, a DiffID, a tag — is a string
 * the read model already keeps in its records; a Map keyed by the full name
 * kept one more ~100-byte string per stream (at 100,000 images, ~400,000
 * streams: ~40 MB). Here a stream whose id the model holds is keyed by that
 * very string, per kind; any other stream by its full name.
 */
export class StreamVersions {
  /** kind → id (a string the model's records hold) → version. */
  private readonly byId = new Map<string, Map<string, number>>();
  /** Streams whose id the model holds no record for, by full name. */
  private readonly byName = new Map<string, number>();

  get(stream: string): number | undefined {
    const v = this.byName.get(stream);
    if (v !== undefined) return v;
    const i = stream.indexOf(':');
    return i < 0 ? undefined : this.byId.get(stream.slice(0, i))?.get(stream.slice(i + 1));
  }

  /**
   * Records a stream's version. `held(kind, id)` returns the model's own copy
   * of `id` when it keeps one (undefined otherwise); it is asked only the
   * first time a stream is seen.
   */
  set(stream: string, version: number, held: (kind: string, id: string) => string | undefined): void {
    if (this.byName.has(stream)) { this.byName.set(stream, version); return; }
    const i = stream.indexOf(':');
    if (i < 0) { this.byName.set(stream, version); return; }
    const kind = stream.slice(0, i);
    const id = stream.slice(i + 1);
    const ids = this.byId.get(kind);
    if (ids?.has(id)) { ids.set(id, version); return; }
    const own = held(kind, id);
    if (own === undefined || own !== id) { this.byName.set(stream, version); return; }
    if (ids) ids.set(own, version); else this.byId.set(kind, new Map([[own, version]]));
  }
}
