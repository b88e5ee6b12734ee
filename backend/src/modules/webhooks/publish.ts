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
  const inserted = await trx("webhook_messages")
    .insert({ id, organization_id: event.organizationId, event_type: event.type, payload: body, source_key: event.sourceKey })
    .onConflict("source_key")
    .ignore()
    .returning("id");
  if (inserted.length === 0) return null;
  const endpoints: Array<{ id: string }> = await trx("webhook_endpoints")
    .where({ organization_id: event.organizationId })
    .whereNull("disabled_at")
    .whereRaw("event_types @> array[?]::text[]", [event.type])
    .select("id");
  if (endpoints.length === 0) return id;
  const rows = endpoints.map((e) => ({ id: newId(), message_id: id, endpoint_id: e.id, next_attempt_at: new Date() }));
  await trx("webhook_deliveries").insert(rows);
  for (const delivery of rows) await enqueueAttempt(trx, delivery.id, 1, new Date());
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
