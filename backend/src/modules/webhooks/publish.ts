import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { WebhookEventType } from "./event-types.js";

/** Postgres notification channel: deliveries became due (the dispatchers listen). */
export const DUE_CHANNEL = "webhook_deliveries_due";

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
 * Publishes an event in the caller's transaction: the message and a delivery, due now, to
 * each of the organization's live endpoints subscribed to its type (dispatch.ts). So
 * a rolled-back change delivers nothing and a committed one is delivered (dispatch.ts). A
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
  // and one more: the deliveries, due now (the dispatchers, woken by the notification at commit, claim them)
  await trx.raw(
    `with d as (
       insert into webhook_deliveries (id, message_id, endpoint_id, next_attempt_at)
       select unnest(?::uuid[]), ?, unnest(?::uuid[]), now() returning id)
     select count(*), pg_notify(?, '') from d`,
    [endpoints.map(() => newId()), id, endpoints, DUE_CHANNEL],
  );
  return id;
}

/** Makes a delivery due at `at` (a retry, or a replay now); a delivery due now wakes the dispatchers. */
export async function scheduleAttempt(trx: Knex | Knex.Transaction, deliveryId: string, at: Date): Promise<void> {
  await trx("webhook_deliveries").where({ id: deliveryId }).update({ status: "pending", next_attempt_at: at });
  if (at.getTime() <= Date.now()) await trx.raw("select pg_notify(?, '')", [DUE_CHANNEL]);
}
