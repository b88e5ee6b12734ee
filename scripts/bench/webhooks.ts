import http from "node:http";
import { loadConfig } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import { createLogger } from "../../lib/logger.js";
import { SECRET_CONTEXT } from "../../backend/src/modules/webhooks/models.js";
import { webhookId } from "../../backend/src/modules/webhooks/deliver.js";
import { startWebhookDispatcher } from "../../backend/src/modules/webhooks/dispatch.js";
import { publishWebhookEvent } from "../../backend/src/modules/webhooks/publish.js";
import { newSecret } from "../../backend/src/modules/webhooks/signing.js";
import { DataBox } from "../../backend/src/security/encryption.js";
import { machineNote, openBenchDatabase } from "./harness.js";
import { writeBenchReport } from "./report.js";

/**
 * Outbound webhooks: events published at a fixed rate (open loop, each in its own
 * transaction as a domain module publishes them) to one endpoint on a local receiver, through
 * the real job queue and delivery path (signing, the egress guard's request, the attempt log).
 *
 * - enqueueToFirstAttemptP99Ms: from a publishing transaction's commit to the receiver getting
 *   the first attempt of that message, at BENCH_WEBHOOK_RATE (default 1,000/s) for
 *   BENCH_WEBHOOK_SECONDS (default 10).
 * - deliveredPerSec: closed loop, BENCH_WEBHOOK_BACKLOG (default 10,000) messages published at
 *   once, until all have arrived.
 */
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10);
const BACKLOG = Number(process.env.BENCH_WEBHOOK_BACKLOG ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? loadConfig({}).webhooks.concurrency);
const TICK_MS = 10;

async function main() {
  const bench = await openBenchDatabase("webhooks");
  const { db } = bench;
  const config = loadConfig({});
  const box = new DataBox(config.dataEncryptionKey);
  const arrived = new Map<string, number>();
  let waiter: { count: number; resolve: () => void } | undefined;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      if (!arrived.has(id)) arrived.set(id, performance.now());
      res.writeHead(204).end();
      if (waiter && arrived.size >= waiter.count) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

  const organizationId = newId();
  await db("organizations").insert({ id: organizationId, name: "Bench org", slug: `bench-${organizationId}` });
  await db("webhook_endpoints").insert({
    id: newId(),
    organization_id: organizationId,
    url,
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

  const enqueued = new Map<string, number>();
  const publishOne = async (i: number) => {
    const id = await db.transaction((trx) =>
      publishWebhookEvent(trx, { organizationId, type: "ticket.purchased", data: { firstTokenId: String(i), quantity: "1" }, sourceKey: `bench:${newId()}` }),
    );
    enqueued.set(webhookId(id!), performance.now());
  };
  const allArrived = (count: number, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (arrived.size >= count) return resolve(true);
      const timer = setTimeout(() => resolve(false), timeoutMs);
      waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
    });

  // open loop: RATE events/s, TICK_MS apart in batches, each batch started on schedule whether the last one finished or not
  console.log(`open loop: ${RATE} events/s for ${SECONDS} s ...`);
  const total = RATE * SECONDS;
  const perTick = (RATE * TICK_MS) / 1000;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE) + perTick);
    for (; sent < due; sent++) inFlight.push(publishOne(sent));
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  await Promise.all(inFlight);
  const publishSeconds = (performance.now() - started) / 1000;
  const complete = await allArrived(total, 120_000);
  const latencies = [...enqueued].map(([id, at]) => (arrived.get(id) ?? Number.POSITIVE_INFINITY) - at).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * q) - 1)]!;

  // closed loop: a backlog published at once, delivered as fast as the queue goes
  console.log(`closed loop: ${BACKLOG} messages at once ...`);
  arrived.clear();
  enqueued.clear();
  const backlogStart = performance.now();
  for (let i = 0; i < BACKLOG; i += 100) await Promise.all(Array.from({ length: Math.min(100, BACKLOG - i) }, (_, j) => publishOne(i + j)));
  const backlogComplete = await allArrived(BACKLOG, 300_000);
  const backlogSeconds = (performance.now() - backlogStart) / 1000;

  await worker.stop();
  receiver.close();
  const attempts = await db("webhook_attempts").count<[{ n: string }]>({ n: "*" });
  await bench.stop();

  await writeBenchReport(
    "webhooks",
    {
      enqueueToFirstAttemptP50Ms: Number(at(0.5).toFixed(1)),
      enqueueToFirstAttemptP99Ms: Number(at(0.99).toFixed(1)),
      enqueueToFirstAttemptMaxMs: Number(latencies[latencies.length - 1]!.toFixed(1)),
      rate: RATE,
      publishedPerSecAchieved: Math.round(total / publishSeconds),
      allDelivered: complete && backlogComplete,
      deliveredPerSec: Math.round(BACKLOG / backlogSeconds),
      attempts: Number(attempts[0]?.n),
      concurrency: CONCURRENCY,
    },
    [
      "targets: enqueueToFirstAttemptP99Ms <= 1000 at 1,000 events/s",
      `open loop: ${total} events, each published in its own transaction; latency from its commit to the local receiver getting attempt 1 (webhook-id)`,
      `deliveredPerSec: ${BACKLOG} messages published at once (100 transactions at a time), until the last arrived; publishing time included`,
      `one dispatcher with up to ${CONCURRENCY} attempts in flight; publisher, dispatcher and receiver share this process, Postgres is embedded`,
      machineNote(),
    ],
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
