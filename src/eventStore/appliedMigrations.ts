/** The migrations recorded as applied in the database (TypeORM's table, ormconfig.ts migrationsTableName). */
import type { Sql } from './types';

export async function appliedMigrations(sql: Sql): Promise<string[]> {
  return (await sql.query<{ name: string }>('SELECT name FROM strata_migrations')).map((r) => r.name);
}
