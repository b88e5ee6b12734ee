import { Logger, run, type Runner, type TaskList } from "graphile-worker";
import type { Knex } from "knex";
import type { Logger as Pino } from "pino";
import { startBackgroundLoop, type BackgroundLoop } from "../../../../lib/background-loop.js";
import type { OrderMachine } from "./machine.js";
import type { PaymentsService } from "./service.js";
import { ADVANCE_TASK } from "./service.js";

/**
 * The payments worker (graphile-worker, the queue in Postgres the mail and notification
 * workers use): the pump (`pumpWebhookEvents`, every 50 ms) queues `payment_order_advance` for
 * the orders of the webhooks stored since (job key = order id, so a burst of webhooks for one
 * order is one job), and the job runs the state machine until the order waits. A webhook
 * request thus does one insert; the pump claims events with SKIP LOCKED, so several API
 * processes pump without queueing one event twice. An order left waiting on the chain (minting) or mid-way (authorized, minted,
 * delivered, refunding) is queued again in 2 s.
 *
 * The recovery sweep runs at start and every `sweepIntervalMs`: it queues every unsettled
 * order (and every reservation past its time), which is how a process killed between
 * authorize and mint, or between mint and capture, finishes each order after a restart.
 */
const RETRY_STATUSES = new Set(["authorized", "minting", "minted", "delivered", "refunding"]);

export function paymentTasks(db: Knex, machine: OrderMachine, payments: PaymentsService): TaskList {
  return {
    [ADVANCE_TASK]: async (payload) => {
      const orderId = (payload as { orderId: string }).orderId;
      const status = await machine.advance(orderId);
      if (status === null) await payments.expireWithoutPayment(orderId);
      else if (RETRY_STATUSES.has(status)) {
        await db.raw(
          "select graphile_worker.add_job(?, json_build_object('orderId', ?::text), job_key => ?, run_at => now() + interval '2 seconds', max_attempts => 25)",
          [ADVANCE_TASK, orderId, orderId],
        );
      }
    },
  };
}

/** Queues the jobs of up to `limit` stored webhooks not queued yet (one transaction); returns how many events. */
export async function pumpWebhookEvents(db: Knex, limit = 500): Promise<number> {
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw(
      `with due as (select provider, event_id from payment_webhook_events where queued_at is null order by received_at limit ? for update skip locked)
       update payment_webhook_events e set queued_at = now() from due
        where e.provider = due.provider and e.event_id = due.event_id returning e.order_id`,
      [limit],
    );
    const orders = [...new Set((rows as Array<{ order_id: string }>).map((r) => r.order_id))];
    for (const id of orders) {
      await trx.raw("select graphile_worker.add_job(?, json_build_object('orderId', ?::text), job_key => ?, max_attempts => 25)", [ADVANCE_TASK, id, id]);
    }
    return rows.length;
  });
}

/** Queues every order the sweep should look at; returns how many. */
export async function sweepOrders(db: Knex, payments: PaymentsService): Promise<number> {
  const ids = await payments.unsettledOrders();
  for (const id of ids) {
    await db.raw(
      "select graphile_worker.add_job(?, json_build_object('orderId', ?::text), job_key => ?, job_key_mode => 'preserve_run_at', max_attempts => 25)",
      [ADVANCE_TASK, id, id],
    );
  }
  return ids.length;
}

export interface PaymentWorker {
  runner: Runner;
  sweep: BackgroundLoop<number>;
  stop(): Promise<void>;
}

export async function startPaymentWorker(opts: {
  connectionString: string;
  db: Knex;
  machine: OrderMachine;
  payments: PaymentsService;
  concurrency: number;
  log: Pino;
  sweepIntervalMs?: number;
}): Promise<PaymentWorker> {
  const runner = await run({
    connectionString: opts.connectionString,
    concurrency: opts.concurrency,
    noHandleSignals: true,
    pollInterval: 500,
    logger: new Logger((scope) => (level, message, meta) => {
      const fn = level === "error" ? opts.log.error.bind(opts.log) : level === "warning" ? opts.log.warn.bind(opts.log) : opts.log.debug.bind(opts.log);
      fn({ scope, ...meta }, message);
    }),
    taskList: paymentTasks(opts.db, opts.machine, opts.payments),
  });
  const pump = startBackgroundLoop(() => pumpWebhookEvents(opts.db), { intervalMs: 50, log: opts.log, failed: "payment webhook pump failed" });
  const sweep = startBackgroundLoop(() => sweepOrders(opts.db, opts.payments), {
    intervalMs: opts.sweepIntervalMs ?? 15_000,
    log: opts.log,
    failed: "payment recovery sweep failed",
  });
  await sweep.runNow().catch((error) => opts.log.error({ err: error }, "payment recovery sweep failed"));
  return {
    runner,
    sweep,
    stop: async () => {
      await pump.stop();
      await sweep.stop();
      await runner.stop();
    },
  };
}
