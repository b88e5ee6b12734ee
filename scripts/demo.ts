import path from "node:path";
import { loadConfig } from "../lib/config.js";
import { createKnex, runningEmbeddedDatabaseUrl } from "../lib/database.js";
import { OperatorError } from "../lib/errors.js";
import { exitOnFatal } from "../lib/process.js";
import { waitForMail } from "./support/mailbox.js";
import { runTicketStory } from "./support/ticket-story.js";

/**
 * `npm run demo`: the ticket story against a running `npm start` stack (API at
 * http://HOST:PORT, default http://127.0.0.1:3000, its chain and its database), narrated.
 * The database is DATABASE_URL, or the embedded one `npm start` runs (found from its data
 * directory). Set API_URL to point at another API.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const api = process.env.API_URL ?? `http://${config.http.host}:${config.http.port}`;
  const rpcUrl = config.chain.rpcUrl ?? `http://127.0.0.1:${config.chain.localNodePort}`;
  try {
    const ready = await fetch(`${api}/health`);
    if (!ready.ok) throw new Error(`status ${ready.status}`);
  } catch (error) {
    throw new OperatorError(`no API answers at ${api} (${(error as Error).message}): start the platform with \`npm start\` first, or set API_URL`);
  }
  if (config.mail.smtpUrl) throw new OperatorError("the demo reads the mails it needs from MAIL_DIR: run npm start and the demo without SMTP_URL");
  const databaseUrl = config.database.url ?? runningEmbeddedDatabaseUrl(config.database.embeddedDir);
  if (!databaseUrl) {
    throw new OperatorError(`no running embedded database in ${config.database.embeddedDir}: start the platform with \`npm start\`, or set DATABASE_URL`);
  }
  const db = createKnex(databaseUrl, { min: 0, max: 4 });
  let step = 0;
  console.log(`Demo: the ticket story against ${api} (chain ${rpcUrl})\n`);
  try {
    await runTicketStory({
      api,
      rpcUrl,
      db,
      config,
      timeoutMs: 90_000,
      // the mails the API's worker writes as .eml files (no SMTP_URL), read as their recipient would
      readMail: (to) => waitForMail(path.resolve(config.mail.dir), to),
      say: (line) => console.log(`${String(++step).padStart(2)}. ${line}`),
    });
    console.log("\nThat is the whole flow: on-chain ownership, verified at the gate, anchored back on-chain.");
  } finally {
    await db.destroy();
  }
}

main().catch(exitOnFatal("demo"));
