/** Rows of the projection tables that say how big the ledger is (the /metrics read-model gauge). */
import type { SqlHandle } from '../eventStore/types';

export async function readModelSize(store: SqlHandle): Promise<{ images: number; layers: number }> {
  const count = async (table: 'proj_images' | 'proj_layers') =>
    Number((await store.sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n ?? 0);
  return { images: await count('proj_images'), layers: await count('proj_layers') };
}
