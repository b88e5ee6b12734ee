import { performance } from "node:perf_hooks";
import os from "node:os";
import { strFromU8, unzipSync } from "fflate";
import { Model } from "objection";
import { loadConfig } from "../../lib/config.js";
import { createLogger } from "../../lib/logger.js";
import { buildApp, personalDataDeclarations } from "../../backend/src/app.js";
import { AccessTokens } from "../../backend/src/modules/auth/access-tokens.js";
import { recordAudit, systemAuditContext } from "../../backend/src/modules/audit/service.js";
import { startErasure } from "../../backend/src/modules/personal-data/erasure.js";
import { runPersonalDataJobsOnce } from "../../backend/src/modules/personal-data/jobs.js";
import { PersonalDataRegistry } from "../../backend/src/modules/personal-data/registry.js";
import { scanLeftovers } from "../../backend/src/modules/personal-data/scan.js";
import { DataBox } from "../../backend/src/security/encryption.js";
import { newId } from "../../lib/ids.js";
import { seedPersonWorld } from "./gdpr-world.js";
import { listen, machineNote, openBenchDatabase } from "./harness.js";
import { writeBenchReport } from "./report.js";

/**
 * `npm run bench:gdpr`: one person with data in every module (BENCH_FESTIVALS festivals,
 * default 20, an edition and a wristband each; BENCH_TICKETS tickets held by their wallet,
 * 200; BENCH_LEDGER_ROWS ledger rows, 5,000; BENCH_AUDIT_ROWS audit rows, 1,000), beside
 * BENCH_NOISE_AUDIT_ROWS audit rows of other people (20,000), on a fresh database.
 *
 * - exportSeconds: GET /api/v1/me/personal-data/export through the real app, until the whole
 *   zip (data.json plus a CSV per table) is received; checked by unzipping it.
 * - erasureSeconds: startErasure and the job queue's run to completion (every declared table a
 *   step, the leftover scan at the end).
 * - leftoverPersonalData: the run's scan of every text and JSON column for the person's email,
 *   name and tax id, and a second scan after it (must both be 0).
 *
 * A small run: BENCH_FESTIVALS=2 BENCH_TICKETS=10 BENCH_LEDGER_ROWS=100 BENCH_AUDIT_ROWS=50 BENCH_NOISE_AUDIT_ROWS=100.
 */
const FESTIVALS = Number(process.env.BENCH_FESTIVALS ?? 20);
const TICKETS = Number(process.env.BENCH_TICKETS ?? 200);
const LEDGER_ROWS = Number(process.env.BENCH_LEDGER_ROWS ?? 5_000);
const AUDIT_ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000);
const NOISE_AUDIT_ROWS = Number(process.env.BENCH_NOISE_AUDIT_ROWS ?? 20_000);
const TARGET_EXPORT_SECONDS = 60;

