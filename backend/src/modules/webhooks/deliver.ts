import type { Knex } from "knex";
import type { Logger } from "pino";
import { newId } from "../../../../lib/ids.js";
import type { DataBox } from "../../security/encryption.js";
import { recordAudit, systemAuditContext } from "../audit/service.js";
import { queueEmail } from "../mail/service.js";
import { EgressError, postJson, type EgressPolicy, type EgressResponse } from "./egress.js";
import { SECRET_CONTEXT, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage } from "./models.js";
import { enqueueAttempt } from "./publish.js";
import { nextAttemptDelayMs, signedHeaders } from "./signing.js";

export interface DeliveryDeps {
  db: Knex;
  box: DataBox;
  egress: EgressPolicy;
  log?: Logger;
}

/** An endpoint that has failed every attempt for this long is disabled and its owners are told. */
export const DISABLE_AFTER_FAILING_MS = 5 * 86_400_000;
const EXCERPT_CHARS = 1000;

/** The `webhook-id` of a message: the same on every attempt and replay. */
export const webhookId = (messageId: string) => `msg_${messageId.replaceAll("-", "")}`;

/**
 * One attempt of a delivery (the webhook_deliver job). The attempt number is claimed first
 * (a replay racing a retry gets its own number); the HTTP call runs outside any
 * transaction; then the attempt row, the delivery's new state, the endpoint's failure
 * streak and the next attempt's job are written together. 2xx: delivered. 410: the
 * endpoint is disabled. Otherwise the retry schedule (with Retry-After on 429 and 503),
 * then failed.
 */
export async function attemptDelivery(deps: DeliveryDeps, deliveryId: string): Promise<void> {
  const { db } = deps;
  const delivery = await WebhookDelivery.query(db).findById(deliveryId);
  if (!delivery || delivery.status !== "pending") return;
  const endpoint = await WebhookEndpoint.query(db).findById(delivery.endpoint_id);
  if (!endpoint || endpoint.disabled_at) {
    await WebhookDelivery.query(db)
      .findById(deliveryId)
      .where({ status: "pending" })
      .patch({ status: "failed", next_attempt_at: null, last_error: "endpoint disabled" });
    return;
  }
  const message = await WebhookMessage.query(db).findById(delivery.message_id);
  if (!message) return;
  const claimed: Array<{ attempts: number }> = await db(WebhookDelivery.tableName)
    .where({ id: deliveryId, status: "pending" })
    .increment("attempts", 1)
    .returning("attempts");
  const attempt = claimed[0]?.attempts;
  if (attempt === undefined) return;

  const startedAt = new Date();
  const body = JSON.stringify(message.payload);
  const headers = signedHeaders(webhookId(message.id), startedAt, body, secretsOf(deps.box, endpoint, startedAt));
  let response: EgressResponse | undefined;
  let error: string | undefined;
  try {
    response = await postJson(endpoint.url, headers, body, deps.egress);
  } catch (e) {
    error = e instanceof EgressError ? e.message : String(e);
  }
  const durationMs = Date.now() - startedAt.getTime();
  const ok = response !== undefined && response.status >= 200 && response.status < 300;
  const gone = response?.status === 410;
  const retryAfter = response && (response.status === 429 || response.status === 503) ? headerText(response.headers["retry-after"]) : undefined;
  const delay = ok || gone ? undefined : nextAttemptDelayMs(attempt, retryAfter);
  if (!ok && response && !error) error = `HTTP ${response.status}`;

  await db.transaction(async (trx) => {
    await WebhookAttempt.query(trx).insert({
      id: newId(),
      delivery_id: deliveryId,
      attempt,
      started_at: startedAt,
      duration_ms: durationMs,
      response_status: response?.status ?? null,
      response_excerpt: response ? response.body.slice(0, EXCERPT_CHARS) : null,
      error: error ?? null,
    });
    const nextAt = delay === undefined ? null : new Date(Date.now() + delay);
    await WebhookDelivery.query(trx)
      .findById(deliveryId)
      .patch({
        status: ok ? "succeeded" : nextAt ? "pending" : "failed",
        succeeded_at: ok ? new Date() : null,
        next_attempt_at: nextAt,
        last_response_status: response?.status ?? null,
        last_error: ok ? null : (error ?? null),
      });
    if (nextAt) await enqueueAttempt(trx, deliveryId, attempt + 1, nextAt);
    if (ok) {
      await WebhookEndpoint.query(trx).findById(endpoint.id).whereNotNull("failing_since").patch({ failing_since: null });
      return;
    }
    const streak: Array<{ failing_since: Date }> = await trx(WebhookEndpoint.tableName)
      .where({ id: endpoint.id })
      .update({ failing_since: trx.raw("coalesce(failing_since, now())") })
      .returning("failing_since");
    const failingSince = streak[0]?.failing_since;
    if (gone) await disableEndpoint(trx, endpoint, "the endpoint answered 410 Gone");
    else if (failingSince && Date.now() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS)
      await disableEndpoint(trx, endpoint, `every attempt failed since ${failingSince.toISOString()}`);
  });
  deps.log?.debug({ deliveryId, attempt, status: response?.status, error, durationMs }, "webhook attempt");
}

function secretsOf(box: DataBox, endpoint: WebhookEndpoint, at: Date): string[] {
  const secrets = [box.decrypt(endpoint.secret_encrypted, SECRET_CONTEXT)];
  if (endpoint.previous_secret_encrypted && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > at)
    secrets.push(box.decrypt(endpoint.previous_secret_encrypted, SECRET_CONTEXT));
  return secrets;
}

const headerText = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Disables an endpoint (its pending deliveries then fail at their next attempt) and mails the organization's owners. */
async function disableEndpoint(trx: Knex.Transaction, endpoint: WebhookEndpoint, reason: string): Promise<void> {
  const changed = await WebhookEndpoint.query(trx).findById(endpoint.id).whereNull("disabled_at").patch({ disabled_at: new Date(), disabled_reason: reason });
  if (!changed) return;
  await recordAudit(trx, systemAuditContext(), {
    action: "webhook_endpoint.disabled",
    entityType: "webhook_endpoint",
    entityId: endpoint.id,
    organizationId: endpoint.organization_id,
    after: { url: endpoint.url, reason },
  });
  const owners: Array<{ email: string }> = await trx("organization_member_roles as m")
    .join("user_accounts as u", "u.id", "m.user_id")
    .where({ "m.organization_id": endpoint.organization_id, "m.role": "owner" })
    .whereNull("u.deleted_at")
    .select("u.email");
  for (const owner of owners) {
    await queueEmail(trx, {
      to: owner.email,
      template: "webhook_endpoint_disabled",
      subject: "A webhook endpoint was disabled",
      body: `Deliveries to ${endpoint.url} have stopped: ${reason}. Fix the endpoint, enable it again and replay what it missed.`,
      data: { endpointId: endpoint.id, url: endpoint.url, reason },
    });
  }
}
