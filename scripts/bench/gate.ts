import os from "node:os";
import express from "express";
import { Model } from "objection";
import { loadConfig } from "../../lib/config.js";
import { createLogger } from "../../lib/logger.js";
import { buildApp } from "../../backend/src/app.js";
import { seedGateWorld } from "./gate-world.js";
import { latencyProfile, listen, loadTest, machineNote, openBenchDatabase } from "./harness.js";
import { writeBenchReport } from "./report.js";

/**
 * `npm run bench:gate`: POST /api/v1/gate/scan with autocannon at 100 connections, every
 * request a different ticket (valid platform-signed passes, mirror rows seeded at the head),
 * against a bare Express route (express.json + a handler) in the same run and process.
 *
 * Phases: (1) open loop (scripts/bench/paced.ts) at a fixed PACED_RPS (default 500/s, about
 * 10x the 46 scans/s a festival of 500,000 arrivals in 3 hours needs) over 100 connections,
 * latency from each scan's scheduled start, REPETITIONS times, each followed by the bare route
 * at the same rate: the report's scanP50Ms / scanP99Ms (the median repetition) and
 * scanP99VsBare (median of the per-repetition p99 ratios, target <= 3); then a sweep for the
 * highest rate with p99 within 10 ms; (2) saturated: autocannon, as fast as 100
 * connections go (closed loop), bare route then scan, for throughput and the ratio.
 *
 * Database: TEST_DATABASE_URL / DATABASE_URL (a fresh database is created on that server),
 * else a throw-away embedded PostgreSQL.
 */
const CONNECTIONS = 100;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const PACED_RPS = Number(process.env.PACED_RPS ?? 500);
const TARGET_P99_MS = 10;
const SWEEP_RPS = [50, 250, 500, 750, 1000, 1250, 1500, 2000]; // 50: about the 46 scans/s a festival needs
const SWEEP_SECONDS = 5;
const REPETITIONS = 3; // of the paced phase only
const TARGET_P99_VS_BARE = 3;

