import type { Knex } from "knex";

/**
 * Shift reminders on the job queue (graphile-worker, in Postgres): a sign-up queues one for
 * `reminder_minutes` before its shift, in its own transaction (the job exists iff the sign-up
 * committed); leaving removes it. The job key makes a second enqueue move the first. The
 * shifts worker (jobs.ts) runs it and sends through the notifications module.
 */
export const SHIFT_REMINDER_TASK = "shift_reminder";

const jobKey = (signupId: string) => `${SHIFT_REMINDER_TASK}:${signupId}`;

export async function enqueueShiftReminder(trx: Knex.Transaction, signupId: string, runAt: Date): Promise<void> {
  await trx.raw("select graphile_worker.add_job(?, json_build_object('signupId', ?::text), run_at => ?, job_key => ?, max_attempts => 5)", [
    SHIFT_REMINDER_TASK,
    signupId,
    runAt,
    jobKey(signupId),
  ]);
}

export async function cancelShiftReminders(trx: Knex.Transaction, signupIds: string[]): Promise<void> {
  for (const id of signupIds) await trx.raw("select graphile_worker.remove_job(?)", [jobKey(id)]);
}
