import { loadConfig } from "../lib/config.js";
import { assertDatabaseReachable, createKnex, startEmbeddedPostgres } from "../lib/database.js";
import { exitOnFatal } from "../lib/process.js";
import { verifyLedger } from "../backend/src/modules/cashless/ledger.js";

/**
 * `npm run ledger:verify`: recomputes every cashless ledger balance from its transfers (SQL
 * function ledger_verify) on DATABASE_URL, or the embedded database, and prints each
 * difference. Exit code 0 when every balance matches and the sum over all accounts is 0, 1 otherwise.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres({ dir: config.database.embeddedDir });
  const url = config.database.url ?? embedded!.url;
  let failed = false;
  try {
    await assertDatabaseReachable(url);
    const db = createKnex(url);
    try {
      const started = performance.now();
      const differences = await verifyLedger(db);
      const { rows } = await db.raw<{ rows: Array<{ accounts: number; transfers: number }> }>(
        "select (select count(*) from ledger_accounts)::int as accounts, (select count(*) from ledger_transfers)::int as transfers",
      );
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      if (differences.length === 0) {
        console.log(`ledger ok: ${rows[0]!.accounts} accounts, ${rows[0]!.transfers} transfers, every balance equals its transfers, sum 0 (${seconds} s)`);
      } else {
        failed = true;
        console.log(`ledger NOT consistent: ${differences.length} difference(s) (${seconds} s)`);
        for (const d of differences) {
          console.log(`  ${d.accountId ?? "(all accounts)"}  ${d.kind}  stored ${d.storedBalance}  computed ${d.computedBalance}`);
        }
      }
    } finally {
      await db.destroy();
    }
  } finally {
    await embedded?.stop();
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch(exitOnFatal("ledger:verify"));
