import type { Knex } from "knex";

/**
 * The job a schedule publication leaves on the queue. The schedule owns it (publishing
 * enqueues it); the notifications module runs it, so notifications depends on the
 * schedule and not the other way round.
 */
export const SCHEDULE_CHANGE_TASK = "notify_schedule_change";

/**
 * Queues the notification job inside the caller's transaction (graphile-worker's queue is
 * in Postgres): the job exists iff the publication committed. The job key makes a second
 * enqueue for the same version a no-op.
 */
export async function enqueueScheduleChangeNotifications(trx: Knex.Transaction, scheduleVersionId: string): Promise<void> {
  await trx.raw("select graphile_worker.add_job(?, json_build_object('scheduleVersionId', ?::text), job_key => ?, max_attempts => 10)", [
    SCHEDULE_CHANGE_TASK,
    scheduleVersionId,
    `${SCHEDULE_CHANGE_TASK}:${scheduleVersionId}`,
  ]);
}
