/**
 * The distribution a layer stack names (its os-release's PRETTY_NAME, else
 * ID and VERSION_ID), for shared stacks no image is known as. A ChainID fixes
 * the stack's content, so the answer is kept per ChainID for the life of the
 * process (one cache per database's merged-view cache), whatever asOf asks.
 */
import type { Strata } from '../../application/strata';
import { distributionOf } from '../../application/distribution';
import { LruCache } from '../../projections/lru';
import type { ImageLayerRecord } from '../../projections/records';
import type { Loaders } from './loaders';

const MAX_STACKS = 20_000;
const caches = new WeakMap<object, LruCache<string, Promise<string | null>>>();

export function stackDistribution(app: Strata, stack: readonly ImageLayerRecord[], loaders: Loaders): Promise<string | null> {
  const top = stack[stack.length - 1];
  if (!top) return Promise.resolve(null);
  let cache = caches.get(app.views);
  if (!cache) { cache = new LruCache(MAX_STACKS); caches.set(app.views, cache); }
  let p = cache.get(top.chainId);
  if (!p) {
    p = distributionOf({ layers: [...stack] }, loaders).then((d) => {
      if (!d) return null;
      return d.prettyName ?? ([d.id, d.versionId].filter(Boolean).join(' ') || null);
    });
    const key = top.chainId;
    const c = cache;
    p.catch(() => c.delete(key)); // a failed read is retried by the next request
    cache.set(key, p);
  }
  return p;
}
