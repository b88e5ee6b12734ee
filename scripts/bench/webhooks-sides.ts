import http from "node:http";
import { createApiKnex } from "../../lib/database.js";
import { newId } from "../../lib/ids.js";
import { webhookId } from "../../backend/src/modules/webhooks/deliver.js";
import { publishWebhookEvent } from "../../backend/src/modules/webhooks/publish.js";

/**
 * The two sides of bench:webhooks that are not the platform, each in a process of its own
 * (forked by webhooks.ts) so neither's CPU is charged to the dispatcher and the publisher can
 * keep its rate: `publish` commits events as a domain module does, `receive` is the
 * subscriber's endpoint. Times are wall-clock milliseconds with sub-millisecond resolution
 * (performance.timeOrigin + performance.now()), comparable across processes on one machine.
 */

export type PublishJob = { url: string; organizationId: string } & ({ mode: "open"; rate: number; seconds: number } | { mode: "backlog"; count: number });
export interface PublishResult {
  /** webhook-id -> commit time */
  committed: Array<[string, number]>;
  seconds: number;
}
/** receive side: "wait" answers once `count` distinct ids arrived or `timeoutMs` passed; "reset" forgets them */
export type ReceiveRequest = { op: "wait"; count: number; timeoutMs: number } | { op: "reset" };
export interface ReceiveAnswer {
  arrived: Array<[string, number]>;
  complete: boolean;
}

const now = () => performance.timeOrigin + performance.now();
const TICK_MS = 10;

async function publish(job: PublishJob): Promise<PublishResult> {
  const db = await createApiKnex(job.url);
  const committed: Array<[string, number]> = [];
  const publishOne = async (i: number) => {
    const id = await db.transaction((trx) =>
      publishWebhookEvent(trx, {
        organizationId: job.organizationId,
        type: "ticket.purchased",
        data: { firstTokenId: String(i), quantity: "1" },
        sourceKey: `bench:${newId()}`,
      }),
    );
    committed.push([webhookId(id!), now()]);
  };
  const started = now();
  if (job.mode === "open") {
    // open loop: batches TICK_MS apart, each started on schedule whether the last one finished or not
    const total = job.rate * job.seconds;
    const perTick = (job.rate * TICK_MS) / 1000;
    const inFlight: Array<Promise<void>> = [];
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((now() - started) / 1000) * job.rate) + perTick);
      for (; sent < due; sent++) inFlight.push(publishOne(sent));
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    await Promise.all(inFlight);
  } else {
    for (let i = 0; i < job.count; i += 100) await Promise.all(Array.from({ length: Math.min(100, job.count - i) }, (_, j) => publishOne(i + j)));
  }
  const seconds = (now() - started) / 1000;
  await db.destroy();
  return { committed, seconds };
}

function receive(): void {
  const arrived = new Map<string, number>();
  let waiter: { count: number; done: () => void } | undefined;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      if (!arrived.has(id)) arrived.set(id, now());
      res.writeHead(204).end();
      if (waiter && arrived.size >= waiter.count) waiter.done();
    });
  });
  server.listen(0, "127.0.0.1", () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on("message", (m: ReceiveRequest) => {
    if (m.op === "reset") return void arrived.clear();
    const answer = (complete: boolean) => process.send!({ arrived: [...arrived], complete } satisfies ReceiveAnswer);
    if (arrived.size >= m.count) return answer(true);
    const timer = setTimeout(() => answer(false), m.timeoutMs);
    waiter = {
      count: m.count,
      done: () => {
        waiter = undefined;
        clearTimeout(timer);
        answer(true);
      },
    };
  });
}

const [role, arg] = process.argv.slice(2);
if (role === "receive") receive();
else if (role === "publish")
  publish(JSON.parse(arg!) as PublishJob).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
