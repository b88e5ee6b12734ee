import { randomUUID } from "node:crypto";
import os from "node:os";
import express from "express";
import { Model } from "objection";
import { loadConfig } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import { createLogger } from "../../lib/logger.js";
import { buildApp } from "../../backend/src/app.js";
import { VENDOR_SHARDS } from "../../backend/src/modules/cashless/ledger.js";
import { seedCashlessWorld } from "./cashless-world.js";
import { latencyProfile, listen, loadTest, machineNote, openBenchDatabase } from "./harness.js";
import { writeBenchReport } from "./report.js";

/**
 * `npm run bench:cashless`: terminal payments (POST /api/v1/terminal/payments) on a fresh
 * database with BENCH_BANDS wristbands (default 50,000, each topped up through the ledger),
 * BENCH_VENDORS vendors (200, one stand each) and BENCH_TERMINALS terminals (1,000), every
 * request from a terminal in turn, every request a new client transfer id; 10 % of requests
 * go to 100 hot bands.
 *
 * Phases: (1) open loop (paced.ts) at PACED_RPS (default 500/s: 1,000 terminals at one tap
 * every 2 s), REPETITIONS times against the bare route at the same rate: paymentP50Ms /
 * paymentP99Ms (the median repetition); (2) closed loop (autocannon, a fixed number of
 * requests): paymentsPerSec, bareRps, ratio; (3) the booking path alone, no HTTP, from
 * LEDGER_CONNECTIONS connections in parallel: cashless_charge_batch with LEDGER_BATCH payments
 * a statement and a commit, as the API's payment batcher sends them (ledgerTransfersPerSec),
 * and cashless_charge one payment a statement (ledgerSingleTransfersPerSec); (4) checks: overdrafts (fan accounts below
 * 0), lostOrDoubled (2xx answers vs PAYMENT rows booked), imbalance (sum over all accounts,
 * plus every difference ledger_verify() finds) and verifySeconds.
 *
 * A small run: BENCH_BANDS=2000 BENCH_VENDORS=20 BENCH_TERMINALS=50 BENCH_DURATION_S=2 REPETITIONS=1.
 */
const BANDS = Number(process.env.BENCH_BANDS ?? 50_000);
const VENDORS = Number(process.env.BENCH_VENDORS ?? 200);
const TERMINALS = Number(process.env.BENCH_TERMINALS ?? 1_000);
const HOT_BANDS = Math.min(100, BANDS);
const HOT_SHARE = 0.1;
const CONNECTIONS = 100;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const PACED_RPS = Number(process.env.PACED_RPS ?? 500);
const REPETITIONS = Number(process.env.REPETITIONS ?? 3);
const CLOSED_REQUESTS = Number(process.env.BENCH_CLOSED_REQUESTS ?? DURATION_S * 1_500);
const LEDGER_CONNECTIONS = 8;
const LEDGER_BATCH = 32;
const LEDGER_SECONDS = Math.max(2, Math.round(DURATION_S / 2));
const TARGET_P99_MS = 15;
const START_BALANCE = 40_000; // minor units on each band; payments are 1..20
const CAP = 50_000;

