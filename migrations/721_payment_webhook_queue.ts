import type { Knex } from "knex";

/**
 * A verified webhook is stored and answered; the payments worker's pump (payments/jobs.ts)
 * queues its order's job later, many at a time (queued_at), so the request does one insert
 * and no job-queue call.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payment_webhook_events add column queued_at timestamptz;
    create index ix_payment_webhook_events_unqueued on payment_webhook_events (received_at) where queued_at is null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop index ix_payment_webhook_events_unqueued; alter table payment_webhook_events drop column queued_at;");
}
