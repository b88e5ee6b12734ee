import type { Knex } from "knex";
import { Logger, run, runOnce, type Runner, type TaskList } from "graphile-worker";
import type { Logger as Pino } from "pino";
import { attendeesWithEngagements } from "../personal-schedules/service.js";
import { versionChanges } from "../schedule/service.js";
import type { PushDelivery, PushMessage } from "./delivery.js";
import { SCHEDULE_CHANGE_TASK } from "../schedule/change-job.js";
import { sendToUsers } from "./service.js";

/**
 * The notification worker (graphile-worker, queue in Postgres). The API process runs it
 * (server.ts); tests call `runNotificationJobsOnce`.
 *
 * notify_schedule_change { scheduleVersionId }: notifies exactly the attendees whose
 * personal schedule holds a performance the version moved or cancelled, one message each
 * naming their affected picks, on every live device (or logs that they have none).
 */
export function notificationTasks(db: Knex, delivery: PushDelivery, log?: Pino): TaskList {
  return {
    [SCHEDULE_CHANGE_TASK]: async (payload) => {
      const { scheduleVersionId } = payload as { scheduleVersionId: string };
      const changes = await versionChanges(db, scheduleVersionId);
      if (!changes) return; // nothing to do for a version that does not exist (never published)
      const changed = new Map([
        ...changes.diff.moved.map((m) => [m.engagementId, m] as const),
        ...changes.diff.cancelled.map((c) => [c.engagementId, c] as const),
      ]);
      const attendees = await attendeesWithEngagements(db, changes.editionId, [...changed.keys()]);
      const messages = new Map<string, PushMessage>();
      for (const [userId, engagementIds] of attendees) {
        const lines = engagementIds.map((id) => {
          const c = changed.get(id)!;
          return c.to ? `${c.artistName} moved to ${c.to.stageName}, ${c.to.startsAtLocal.slice(0, 16).replace("T", " ")}` : `${c.artistName} is cancelled`;
        });
        messages.set(userId, {
          title: `${changes.festivalName}: schedule changed`,
          body: lines.join("; "),
          data: { kind: "schedule_changed", editionId: changes.editionId, scheduleVersion: changes.number, engagementIds },
        });
      }
      const stats = await sendToUsers(db, delivery, scheduleVersionId, messages);
      log?.info({ scheduleVersionId, attendees: messages.size, ...stats }, "schedule change notifications sent");
    },
  };
}

const workerLogger = (log?: Pino) =>
  new Logger((scope) => (level, message, meta) => {
    if (!log) return;
    const fn = level === "error" ? log.error.bind(log) : level === "warning" ? log.warn.bind(log) : log.debug.bind(log);
    fn({ scope, ...meta }, message);
  });

/** Starts the worker in this process; `runner.stop()` on shutdown. */
export function startNotificationWorker(opts: {
  connectionString: string;
  db: Knex;
  delivery: PushDelivery;
  log?: Pino;
  concurrency?: number;
}): Promise<Runner> {
  return run({
    connectionString: opts.connectionString,
    concurrency: opts.concurrency ?? 2,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(opts.log),
    taskList: notificationTasks(opts.db, opts.delivery, opts.log),
  });
}

/** Runs every queued job to completion, then returns (tests, one-off scripts). */
export function runNotificationJobsOnce(opts: { connectionString: string; db: Knex; delivery: PushDelivery }): Promise<void> {
  return runOnce({ connectionString: opts.connectionString, logger: workerLogger(), taskList: notificationTasks(opts.db, opts.delivery) });
}