async function main(): Promise<void> {
  const { db, stop } = await openBenchDatabase("cashless");
  Model.knex(db);
  const config = loadConfig({ ...process.env, LOG_LEVEL: "silent" });

  console.log(`seeding: ${BANDS} bands, ${VENDORS} vendors, ${TERMINALS} terminals ...`);
  const seedStarted = performance.now();
  const {
    editionId,
    tags,
    terminalKeys,
    terminals: terminalRows,
  } = await seedCashlessWorld(db, { bands: BANDS, vendors: VENDORS, terminals: TERMINALS, startBalance: START_BALANCE, cap: CAP });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`  seeded in ${seedSeconds.toFixed(1)} s`);

  const app = buildApp({ config, db, log: createLogger("bench", "silent") });
  const api = await listen(app);
  const bare = express();
  bare.use(express.json());
  bare.post("/bare", (req, res) => {
    res.status(201).json({ ok: true, got: typeof req.body?.tagId });
  });
  const bareServer = await listen(bare);
  const paymentUrl = `${api.url}/api/v1/terminal/payments`;
  const headers = { "content-type": "application/json" };
  const authorizations = terminalKeys.map((k) => `Terminal ${k}`);

  let counter = 0;
  const makeBodies = (count: number) => {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const n = counter++;
      // deterministic spread: every 10th request on one of the hot bands
      const hot = n % Math.round(1 / HOT_SHARE) === 0;
      const band = hot ? (n * 7) % HOT_BANDS : HOT_BANDS + ((n * 7919) % Math.max(1, BANDS - HOT_BANDS));
      out.push(JSON.stringify({ transferId: randomUUID(), tagId: tags[band % BANDS], amount: 1 + (n % 20), currency: "EUR" }));
    }
    return out;
  };
  const terminalOrder = (count: number) => Array.from({ length: count }, (_, i) => authorizations[(counter + i) % authorizations.length]!);
  let answered2xx = 0;

  // warm-up (JIT, pools, terminal key cache)
  {
    const bodies = makeBodies(2_000);
    const r = await loadTest({ url: paymentUrl, method: "POST", connections: 20, amount: bodies.length, headers, bodies, authorizations });
    answered2xx += r.statuses["2xx"];
    await loadTest({ url: `${bareServer.url}/bare`, method: "POST", connections: 20, amount: 2_000, headers, body: bodies[0] });
  }

  console.log(`payments, open loop at ${PACED_RPS}/s: ${CONNECTIONS} connections, ${DURATION_S}s, ${REPETITIONS} times against the bare route ...`);
  const paced = await latencyProfile(
    (rate, seconds) => {
      const bodies = makeBodies(rate * seconds);
      return { url: paymentUrl, connections: CONNECTIONS, headers, bodies, authorizations: terminalOrder(bodies.length) };
    },
    {
      reference: PACED_RPS,
      seconds: DURATION_S,
      sweep: [],
      targetP99Ms: TARGET_P99_MS,
      bare: () => ({ url: `${bareServer.url}/bare`, connections: CONNECTIONS, headers, bodies: makeBodies(1) }),
      repetitions: REPETITIONS,
    },
  );
  for (const run of paced.versusBare!.all) answered2xx += run.statuses["2xx"] ?? 0;
  const pacedErrors = paced.versusBare!.all.reduce((s, r) => s + r.errors + (r.sent - (r.statuses["2xx"] ?? 0)), 0);

  console.log(`bare route, closed loop: ${CONNECTIONS} connections, ${CLOSED_REQUESTS} requests ...`);
  const bareResult = await loadTest({
    url: `${bareServer.url}/bare`,
    method: "POST",
    connections: CONNECTIONS,
    amount: CLOSED_REQUESTS,
    headers,
    body: makeBodies(1)[0],
  });
  console.log(`payments, closed loop: ${CONNECTIONS} connections, ${CLOSED_REQUESTS} requests ...`);
  const closedBodies = makeBodies(CLOSED_REQUESTS);
  const closed = await loadTest({
    url: paymentUrl,
    method: "POST",
    connections: CONNECTIONS,
    amount: CLOSED_REQUESTS,
    headers,
    bodies: closedBodies,
    authorizations,
  });
  answered2xx += closed.statuses["2xx"];

  // the booking path alone, no HTTP: connections of the benchmark's own pool (the API is idle now), each used by one loop
  type RawClient = { query(sql: string, values: unknown[]): Promise<{ rows: Array<{ outcome: string }> }> };
  const pool = db.client as { acquireConnection(): Promise<RawClient>; releaseConnection(c: RawClient): Promise<void> };
  const bandOf = (n: number) => tags[(n % 10 === 0 ? n % HOT_BANDS : HOT_BANDS + ((n * 7919) % Math.max(1, BANDS - HOT_BANDS))) % BANDS]!;
  const bookingPhase = async (batch: number) => {
    const clients = await Promise.all(Array.from({ length: LEDGER_CONNECTIONS }, () => pool.acquireConnection()));
    let booked = 0;
    let refused = 0;
    let n = 0;
    const started = performance.now();
    const deadline = started + LEDGER_SECONDS * 1000;
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < deadline) {
          const items = Array.from({ length: batch }, () => n++);
          const { rows } =
            batch === 1
              ? await c.query("select outcome from cashless_charge($1, $2, 'bench', $3, $4, $5, 'EUR', $6, $7, $8, null, $9, false, $2)", [
                  newId(),
                  randomUUID(),
                  editionId,
                  bandOf(items[0]!),
                  1 + (items[0]! % 20),
                  terminalRows[items[0]! % terminalRows.length]!.vendor_id,
                  terminalRows[items[0]! % terminalRows.length]!.stand_id,
                  terminalRows[items[0]! % terminalRows.length]!.id,
                  VENDOR_SHARDS,
                ])
              : await c.query("select outcome from cashless_charge_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)", [
                  items.map(() => newId()),
                  items.map(() => randomUUID()),
                  items.map(() => "bench"),
                  editionId,
                  items.map(bandOf),
                  items.map((i) => 1 + (i % 20)),
                  items.map(() => "EUR"),
                  items.map((i) => terminalRows[i % terminalRows.length]!.vendor_id),
                  items.map((i) => terminalRows[i % terminalRows.length]!.stand_id),
                  items.map((i) => terminalRows[i % terminalRows.length]!.id),
                  items.map(() => null),
                  VENDOR_SHARDS,
                  items.map(() => false),
                  newId(),
                ]);
          for (const row of rows) {
            if (row.outcome === "booked") booked++;
            else refused++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(clients.map((c) => pool.releaseConnection(c)));
    return { perSec: Math.round(booked / seconds), refused };
  };
  console.log(
    `booking path alone: cashless_charge_batch (${LEDGER_BATCH} a statement) from ${LEDGER_CONNECTIONS} connections for ${LEDGER_SECONDS}s, then one a statement ...`,
  );
  const batched = await bookingPhase(LEDGER_BATCH);
  const single = await bookingPhase(1);

  console.log("checks: overdrafts, lost or doubled, imbalance, verify ...");
  const overdrafts = Number(
    (await db.raw("select count(*)::int as n from ledger_accounts where kind = 'fan' and (balance < 0 or balance > max_balance)")).rows[0].n,
  );
  const paymentsBooked = Number((await db.raw("select count(*)::int as n from ledger_transfers where type = 'PAYMENT' and request_hash <> 'bench'")).rows[0].n);
  const lostOrDoubled = Math.abs(paymentsBooked - answered2xx);
  const verifyStarted = performance.now();
  const differences = (await db.raw("select * from ledger_verify()")).rows as unknown[];
  const verifySeconds = (performance.now() - verifyStarted) / 1000;
  const sum = Number((await db.raw("select coalesce(sum(balance), 0)::text as s from ledger_accounts")).rows[0].s);
  const transfers = Number((await db.raw("select count(*)::int as n from ledger_transfers")).rows[0].n);
  const imbalance = Math.abs(sum) + differences.length;

  const at = paced.atReference;
  await writeBenchReport(
    "cashless",
    {
      paymentP50Ms: at.p50,
      paymentP99Ms: at.p99,
      latencyAtRps: PACED_RPS,
      paymentP99VsBare: paced.versusBare!.ratio,
      bareP99AtSameRps: paced.versusBare!.bareP99,
      paymentP99Repetitions: paced.versusBare!.runs,
      pacedNon2xx: pacedErrors,
      paymentsPerSec: Math.round(closed.rps),
      bareRps: Math.round(bareResult.rps),
      ratio: Number((closed.rps / bareResult.rps).toFixed(3)),
      closedNon2xx: closed.non2xx,
      ledgerTransfersPerSec: batched.perSec,
      ledgerSingleTransfersPerSec: single.perSec,
      ledgerRefused: batched.refused + single.refused,
      overdrafts,
      lostOrDoubled,
      imbalance,
      verifySeconds: Number(verifySeconds.toFixed(3)),
      transfers,
      bands: BANDS,
      vendors: VENDORS,
      terminals: TERMINALS,
      hotBands: HOT_BANDS,
      seedSeconds: Number(seedSeconds.toFixed(1)),
      cpus: os.cpus().length,
    },
    [
      `targets: paymentP99Ms <= ${TARGET_P99_MS} at >= 500/s, ledgerTransfersPerSec >= 2000, overdrafts = lostOrDoubled = imbalance = 0`,
      `open loop: ${CONNECTIONS} connections, each request from the next of ${TERMINALS} terminals, ${Math.round(HOT_SHARE * 100)} % on ${HOT_BANDS} hot bands, latency from each request's scheduled start, median of ${REPETITIONS} repetitions; closed loop: autocannon, ${CLOSED_REQUESTS} requests`,
      `ledgerTransfersPerSec: cashless_charge_batch (${LEDGER_BATCH} payments a statement and a commit, as the API's batcher sends them; each payment: replay check, band lookup, vendor shard, booking trigger) from ${LEDGER_CONNECTIONS} connections, no HTTP; ledgerSingleTransfersPerSec: the same one payment a statement`,
      `lostOrDoubled: |PAYMENT rows booked through the API - 2xx answers| = |${paymentsBooked} - ${answered2xx}|; imbalance: |sum over all accounts| + ledger_verify() differences`,
      machineNote(),
    ],
  );
  await new Promise((r) => api.server.close(r));
  await new Promise((r) => bareServer.server.close(r));
  await stop();
  if (overdrafts || lostOrDoubled || imbalance) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