async function main(): Promise<void> {
  const { db, stop } = await openBenchDatabase("gate");
  Model.knex(db);
  const config = loadConfig({ ...process.env, LOG_LEVEL: "silent" });

  console.log("seeding: one event, many distinct tickets, holders with wallets ...");
  const tickets = Math.ceil((DURATION_S * 6000 + PACED_RPS * DURATION_S * REPETITIONS + SWEEP_RPS.reduce((a, r) => a + r * SWEEP_SECONDS, 0)) * 1.2);
  const { event, makePasses } = await seedGateWorld(db, config, tickets);

  const app = buildApp({ config, db, log: createLogger("bench", "silent") });
  const api = await listen(app);
  const bare = express();
  bare.use(express.json());
  bare.post("/bare", (req, res) => {
    res.json({ ok: true, got: typeof req.body?.payload });
  });
  const bareServer = await listen(bare);

  // Passes are made right before each phase (they live <= 60 s), signed with the platform key.
  const scanUrl = `${api.url}/api/v1/gate/scan`;
  const headers = { "content-type": "application/json", authorization: event.scanner.headers.authorization };

  // warm-up (JIT, pools, caches), on tickets the measured phases do not use
  const warm = makePasses(tickets - 2000, 2000);
  await loadTest({ url: scanUrl, connections: 20, amount: 2000, headers, bodies: warm });
  await loadTest({
    url: `${bareServer.url}/bare`,
    connections: 20,
    amount: 2000,
    headers: { "content-type": "application/json" },
    method: "POST",
    body: warm[0],
  });

  // latency first: it stands for a steady entrance flow, so it runs before the saturated
  // bursts (bare and scan), whose garbage, checkpoint and autovacuum would otherwise land in it
  let used = 0;
  console.log(`scan, open loop at ${PACED_RPS}/s: ${CONNECTIONS} connections, ${DURATION_S}s, ${REPETITIONS} times against the bare route, then a sweep ...`);
  const paced = await latencyProfile(
    (rate, seconds) => {
      const bodies = makePasses(used, rate * seconds); // fresh passes and tickets for every run
      used += bodies.length;
      return { url: scanUrl, connections: CONNECTIONS, headers, bodies };
    },
    {
      reference: PACED_RPS,
      seconds: DURATION_S,
      sweep: SWEEP_RPS,
      sweepSeconds: SWEEP_SECONDS,
      targetP99Ms: TARGET_P99_MS,
      // the floor: the bare route under the same open-loop load, measured the same way, right after each run
      bare: () => ({ url: `${bareServer.url}/bare`, connections: CONNECTIONS, headers: { "content-type": "application/json" }, bodies: warm.slice(0, 1) }),
      repetitions: REPETITIONS,
    },
  );
  const pacedResult = paced.atReference;
  const versusBare = paced.versusBare!;
  for (const run of versusBare.all) {
    if (run.errors > 0 || run.statuses["2xx"] !== run.sent) throw new Error(`paced run: ${JSON.stringify(run)}`);
  }

  console.log(`bare route: ${CONNECTIONS} connections, ${DURATION_S}s ...`);
  const bareResult = await loadTest({
    url: `${bareServer.url}/bare`,
    method: "POST",
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { "content-type": "application/json" },
    body: warm[0],
  });

  const saturatedBodies = makePasses(used, DURATION_S * 6000);
  used += saturatedBodies.length;
  console.log(`scan, saturated: ${CONNECTIONS} connections, ${DURATION_S}s, each request a different ticket ...`);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const scanResult = await loadTest({ url: scanUrl, connections: CONNECTIONS, duration: DURATION_S, headers, bodies: saturatedBodies });
  const scanned = scanResult.total;
  const cpu = process.cpuUsage(cpuBefore);
  const apiCpuPercent = Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore)) * 100);

  const verdicts: Array<{ verdict: string; n: string }> = (
    await db.raw("select verdict, count(*)::text as n from gate_scans where event_contract_id = ? group by verdict order by verdict", [event.eventContractId])
  ).rows;
  const reused = scanned > saturatedBodies.length;
  const scanRps = scanResult.rps;
  const bareRps = bareResult.rps;
  await writeBenchReport(
    "gate",
    {
      scanP50Ms: pacedResult.p50,
      scanP99Ms: pacedResult.p99,
      latencyAtRps: PACED_RPS,
      scanMaxRpsWithinP99Target: paced.maxRateWithinTarget,
      sweepP99: paced.sweepP99,
      scanP99VsBare: versusBare.ratio,
      bareP99AtSameRps: versusBare.bareP99,
      scanP99Repetitions: versusBare.runs,
      scanRps,
      bareRps,
      ratio: Number((scanRps / bareRps).toFixed(3)),
      scanNon2xx: scanResult.non2xx,
      saturatedP50Ms: scanResult.p50,
      saturatedP99Ms: scanResult.p99,
      bareSaturatedP99Ms: bareResult.p99,
      apiCpuPercent,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      cpus: os.cpus().length,
    },
    [
      `targets: ratio >= 0.3, scanP99Ms <= ${TARGET_P99_MS} at ${PACED_RPS}/s, scanP99VsBare <= ${TARGET_P99_VS_BARE}`,
      `verdicts: ${verdicts.map((v) => `${v.verdict} ${v.n}`).join(", ")}`,
      reused ? "more requests than prepared passes: some tickets were scanned twice (already_admitted)" : "every request scanned a different ticket",
      `scanP50Ms / scanP99Ms: open loop at latencyAtRps, latency from each scan's scheduled start, the median of ${REPETITIONS} repetitions; bareP99AtSameRps: the bare route at latencyAtRps right after each, measured the same way (the floor of this machine and client), median; scanP99VsBare: median of the ${REPETITIONS} ratios scan p99 / bare p99; scanP99Repetitions: each repetition's scan / bare p99; scanMaxRpsWithinP99Target: highest rate of the sweep with p99 <= ${TARGET_P99_MS} ms; scanRps, bareRps, ratio, saturated*: autocannon, closed loop`,
      "scan = JWT auth + pass decode + EIP-712 digest + secp256k1 recovery (native libsecp256k1) + one mirror query + one insert statement (check-in + access log)",
      machineNote(),
    ],
  );
  await new Promise((r) => api.server.close(r));
  await new Promise((r) => bareServer.server.close(r));
  await stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
