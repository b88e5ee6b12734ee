import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import { createLogger } from "../../lib/logger.js";
import { SECRET_CONTEXT } from "../../backend/src/modules/webhooks/models.js";
import { startWebhookDispatcher } from "../../backend/src/modules/webhooks/dispatch.js";
import { newSecret } from "../../backend/src/modules/webhooks/signing.js";
import { DataBox } from "../../backend/src/security/encryption.js";
import { machineNote, openBenchDatabase } from "./harness.js";
import { writeBenchReport } from "./report.js";
import type { PublishJob, PublishResult, ReceiveAnswer, ReceiveRequest } from "./webhooks-sides.js";

/**
 * Outbound webhooks: events published at a fixed rate (open loop, each in its own
 * transaction as a domain module publishes them) to one endpoint on a local receiver, through
 * the real job queue and delivery path (signing, the egress guard's request, the attempt log).
 *
 * - enqueueToFirstAttemptP99Ms: from a publishing transaction's commit to the receiver getting
 *   the first attempt of that message, at BENCH_WEBHOOK_RATE (default 1,000/s) for
 *   BENCH_WEBHOOK_SECONDS (default 10).
 *   The events are published by BENCH_WEBHOOK_PUBLISHERS (default 2) processes of their own,
 *   as API processes would, the receiver is a third, and the dispatcher runs here.
 * - deliveredPerSec: closed loop, BENCH_WEBHOOK_BACKLOG (default 10,000) messages published at
 *   once, until all have arrived.
 */
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10);
const BACKLOG = Number(process.env.BENCH_WEBHOOK_BACKLOG ?? 10_000);
const PUBLISHERS = Number(process.env.BENCH_WEBHOOK_PUBLISHERS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? loadConfig({}).webhooks.concurrency);

function side(role: "receive" | "publish", arg?: string): ChildProcess {
  return fork(fileURLToPath(new URL("./webhooks-sides.ts", import.meta.url)), arg ? [role, arg] : [role], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

const nextMessage = <T>(child: ChildProcess) =>
  new Promise<T>((resolve, reject) => {
    child.once("message", (m) => resolve(m as T));
    child.once("exit", (code) => reject(new Error(`bench side process exited with code ${code}`)));
  });

/** The job split over PUBLISHERS processes (as several API processes publish), their commits merged. */
async function publish(job: PublishJob): Promise<PublishResult> {
  const share = (n: number, i: number) => Math.floor(n / PUBLISHERS) + (i < n % PUBLISHERS ? 1 : 0);
  const parts = await Promise.all(
    Array.from({ length: PUBLISHERS }, (_, i) => {
      const mine: PublishJob = job.mode === "open" ? { ...job, rate: share(job.rate, i) } : { ...job, count: share(job.count, i) };
      return nextMessage<PublishResult>(side("publish", JSON.stringify(mine)));
    }),
  );
  return { committed: parts.flatMap((p) => p.committed), seconds: Math.max(...parts.map((p) => p.seconds)) };
}

async function main() {
  const bench = await openBenchDatabase("webhooks");
  const { db } = bench;
  const config = loadConfig({});
  const box = new DataBox(config.dataEncryptionKey);
  const receiver = side("receive");
  const { port } = await nextMessage<{ port: number }>(receiver);
  const waitForArrivals = (count: number, timeoutMs: number) => {
    const answer = nextMessage<ReceiveAnswer>(receiver);
    receiver.send({ op: "wait", count, timeoutMs } satisfies ReceiveRequest);
    return answer;
  };

  const organizationId = newId();
  await db("organizations").insert({ id: organizationId, name: "Bench org", slug: `bench-${organizationId}` });
  await db("webhook_endpoints").insert({
    id: newId(),
    organization_id: organizationId,
    url: `http://127.0.0.1:${port}/hook`,
    event_types: ["ticket.purchased"],
    secret_encrypted: box.encrypt(newSecret(), SECRET_CONTEXT),
  });
  const worker = await startWebhookDispatcher({
    connectionString: bench.url,
    concurrency: CONCURRENCY,
    db,
    box,
    egress: { allowPrivate: true, timeoutMs: 15_000, maxResponseBytes: 16_384 },
    log: createLogger("bench", "warn"),
  });

  console.log(`open loop: ${RATE} events/s for ${SECONDS} s ...`);
  const total = RATE * SECONDS;
  const open = await publish({ url: bench.url, organizationId, mode: "open", rate: RATE, seconds: SECONDS });
  const openArrivals = await waitForArrivals(total, 120_000);
  const arrived = new Map(openArrivals.arrived);
  const latencies = open.committed.map(([id, at]) => (arrived.get(id) ?? Number.POSITIVE_INFINITY) - at).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * q) - 1)]!;

  // closed loop: a backlog published at once, delivered as fast as the queue goes
  console.log(`closed loop: ${BACKLOG} messages at once ...`);
  receiver.send({ op: "reset" } satisfies ReceiveRequest);
  const backlogStart = performance.now();
  const [, backlogArrivals] = await Promise.all([
    publish({ url: bench.url, organizationId, mode: "backlog", count: BACKLOG }),
    waitForArrivals(BACKLOG, 300_000),
  ]);
  const backlogSeconds = (performance.now() - backlogStart) / 1000;

  await worker.stop();
  receiver.kill();
  const attempts = await db("webhook_attempts").count<[{ n: string }]>({ n: "*" });
  await bench.stop();

  await writeBenchReport(
    "webhooks",
    {
      enqueueToFirstAttemptP50Ms: Number(at(0.5).toFixed(1)),
      enqueueToFirstAttemptP99Ms: Number(at(0.99).toFixed(1)),
      enqueueToFirstAttemptMaxMs: Number(latencies[latencies.length - 1]!.toFixed(1)),
      rate: RATE,
      publishedPerSecAchieved: Math.round(total / open.seconds),
      allDelivered: openArrivals.complete && backlogArrivals.complete,
      deliveredPerSec: Math.round(BACKLOG / backlogSeconds),
      attempts: Number(attempts[0]?.n),
      concurrency: CONCURRENCY,
      publishers: PUBLISHERS,
    },
    [
      "targets: enqueueToFirstAttemptP99Ms <= 1000 at 1,000 events/s",
      `open loop: ${total} events, each published in its own transaction; latency from its commit to the local receiver getting attempt 1 (webhook-id)`,
      `deliveredPerSec: ${BACKLOG} messages published at once (100 transactions at a time), until the last arrived; publishing time included`,
      `one dispatcher with up to ${CONCURRENCY} attempts in flight in this process; ${PUBLISHERS} publisher processes and the receiver's process beside it; Postgres is embedded`,
      machineNote(),
    ],
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
