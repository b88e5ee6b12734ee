import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { WebhookEventType } from "./event-types.js";

export const DELIVER_TASK = "webhook_deliver";

export interface WebhookEvent {
  organizationId: string;
  type: WebhookEventType;
  /** The `data` of the delivered body. */
  data: Record<string, unknown>;
  /** Says what this is an event of (an outbox fact, a schedule version): publishing the same source twice makes one message. */
  sourceKey: string;
  /** When it happened (the block's time for chain facts). */
  occurredAt?: Date;
}

/**
 * Publishes an event in the caller's transaction: the message, a delivery to each of the
 * organization's live endpoints subscribed to its type, and each delivery's first job. So
 * a rolled-back change delivers nothing and a committed one is delivered (jobs.ts). A
 * source published again (a retried consumer) changes nothing. Returns the message id,
 * or null when the source was already published.
 */
export async function publishWebhookEvent(trx: Knex.Transaction, event: WebhookEvent): Promise<string | null> {
  const id = newId();
  const body = { type: event.type, timestamp: (event.occurredAt ?? new Date()).toISOString(), data: event.data };
  // one round trip: the message (unless this source was published before) and the endpoints it goes to
  const { rows } = await trx.raw<{ rows: Array<{ inserted: boolean; endpoints: string[] }> }>(
    `with m as (
       insert into webhook_messages (id, organization_id, event_type, payload, source_key) values (?, ?, ?, ?, ?)
       on conflict (source_key) do nothing returning id)
     select exists (select 1 from m) as inserted,
            array(select e.id from webhook_endpoints e
                   where exists (select 1 from m) and e.organization_id = ? and e.disabled_at is null and e.event_types @> array[?]::text[]) as endpoints`,
    [id, event.organizationId, event.type, JSON.stringify(body), event.sourceKey, event.organizationId, event.type],
  );
  const { inserted, endpoints } = rows[0]!;
  if (!inserted) return null;
  if (endpoints.length === 0) return id;
  // and one more: the deliveries with their first jobs
  await trx.raw(
    `with d as (
       insert into webhook_deliveries (id, message_id, endpoint_id, next_attempt_at)
       select unnest(?::uuid[]), ?, unnest(?::uuid[]), now() returning id)
     select count(graphile_worker.add_job(?, json_build_object('deliveryId', d.id), job_key => ? || d.id || ':1', max_attempts => 3)) from d`,
    [endpoints.map(() => newId()), id, endpoints, DELIVER_TASK, `${DELIVER_TASK}:`],
  );
  return id;
}

/** Queues attempt number `attempt` of a delivery to run at `runAt` (graphile-worker, same transaction). */
export async function enqueueAttempt(trx: Knex | Knex.Transaction, deliveryId: string, attempt: number, runAt: Date): Promise<void> {
  await trx.raw("select graphile_worker.add_job(?, json_build_object('deliveryId', ?::text), run_at => ?, job_key => ?, max_attempts => 3)", [
    DELIVER_TASK,
    deliveryId,
    runAt.toISOString(),
    `${DELIVER_TASK}:${deliveryId}:${attempt}`,
  ]);
}
