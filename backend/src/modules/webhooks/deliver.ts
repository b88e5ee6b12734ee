import type { Knex } from "knex";
import type { Logger } from "pino";
import { newId } from "../../../../lib/ids.js";
import type { DataBox } from "../../security/encryption.js";
import { recordAudit, systemAuditContext } from "../audit/service.js";
import { queueEmail } from "../mail/service.js";
import { EgressError, postJson, type EgressPolicy, type EgressResponse } from "./egress.js";
import { SECRET_CONTEXT, WebhookAttempt, WebhookDelivery, WebhookEndpoint } from "./models.js";
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

/** A claimed delivery is leased for this long: a dispatcher that dies mid-attempt leaves it due again after it. */
export const LEASE_MS = 60_000;

/**
 * Claims up to `limit` due deliveries, oldest first, and reads what their requests need, in
 * one statement (one round trip on the dispatcher's bookkeeping connections, see dispatch.ts): SKIP LOCKED so dispatchers in every API process share the work without
 * taking the same delivery, the attempt number counted, and the lease written as the next
 * attempt's time (a finished attempt overwrites it).
 */
export async function claimDue(db: Knex, limit: number): Promise<Claimed[]> {
  const { rows } = await db.raw<{ rows: Claimed[] }>(
    `update webhook_deliveries d set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
       from webhook_endpoints e, webhook_messages m
      where d.id in (select id from webhook_deliveries where status = 'pending' and next_attempt_at <= now()
                      order by next_attempt_at limit ? for update skip locked)
        and e.id = d.endpoint_id and m.id = d.message_id
     returning d.id as delivery_id, d.attempts as attempt, d.message_id, e.id as endpoint_id, e.organization_id, e.url, e.secret_encrypted,
               e.previous_secret_encrypted, e.previous_secret_expires_at, e.disabled_at, m.payload::text as body`,
    [LEASE_MS / 1000, limit],
  );
  return rows;
}

/**
 * One attempt of a claimed delivery: signed, sent outside any transaction, then recorded
 * with the delivery's new state and the endpoint's failure streak. 2xx: delivered. 410: the
 * endpoint is disabled. Otherwise the retry schedule (Retry-After on 429 and 503), then failed.
 */
export async function attemptDelivery(deps: DeliveryDeps & { successes: SuccessWriter }, claimed: Claimed): Promise<void> {
  const { db } = deps;
  const deliveryId = claimed.delivery_id;
  if (claimed.disabled_at) {
    await WebhookDelivery.query(db).findById(deliveryId).patch({ status: "failed", next_attempt_at: null, last_error: "endpoint disabled" });
    return;
  }
  const { attempt, body } = claimed;
  const startedAt = new Date();
  const headers = signedHeaders(webhookId(claimed.message_id), startedAt, body, secretsOf(deps.box, claimed, startedAt));
  let response: EgressResponse | undefined;
  let error: string | undefined;
  try {
    response = await postJson(claimed.url, headers, body, deps.egress);
  } catch (e) {
    error = e instanceof EgressError ? e.message : String(e);
  }
  const attemptRow = {
    id: newId(),
    delivery_id: deliveryId,
    attempt,
    started_at: startedAt,
    duration_ms: Date.now() - startedAt.getTime(),
    response_status: response?.status ?? null,
    response_excerpt: response ? response.body.slice(0, EXCERPT_CHARS) : null,
    error: error ?? (response && (response.status < 200 || response.status >= 300) ? `HTTP ${response.status}` : null),
  };
  if (response && response.status >= 200 && response.status < 300) await deps.successes.record(claimed.endpoint_id, attemptRow);
  else await recordFailure(db, claimed, attemptRow, response);
  deps.log?.debug({ deliveryId, attempt, status: response?.status, error }, "webhook attempt");
}

export interface Claimed {
  delivery_id: string;
  attempt: number;
  message_id: string;
  endpoint_id: string;
  organization_id: string;
  url: string;
  secret_encrypted: Buffer;
  previous_secret_encrypted: Buffer | null;
  previous_secret_expires_at: Date | null;
  disabled_at: Date | null;
  body: string;
}

type AttemptRow = Pick<WebhookAttempt, "id" | "delivery_id" | "attempt" | "started_at" | "duration_ms" | "response_status" | "response_excerpt" | "error">;

/**
 * The hot path: successes are written many per statement (the attempts' log rows, the
 * deliveries done, the endpoints' failure streaks over). Each attempt waits for its write;
 * the writes of the attempts that finish while one is under way go together in the next.
 */
export class SuccessWriter {
  private pending: Array<{ endpointId: string; row: AttemptRow; done: () => void; failed: (e: unknown) => void }> = [];
  private writing: Promise<void> | undefined;

