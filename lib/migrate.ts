import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Knex } from "knex";

const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "migrations");

const migrationConfig: Knex.MigratorConfig = {
  directory: migrationsDir,
  loadExtensions: [".ts"],
  tableName: "knex_migrations",
};

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}

export async function rollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback(migrationConfig, true);
}
