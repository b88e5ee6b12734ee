import type { Knex } from "knex";
import { Logger, run, runOnce, type Runner, type TaskList } from "graphile-worker";
import type { Logger as Pino } from "pino";
import { systemAuditContext, recordAudit } from "../audit/service.js";
import type { PushDelivery } from "../notifications/delivery.js";
import { sendNotifications } from "../notifications/service.js";
import { memberById } from "./directory.js";
import { SHIFT_REMINDER_TASK } from "./reminders.js";

/**
 * The shifts worker (graphile-worker, the same queue in Postgres as notifications and mail).
 * The API process runs it (server.ts); tests call `runShiftJobsOnce`.
 *
 * - shifts_sweep, every minute (cron) and on demand: sign-ups still SCHEDULED or CONFIRMED
 *   once their shift started more than the edition's grace period ago become NO_SHOW (which
 *   frees the place and counts against the member's no-show limit); IN_PROGRESS ones whose
 *   shift has ended become COMPLETED. Idempotent: a second run finds nothing to do.
 * - shift_reminder { signupId }: pushes "your shift starts at ..." to the member through the
 *   notifications module (its log keeps one entry per device, so a retry never pushes twice).
 */
export const SHIFT_SWEEP_TASK = "shifts_sweep";

export async function sweepShifts(db: Knex, now = new Date()): Promise<{ noShows: number; completed: number }> {
  return db.transaction(async (trx) => {
    const { rows: noShows } = await trx.raw<{ rows: Array<{ id: string; member_id: string; shift_id: string }> }>(
      `update shift_signups su set status = 'NO_SHOW', no_show_at = ?
         from shifts sh left join shift_settings st on st.edition_id = sh.edition_id
        where sh.id = su.shift_id and su.status in ('SCHEDULED', 'CONFIRMED')
          and su.starts_at + make_interval(mins => coalesce(st.no_show_grace_minutes, 15)) <= ?
        returning su.id, su.member_id, su.shift_id`,
      [now, now],
    );
    const { rowCount: completed } = await trx.raw(
      "update shift_signups set status = 'COMPLETED', checked_out_at = ends_at where status = 'IN_PROGRESS' and ends_at <= ?",
      [now],
    );
    const ctx = systemAuditContext();
    for (const r of noShows) {
      await recordAudit(trx, ctx, {
        action: "shift_signup.no_show",
        entityType: "shift_signup",
        entityId: r.id,
        after: { memberId: r.member_id, shiftId: r.shift_id },
      });
    }
    return { noShows: noShows.length, completed: completed ?? 0 };
  });
}

/** Queues a sweep now (tests, an operator); the cron runs one every minute anyway. */
export async function enqueueShiftSweep(db: Knex): Promise<void> {
  await db.raw("select graphile_worker.add_job(?, '{}'::json, job_key => ?)", [SHIFT_SWEEP_TASK, SHIFT_SWEEP_TASK]);
}

export async function remindSignup(db: Knex, delivery: PushDelivery, signupId: string) {
  const signup: { id: string; member_id: string; status: string; starts_at: Date; title: string; edition_id: string } | undefined = await db(
    "shift_signups as su",
  )
    .join("shifts as s", "s.id", "su.shift_id")
    .where("su.id", signupId)
    .first("su.id", "su.member_id", "su.status", "su.starts_at", "s.title", "su.edition_id");
  if (!signup || !["SCHEDULED", "CONFIRMED"].includes(signup.status) || signup.starts_at <= new Date()) return null;
  const member = await memberById(db, signup.member_id);
  if (!member || member.status !== "active") return null;
  const minutes = Math.max(0, Math.round((signup.starts_at.getTime() - Date.now()) / 60_000));
  return sendNotifications(
    db,
    delivery,
    { kind: "shift_reminder", reference: `shift_signup:${signupId}` },
    new Map([
      [
        member.user_id,
        {
          title: `Your shift starts in ${minutes} minutes`,
          body: `${signup.title}, ${signup.starts_at.toISOString().slice(0, 16).replace("T", " ")} UTC`,
          data: { kind: "shift_reminder", signupId, editionId: signup.edition_id, startsAt: signup.starts_at.toISOString() },
        },
      ],
    ]),
  );
}

export function shiftTasks(db: Knex, delivery: PushDelivery, log?: Pino): TaskList {
  return {
    [SHIFT_SWEEP_TASK]: async () => {
      const result = await sweepShifts(db);
      if (result.noShows || result.completed) log?.info(result, "shift sweep");
    },
    [SHIFT_REMINDER_TASK]: async (payload) => {
      await remindSignup(db, delivery, (payload as { signupId: string }).signupId);
    },
  };
}

const workerLogger = (log?: Pino) =>
  new Logger((scope) => (level, message, meta) => {
    if (!log) return;
    const fn = level === "error" ? log.error.bind(log) : level === "warning" ? log.warn.bind(log) : log.debug.bind(log);
    fn({ scope, ...meta }, message);
  });

export function startShiftWorker(opts: { connectionString: string; db: Knex; delivery: PushDelivery; log?: Pino }): Promise<Runner> {
  return run({
    connectionString: opts.connectionString,
    concurrency: 1,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(opts.log),
    taskList: shiftTasks(opts.db, opts.delivery, opts.log),
    crontab: `* * * * * ${SHIFT_SWEEP_TASK}`,
  });
}

/** Runs every due shift job to completion, then returns (tests). */
export function runShiftJobsOnce(opts: { connectionString: string; db: Knex; delivery: PushDelivery }): Promise<void> {
  return runOnce({ connectionString: opts.connectionString, logger: workerLogger(), taskList: shiftTasks(opts.db, opts.delivery) });
}
