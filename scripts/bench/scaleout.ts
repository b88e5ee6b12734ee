import { loadConfig } from "../../lib/config.js";
import { connectChain } from "../../lib/chain.js";
import { createLogger } from "../../lib/logger.js";
import { freePort } from "../../lib/net.js";
import { createIndexer } from "../../indexer/src/indexer.js";
import { createTestUser } from "../../test/support/auth.js";
import { startApiProcess, type ApiProcess } from "../support/api-process.js";
import { deployPlatform } from "../support/deploy.js";
import { startLocalChain } from "../support/local-chain.js";
import { seedGateWorld } from "./gate-world.js";
import { loadTest, machineNote, openBenchDatabase } from "./harness.js";
import { writeBenchReport } from "./report.js";
import { runChaos } from "../chaos/run.js";

/**
 * `npm run bench:scaleout`: the platform as several processes on one database.
 *
 * - gateScanRps1 / gateScanRps3: POST /gate/scan (every request a different ticket) against
 *   one real API process, then against three (a load generator for each, the same 100
 *   connections in all), closed loop; and their ratio.
 * - revocationVisibleMs: a sign-out through one API process until another one refuses the
 *   session (its cache learns it through Postgres NOTIFY); the median and the worst of 20.
 * - indexerFailoverSeconds: two indexers on one chain; the active one stops (its database
 *   session ends, as when it dies) and the standby takes over and stands on the head.
 *
 * - lost, doubled, wrongAnswers (and mirrorDiffers, unanswered): the chaos run
 *   (scripts/chaos/run.ts) for CHAOS_SECONDS (default 40): three API processes and two
 *   indexers under SIGKILLs, a Postgres restart and a 10 s RPC cut, on a database and chain of
 *   its own.
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const CONNECTIONS = 100;
const TRIALS = 20;
const CHAOS_SECONDS = Number(process.env.CHAOS_SECONDS ?? 40);

async function main(): Promise<void> {
  const bench = await openBenchDatabase("scaleout");
  const { db } = bench;
  const config = loadConfig({ ...process.env, LOG_LEVEL: "silent" });
  console.log("seeding the gate ...");
  const world = await seedGateWorld(db, config, DURATION_S * 4000 * 3);
  const apis: ApiProcess[] = await Promise.all([startApiProcess(bench.url), startApiProcess(bench.url), startApiProcess(bench.url)]);
  try {
    const headers = { "content-type": "application/json", authorization: world.event.scanner.headers.authorization };
    let used = 0;
    const scanLoad = async (targets: ApiProcess[]) => {
      const runs = targets.map((api) => {
        const bodies = world.makePasses(used, DURATION_S * 4000);
        used += bodies.length;
        return loadTest({ url: `${api.base}/api/v1/gate/scan`, connections: Math.round(CONNECTIONS / targets.length), duration: DURATION_S, headers, bodies });
      });
      const results = await Promise.all(runs);
      return { rps: results.reduce((sum, r) => sum + r.rps, 0), non2xx: results.reduce((sum, r) => sum + r.non2xx, 0) };
    };
    // warm-up: each process's JIT, pools and caches
    await scanLoad(apis);
    console.log(`scan, closed loop, ${CONNECTIONS} connections, ${DURATION_S} s: one API process, then three ...`);
    const one = await scanLoad(apis.slice(0, 1));
    const three = await scanLoad(apis);

    console.log(`sign-out in one process until another refuses it, ${TRIALS} times ...`);
    const [a, b] = apis as [ApiProcess, ApiProcess];
    const visible: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const user = await createTestUser(db, { config });
      await fetch(`${b.base}/api/v1/auth/session`, { headers: user.headers }); // b caches the session
      await fetch(`${a.base}/api/v1/auth/logout`, { method: "POST", headers: user.headers });
      const started = performance.now();
      while ((await fetch(`${b.base}/api/v1/auth/session`, { headers: user.headers })).status === 200) {
        if (performance.now() - started > 60_000) throw new Error("the sign-out never reached the other process");
      }
      visible.push(performance.now() - started);
    }
    visible.sort((x, y) => x - y);

    console.log("indexer failover ...");
    const failover = await indexerFailover(bench.url);
    await Promise.all(apis.map((api) => api.stop()));

    console.log(`the chaos run, ${CHAOS_SECONDS} s of load under faults ...`);
    const chaos = await runChaos({ seconds: CHAOS_SECONDS, say: console.log });
    console.log(chaos.faults.map((f) => `  ${f}`).join("\n"));

    await writeBenchReport(
      "scaleout",
      {
        gateScanRps1: Math.round(one.rps),
        gateScanRps3: Math.round(three.rps),
        gateScanRatio3To1: Number((three.rps / one.rps).toFixed(3)),
        scanNon2xx: one.non2xx + three.non2xx,
        revocationVisibleMs: Number(visible[Math.floor(visible.length / 2)]!.toFixed(1)),
        revocationVisibleMaxMs: Number(visible[visible.length - 1]!.toFixed(1)),
        indexerFailoverSeconds: Number(failover.toFixed(2)),
        lost: chaos.figures.lost,
        doubled: chaos.figures.doubled,
        wrongAnswers: chaos.figures.wrongAnswers,
        mirrorDiffers: chaos.figures.mirrorDiffers,
        unanswered: chaos.figures.unanswered,
        chaosAnswered: chaos.figures.answered,
        chaosCleanFailures: chaos.figures.cleanFailures,
        chaosScansAdmitted: chaos.figures.scansAdmitted,
        chaosPaymentsBooked: chaos.figures.paymentsBooked,
        chaosPurchases: chaos.figures.purchasesDuringFaults,
        chaosWebhooksDelivered: chaos.figures.webhooksDelivered,
      },
      [
        "targets: revocationVisibleMs <= 1000, indexerFailoverSeconds <= 10, lost = doubled = wrongAnswers = 0",
        `chaos: ${CHAOS_SECONDS} s of passes + scans (${chaos.figures.scansAdmitted} admitted), terminal payments (${chaos.figures.paymentsBooked}) and on-chain purchases (${chaos.figures.purchasesDuringFaults}); faults: ${chaos.faults.join("; ")}`,
        "chaos: every request retried (same pass nonce, same transfer id) until a definite answer; a refused/reset connection, a timeout or a 5xx problem+json is a clean failure (chaosCleanFailures), a 5xx that is not problem+json a wrong answer",
        `gateScanRps*: real API processes (npm run api) on one embedded Postgres, one autocannon client per process, ${CONNECTIONS} connections in all, every request a different ticket`,
        `revocationVisibleMs: median of ${TRIALS}, from the logout's answer to the other process's first 401; revocationVisibleMaxMs: the worst`,
        "indexerFailoverSeconds: from the active indexer's stop to the standby active and on the node's head",
        "load generators, API processes and Postgres share the 2 cores: one API process is held by its one event loop, three use the second core",
        machineNote(),
      ],
    );
  } finally {
    await Promise.all(apis.map((api) => api.stop()));
    await bench.stop();
  }
}

/** Two indexers on a fresh local chain and the bench database: seconds from the active one's stop until the standby stands on the head. */
async function indexerFailover(databaseUrl: string): Promise<number> {
  const chain = await startLocalChain({ port: await freePort() });
  try {
    const { client, chainId } = await connectChain(chain.url);
    const deployment = await deployPlatform({ rpcUrl: chain.url, chainId, client });
    const make = () =>
      createIndexer({
        rpcUrl: chain.url,
        databaseUrl,
        factoryAddress: deployment.factory,
        deployBlock: deployment.deployBlock,
        confirmations: 0,
        pollIntervalMs: 100,
        log: createLogger("bench", "silent"),
        progressBar: false,
      });
    const first = make();
    void first.run();
    const head = await client.getBlockNumber({ cacheTime: 0 });
    await first.waitForBlock(head);
    const second = make();
    void second.run();
    await new Promise((r) => setTimeout(r, 500));
    if (second.active) throw new Error("two indexers are active at once");
    // a block only the standby will index
    await fetch(chain.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_mine", params: [] }),
    });
    const started = performance.now();
    await first.stop();
    while (!second.active) await new Promise((r) => setTimeout(r, 5));
    await second.waitForBlock(head + 1n);
    const seconds = (performance.now() - started) / 1000;
    await second.stop();
    return seconds;
  } finally {
    await chain.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
