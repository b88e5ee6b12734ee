import { loadConfig } from "../lib/config.js";
import { assertDatabaseReachable, createKnex, startEmbeddedPostgres } from "../lib/database.js";
import { migrateLatest } from "../lib/migrate.js";
import { exitOnFatal } from "../lib/process.js";

/** `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. */
async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres({ dir: config.database.embeddedDir });
  const url = config.database.url ?? embedded!.url;
  try {
    await assertDatabaseReachable(url);
    const db = createKnex(url);
    const applied = await migrateLatest(db);
    console.log(applied.length ? `applied ${applied.length} migration(s):\n  ${applied.join("\n  ")}` : "database is up to date");
    await db.destroy();
  } finally {
    await embedded?.stop();
  }
}

main().catch(exitOnFatal("migrate"));
