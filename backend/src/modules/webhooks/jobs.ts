import type { Knex } from "knex";
import { Logger, run, runOnce, type Runner, type TaskList } from "graphile-worker";
import type { Logger as Pino } from "pino";
import { attemptDelivery, type DeliveryDeps } from "./deliver.js";
import { DELIVER_TASK } from "./publish.js";

export const PURGE_TASK = "webhook_purge";
/** The delivery log (messages, deliveries, attempts) is kept this long. */
export const DELIVERY_LOG_RETENTION_DAYS = 30;

/** Deletes messages older than the retention, with their deliveries and attempts (cascade). Returns how many. */
export async function purgeDeliveryLog(db: Knex, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - DELIVERY_LOG_RETENTION_DAYS * 86_400_000);
  return db("webhook_messages").where("created_at", "<", cutoff).delete();
}

/** webhook_deliver { deliveryId }: one attempt (deliver.ts). webhook_purge: the delivery log's retention, hourly. */
export function webhookTasks(deps: DeliveryDeps): TaskList {
  return {
    [DELIVER_TASK]: async (payload) => attemptDelivery(deps, (payload as { deliveryId: string }).deliveryId),
    [PURGE_TASK]: async () => {
      const removed = await purgeDeliveryLog(deps.db);
      if (removed) deps.log?.info({ removed }, "webhook delivery log purged");
    },
  };
}

const workerLogger = (log?: Pino) =>
  new Logger((scope) => (level, message, meta) => {
    if (!log) return;
    const fn = level === "error" ? log.error.bind(log) : level === "warning" ? log.warn.bind(log) : log.debug.bind(log);
    fn({ scope, ...meta }, message);
  });

/** Starts the delivery worker in this process (any number of processes may run one); `runner.stop()` on shutdown. */
export function startWebhookWorker(opts: DeliveryDeps & { connectionString: string; concurrency: number }): Promise<Runner> {
  return run({
    connectionString: opts.connectionString,
    concurrency: opts.concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(opts.log),
    taskList: webhookTasks(opts),
    crontab: `0 * * * * ${PURGE_TASK}`,
    // batches: jobs fetched and completed many per round trip (deliveries are short and many)
    preset: { worker: { localQueue: { size: opts.concurrency * 2 }, completeJobBatchDelay: 1, failJobBatchDelay: 1 } },
  });
}

/** Runs every due job to completion, then returns (tests). */
export function runWebhookJobsOnce(opts: DeliveryDeps & { connectionString: string }): Promise<void> {
  return runOnce({ connectionString: opts.connectionString, logger: workerLogger(), taskList: webhookTasks(opts) });
}