async function main(): Promise<void> {
  const { db, url, stop } = await openBenchDatabase("gdpr");
  Model.knex(db);
  const config = loadConfig({ ...process.env, LOG_LEVEL: "silent" });
  const box = new DataBox(config.dataEncryptionKey);
  const registry = new PersonalDataRegistry(personalDataDeclarations);

  console.log(
    `seeding: ${FESTIVALS} festivals, ${TICKETS} tickets, ${LEDGER_ROWS} ledger rows, ${AUDIT_ROWS} audit rows, ${NOISE_AUDIT_ROWS} others' audit rows ...`,
  );
  const seedStarted = performance.now();
  const w = await seedPersonWorld(db, box, { festivals: FESTIVALS, tickets: TICKETS, ledgerRows: LEDGER_ROWS, auditRows: AUDIT_ROWS });
  for (let i = 0; i < NOISE_AUDIT_ROWS; i += 1_000) {
    await db.transaction(async (trx) => {
      for (let j = i; j < Math.min(NOISE_AUDIT_ROWS, i + 1_000); j++) {
        await recordAudit(
          trx,
          { ...systemAuditContext(), actorType: "user", actorUserId: w.bystander.userId, ip: "198.51.100.1", userAgent: "bench" },
          {
            action: "festival.updated",
            entityType: "festival",
            entityId: newId(),
            after: { name: `Festival ${j}`, email: `someone.${j}@example.test` },
          },
        );
      }
    });
  }
  await db.raw("analyze");
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`  seeded in ${seedSeconds.toFixed(1)} s`);

  const app = buildApp({ config, db, log: createLogger("bench", "silent") });
  const api = await listen(app);
  const sessionId = (await db("auth_sessions").where("user_id", w.userId).first("id")).id;
  const { token } = await new AccessTokens(config.auth.jwtSecret, config.auth.issuer, config.auth.accessTokenTtlSeconds).issue(w.userId, sessionId);

  const exportStarted = performance.now();
  const res = await fetch(`${api.url}/api/v1/me/personal-data/export`, { headers: { authorization: `Bearer ${token}` } });
  const zip = new Uint8Array(await res.arrayBuffer());
  const exportSeconds = (performance.now() - exportStarted) / 1000;
  if (res.status !== 200) throw new Error(`export answered ${res.status}: ${strFromU8(zip)}`);
  const files = unzipSync(zip);
  const data = JSON.parse(strFromU8(files["data.json"]!)) as { counts: Record<string, number> };
  const exportedRows = Object.values(data.counts).reduce((a, b) => a + b, 0);
  console.log(`  export: ${exportSeconds.toFixed(2)} s, ${exportedRows} rows, ${Object.keys(files).length} files, ${zip.length} bytes`);
  if (data.counts.ledger_transfers !== LEDGER_ROWS || data.counts.chain_tickets !== TICKETS)
    throw new Error(`export is missing rows: ${JSON.stringify(data.counts)}`);

  const subject = await registry.subject(db, box, w.userId);
  const erasureStarted = performance.now();
  const runId = await startErasure({ db, box, registry }, w.userId, null);
  await runPersonalDataJobsOnce({ connectionString: url, deps: { db, box, registry } });
  const erasureSeconds = (performance.now() - erasureStarted) / 1000;
  const run = await db("erasure_runs").where("id", runId).first();
  if (run.status !== "COMPLETED") throw new Error(`erasure run is ${run.status}`);
  const steps = await db("erasure_steps").where("run_id", runId).select("action", "rows_affected");
  const scanStarted = performance.now();
  const rescan = await scanLeftovers(db, registry, subject);
  const scanSeconds = (performance.now() - scanStarted) / 1000;
  const leftoverPersonalData = Number(run.leftover_count) + rescan.total;
  console.log(`  erasure: ${erasureSeconds.toFixed(2)} s, ${steps.length} steps, leftover ${leftoverPersonalData}`);

  await writeBenchReport(
    "gdpr",
    {
      exportSeconds: Number(exportSeconds.toFixed(3)),
      erasureSeconds: Number(erasureSeconds.toFixed(3)),
      leftoverPersonalData,
      leftoverScanSeconds: Number(scanSeconds.toFixed(3)),
      columnsScanned: rescan.columnsScanned,
      exportedRows,
      exportFiles: Object.keys(files).length,
      exportBytes: zip.length,
      erasureSteps: steps.length,
      rowsDeleted: steps.filter((s) => s.action === "delete").reduce((a, s) => a + s.rows_affected, 0),
      rowsReplaced: steps.filter((s) => s.action === "replace").reduce((a, s) => a + s.rows_affected, 0),
      rowsHeld: steps.filter((s) => s.action === "hold").reduce((a, s) => a + s.rows_affected, 0),
      rowsKept: steps.filter((s) => s.action === "keep").reduce((a, s) => a + s.rows_affected, 0),
      festivals: FESTIVALS,
      tickets: TICKETS,
      ledgerRows: LEDGER_ROWS,
      auditRows: AUDIT_ROWS,
      noiseAuditRows: NOISE_AUDIT_ROWS,
      seedSeconds: Number(seedSeconds.toFixed(1)),
      cpus: os.cpus().length,
    },
    [
      `target: exportSeconds <= ${TARGET_EXPORT_SECONDS}, leftoverPersonalData = 0`,
      "exportSeconds: one GET of the zip through the real app and HTTP; erasureSeconds: startErasure plus the job queue's run (runOnce), the leftover scan included",
      "leftoverPersonalData: the run's own scan plus a second scan afterwards, of every text and JSON column for the person's email, name and tax id",
      machineNote(),
    ],
  );
  await new Promise((r) => api.server.close(r));
  await stop();
  if (leftoverPersonalData !== 0 || exportSeconds > TARGET_EXPORT_SECONDS) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
