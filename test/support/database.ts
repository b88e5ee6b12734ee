import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Model } from "objection";
import { createKnex, createScratchDatabase, startEmbeddedPostgres, type Knex } from "../../lib/database.js";
import { migrateLatest } from "../../lib/migrate.js";

/**
 * One clean, migrated database per test run: a throw-away embedded PostgreSQL, or a fresh
 * database on the server TEST_DATABASE_URL points at (dropped again at the end).
 * Tests create their own rows with fresh ids, so files can run in any order.
 */
let shared: Promise<{ db: Knex; url: string; stop: () => Promise<void> }> | undefined;

export function testDatabase(): Promise<Knex> {
  shared ??= open();
  return shared.then((s) => s.db);
}

/** Connection string of the test database, for code that opens its own pool (indexer, API process). */
export async function testDatabaseUrl(): Promise<string> {
  await testDatabase();
  return (await shared!).url;
}

async function open() {
  const { url, stop } = process.env.TEST_DATABASE_URL ? await freshDatabaseOn(process.env.TEST_DATABASE_URL) : await embedded();
  const db = createKnex(url, { min: 0, max: 20 });
  await migrateLatest(db);
  Model.knex(db);
  return {
    db,
    url,
    stop: async () => {
      await db.destroy();
      await stop();
    },
  };
}

async function embedded() {
  const parent = mkdtempSync(path.join(os.tmpdir(), "festival-test-"));
  const dir = path.join(parent, "pg");
  const server = await startEmbeddedPostgres({ dir, persistent: false, database: "festival_test" });
  return { url: server.url, stop: server.stop };
}

async function freshDatabaseOn(serverUrl: string) {
  const { url, drop } = await createScratchDatabase(serverUrl, `festival_test_${process.pid}_${Date.now()}`);
  return { url, stop: drop };
}

/**
 * A migrated database of its own on the test server, for a file whose rows must not meet
 * the shared database's (e.g. a second mirror of chain id 31337). Drop it in `after`.
 */
export async function isolatedTestDatabase(prefix: string): Promise<{ db: Knex; url: string; drop(): Promise<void> }> {
  const { url, drop } = await createScratchDatabase(await testDatabaseUrl(), `${prefix}_${process.pid}_${Date.now()}`);
  const db = createKnex(url, { min: 0, max: 10 });
  await migrateLatest(db);
  return {
    db,
    url,
    drop: async () => {
      await db.destroy();
      await drop();
    },
  };
}

// Root-level hook: runs once after every test file, wherever this module was first imported.
after(async function () {
  this.timeout(30_000);
  if (shared) await (await shared).stop();
  shared = undefined;
});