  constructor(private readonly db: Knex) {}

  record(endpointId: string, row: AttemptRow): Promise<void> {
    return new Promise((done, failed) => {
      this.pending.push({ endpointId, row, done, failed });
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // let the attempts finishing in this turn join
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 500);
      try {
        await writeSuccesses(this.db, batch);
        for (const b of batch) b.done();
      } catch (error) {
        for (const b of batch) b.failed(error);
      }
    }
    this.writing = undefined;
  }
}

async function writeSuccesses(db: Knex, batch: Array<{ endpointId: string; row: AttemptRow }>): Promise<void> {
  const rows = batch.map((b) => b.row);
  await db.raw(
    `with r as (
       select * from unnest(?::uuid[], ?::uuid[], ?::int[], ?::timestamptz[], ?::int[], ?::int[], ?::text[])
         as r(id, delivery_id, attempt, started_at, duration_ms, response_status, response_excerpt)),
     attempt as (
       insert into webhook_attempts (id, delivery_id, attempt, started_at, duration_ms, response_status, response_excerpt)
       select id, delivery_id, attempt, started_at, duration_ms, response_status, response_excerpt from r),
     delivery as (
       update webhook_deliveries d set status = 'succeeded', succeeded_at = now(), next_attempt_at = null, last_response_status = r.response_status, last_error = null
         from r where d.id = r.delivery_id)
     update webhook_endpoints set failing_since = null where id = any(?::uuid[]) and failing_since is not null`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.delivery_id),
      rows.map((r) => r.attempt),
      rows.map((r) => r.started_at.toISOString()),
      rows.map((r) => r.duration_ms),
      rows.map((r) => r.response_status ?? 0), // a success always has both
      rows.map((r) => r.response_excerpt ?? ""),
      [...new Set(batch.map((b) => b.endpointId))],
    ],
  );
}

/** A failed attempt: the next one on the schedule (Retry-After honoured on 429 and 503), or failed for good; 410 or a 5-day streak disables the endpoint. */
async function recordFailure(db: Knex, claimed: Claimed, a: AttemptRow, response: EgressResponse | undefined): Promise<void> {
  const gone = response?.status === 410;
  const retryAfter = response && (response.status === 429 || response.status === 503) ? headerText(response.headers["retry-after"]) : undefined;
  const delay = gone ? undefined : nextAttemptDelayMs(a.attempt, retryAfter);
  const nextAt = delay === undefined ? null : new Date(Date.now() + delay);
  await db.transaction(async (trx) => {
    await WebhookAttempt.query(trx).insert(a);
    await WebhookDelivery.query(trx)
      .findById(a.delivery_id)
      .patch({ status: nextAt ? "pending" : "failed", next_attempt_at: nextAt, last_response_status: response?.status ?? null, last_error: a.error });
    const streak: Array<{ failing_since: Date }> = await trx(WebhookEndpoint.tableName)
      .where({ id: claimed.endpoint_id })
      .update({ failing_since: trx.raw("coalesce(failing_since, now())") })
      .returning("failing_since");
    const failingSince = streak[0]?.failing_since;
    if (gone) await disableEndpoint(trx, claimed, "the endpoint answered 410 Gone");
    else if (failingSince && Date.now() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS)
      await disableEndpoint(trx, claimed, `every attempt failed since ${failingSince.toISOString()}`);
  });
}

function secretsOf(box: DataBox, endpoint: Pick<Claimed, "secret_encrypted" | "previous_secret_encrypted" | "previous_secret_expires_at">, at: Date): string[] {
  const secrets = [box.decrypt(endpoint.secret_encrypted, SECRET_CONTEXT)];
  if (endpoint.previous_secret_encrypted && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > at)
    secrets.push(box.decrypt(endpoint.previous_secret_encrypted, SECRET_CONTEXT));
  return secrets;
}

const headerText = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Disables an endpoint (its pending deliveries then fail at their next attempt) and mails the organization's owners. */
async function disableEndpoint(trx: Knex.Transaction, endpoint: Pick<Claimed, "endpoint_id" | "organization_id" | "url">, reason: string): Promise<void> {
  const changed = await WebhookEndpoint.query(trx)
    .findById(endpoint.endpoint_id)
    .whereNull("disabled_at")
    .patch({ disabled_at: new Date(), disabled_reason: reason });
  if (!changed) return;
  await recordAudit(trx, systemAuditContext(), {
    action: "webhook_endpoint.disabled",
    entityType: "webhook_endpoint",
    entityId: endpoint.endpoint_id,
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
      data: { endpointId: endpoint.endpoint_id, url: endpoint.url, reason },
    });
  }
}
