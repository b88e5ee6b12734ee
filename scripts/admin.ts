import { loadConfig } from "../lib/config.js";
import { createKnex, runningEmbeddedDatabaseUrl, startEmbeddedPostgres, type EmbeddedDatabase } from "../lib/database.js";
import { migrateLatest } from "../lib/migrate.js";
import { exitOnFatal } from "../lib/process.js";
import { runAdminCommand } from "./support/admin-commands.js";

/**
 * `npm run admin -- <command>`: operator tasks no API caller can do first, such as creating
 * the first platform admin. The database is DATABASE_URL, the embedded one `npm start` is
 * running, or (nothing running) the embedded one started here for the command and stopped.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  let url = config.database.url ?? runningEmbeddedDatabaseUrl(config.database.embeddedDir);
  let embedded: EmbeddedDatabase | undefined;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dir: config.database.embeddedDir, port: config.database.embeddedPort });
    url = embedded.url;
  }
  const db = createKnex(url, { min: 0, max: 2 });
  try {
    await migrateLatest(db);
    console.log(await runAdminCommand(db, config, process.argv.slice(2)));
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch(exitOnFatal("admin"));
