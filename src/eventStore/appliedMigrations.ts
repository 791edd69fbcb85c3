/** The migrations recorded as applied in the database (TypeORM's table, ormconfig.ts migrationsTableName). */
import type { SqlHandle } from './types';

export async function appliedMigrations(store: SqlHandle): Promise<string[]> {
  return (await store.sql.query<{ name: string }>('SELECT name FROM strata_migrations')).map((r) => r.name);
}
