import type { Knex } from "knex";
import { run, runOnce, type Runner, type TaskList } from "graphile-worker";
import type { PushDelivery } from "../notifications/delivery.js";
import { sendNotifications } from "../notifications/service.js";
import { artistExists } from "../organizations/company-service.js";
import { withTenant } from "../organizations/tenant.js";

/**
 * production_reminder { companyId, sessionId, artistId, lead }: "your rehearsal starts in
 * 24 h / 2 h", pushed through the notifications module (its log keeps one entry per device
 * and reference, so a retried job never pushes twice). Skipped when the assignment is no
 * longer confirmed or the session was cancelled.
 */
export const PRODUCTION_REMINDER_TASK = "production_reminder";

interface ReminderPayload {
  companyId: string;
  sessionId: string;
  artistId: string;
  lead: string;
}

export async function remindSession(db: Knex, delivery: PushDelivery, p: ReminderPayload) {
  const target = await withTenant(db, p.companyId, async (trx) => {
    const row = await trx("production_sessions as s")
      .join("production_schedule_items as i", "i.id", "s.item_id")
      .join("production_assignments as a", (j) => j.on("a.item_id", "i.id").andOnVal("a.artist_id", p.artistId))
      .where("s.id", p.sessionId)
      .where("s.status", "scheduled")
      .where("a.status", "confirmed")
      .first("s.starts_at", "i.title", "i.kind");
    const artist = row && (await artistExists(trx, p.artistId));
    return row && artist ? { ...row, user_id: artist.user_id } : undefined;
  });
  if (!target || target.starts_at <= new Date()) return null;
  return sendNotifications(
    db,
    delivery,
    { kind: "production_reminder", reference: `production_session:${p.sessionId}:${p.lead}` },
    new Map([
      [
        target.user_id as string,
        {
          title: `${target.title} starts in ${p.lead === "24h" ? "24 hours" : "2 hours"}`,
          body: `${String(target.kind).replace("_", " ")}, ${target.starts_at.toISOString().slice(0, 16).replace("T", " ")} UTC`,
          data: { kind: "production_reminder", sessionId: p.sessionId, companyId: p.companyId, startsAt: target.starts_at.toISOString() },
        },
      ],
    ]),
  );
}

export function productionTasks(db: Knex, delivery: PushDelivery): TaskList {
  return {
    [PRODUCTION_REMINDER_TASK]: async (payload) => {
      await remindSession(db, delivery, payload as ReminderPayload);
    },
  };
}

export function startProductionWorker(opts: { connectionString: string; db: Knex; delivery: PushDelivery }): Promise<Runner> {
  return run({
    connectionString: opts.connectionString,
    concurrency: 1,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: productionTasks(opts.db, opts.delivery),
  });
}

/** Runs every due production job, then returns (tests). */
export function runProductionJobsOnce(opts: { connectionString: string; db: Knex; delivery: PushDelivery }): Promise<void> {
  return runOnce({ connectionString: opts.connectionString, taskList: productionTasks(opts.db, opts.delivery) });
}
