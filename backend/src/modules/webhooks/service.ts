import type { Knex } from "knex";
import net from "node:net";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError, notFound } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import type { DataBox } from "../../security/encryption.js";
import { insertAudited, updateAudited } from "../audit/audited-writes.js";
import { recordAudit } from "../audit/service.js";
import { assertOrganizationAccess } from "../organizations/access.js";
import { webhookId } from "./deliver.js";
import { isPrivateAddress } from "./egress.js";
import { SECRET_CONTEXT, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage } from "./models.js";
import { scheduleAttempt } from "./publish.js";
import { newSecret } from "./signing.js";
import type { z } from "../../http/zod.js";
import type { CreateEndpointBody, ReplayRangeBody, UpdateEndpointBody } from "./schemas.js";

export interface WebhookSettings {
  box: DataBox;
  allowPrivateTargets: boolean;
}

/** A replay of a time range re-sends at most this many deliveries per request. */
const MAX_REPLAY = 10_000;

const iso = (d: Date | null) => d?.toISOString() ?? null;

function endpointDto(e: WebhookEndpoint) {
  return {
    id: e.id,
    organizationId: e.organization_id,
    url: e.url,
    description: e.description,
    eventTypes: e.event_types,
    enabled: e.disabled_at === null,
    disabledAt: iso(e.disabled_at),
    disabledReason: e.disabled_reason,
    failingSince: iso(e.failing_since),
    previousSecretExpiresAt: iso(e.previous_secret_expires_at),
    createdAt: e.created_at.toISOString(),
  };
}

const target = (e: Pick<WebhookEndpoint, "organization_id">) => ({ entityType: "webhook_endpoint", organizationId: e.organization_id, festivalId: null });

/** Refuses, up front and by field, what the delivery path would refuse anyway (egress.ts checks again at connect time). */
function assertDeliverableUrl(url: string, settings: WebhookSettings): void {
  if (settings.allowPrivateTargets) return;
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const field = (message: string) => [{ field: "body.url", message }];
  if (parsed.protocol !== "https:") throw new HttpError(400, "invalid_input", "webhook endpoints must use https://", field("must be https://"));
  if (host === "localhost" || host.endsWith(".localhost") || (net.isIP(host) && isPrivateAddress(host)))
    throw new HttpError(
      422,
      "webhook_url_private",
      `${host} is a private or loopback address: deliveries only go to the public internet`,
      field("private address"),
    );
}

/** An endpoint the principal may manage (organization admin), or the same 404 whether it exists elsewhere or not at all. */
async function managedEndpoint(db: Knex | Knex.Transaction, principal: Principal, endpointId: string, lock = false): Promise<WebhookEndpoint> {
  const query = WebhookEndpoint.query(db).findById(endpointId);
  const endpoint = await (lock ? query.forUpdate() : query);
  if (!endpoint) throw notFound("webhook_endpoint", endpointId);
  try {
    await assertOrganizationAccess(db, principal, endpoint.organization_id, "admin");
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw notFound("webhook_endpoint", endpointId);
    throw error;
  }
  return endpoint;
}

export async function createEndpoint(
  db: Knex,
  settings: WebhookSettings,
  principal: Principal,
  ctx: AuditContext,
  organizationId: string,
  body: z.output<typeof CreateEndpointBody>,
) {
  await assertOrganizationAccess(db, principal, organizationId, "admin");
  assertDeliverableUrl(body.url, settings);
  const secret = newSecret();
  const endpoint = await db.transaction((trx) =>
    insertAudited(
      trx,
      ctx,
      WebhookEndpoint,
      {
        organization_id: organizationId,
        url: body.url,
        description: body.description ?? "",
        event_types: body.eventTypes,
        secret_encrypted: settings.box.encrypt(secret, SECRET_CONTEXT),
      },
      { entityType: "webhook_endpoint", organizationId, festivalId: null },
    ),
  );
  return { ...endpointDto(endpoint), secret };
}

export async function listEndpoints(db: Knex, principal: Principal, organizationId: string, page: PageQuery) {
  await assertOrganizationAccess(db, principal, organizationId, "admin");
  return paginate(
    WebhookEndpoint.query(db).where({ organization_id: organizationId }).toKnexQuery(),
    page,
    { column: "created_at", order: "asc" },
    (r: object) => endpointDto(WebhookEndpoint.fromDatabaseJson(r)),
  );
}

export async function getEndpoint(db: Knex, principal: Principal, endpointId: string) {
  return endpointDto(await managedEndpoint(db, principal, endpointId));
}

export async function updateEndpoint(
  db: Knex,
  settings: WebhookSettings,
  principal: Principal,
  ctx: AuditContext,
  endpointId: string,
  body: z.output<typeof UpdateEndpointBody>,
) {
  if (body.url) assertDeliverableUrl(body.url, settings);
  return db.transaction(async (trx) => {
    const endpoint = await managedEndpoint(trx, principal, endpointId, true);
    const changes: Partial<WebhookEndpoint> = {};
    if (body.url !== undefined) changes.url = body.url;
    if (body.description !== undefined) changes.description = body.description;
    if (body.eventTypes !== undefined) changes.event_types = body.eventTypes;
    if (body.enabled === true && endpoint.disabled_at) Object.assign(changes, { disabled_at: null, disabled_reason: null, failing_since: null });
    if (body.enabled === false && !endpoint.disabled_at) Object.assign(changes, { disabled_at: new Date(), disabled_reason: "disabled by its organization" });
    if (Object.keys(changes).length === 0) return endpointDto(endpoint);
    return endpointDto(await updateAudited(trx, ctx, WebhookEndpoint, endpointId, changes, target(endpoint)));
  });
}

export async function deleteEndpoint(db: Knex, principal: Principal, ctx: AuditContext, endpointId: string): Promise<void> {
  await db.transaction(async (trx) => {
    const endpoint = await managedEndpoint(trx, principal, endpointId, true);
    await WebhookEndpoint.query(trx).deleteById(endpointId);
    await recordAudit(trx, ctx, {
      ...target(endpoint),
      action: "webhook_endpoint.deleted",
      entityId: endpointId,
      before: { url: endpoint.url, event_types: endpoint.event_types },
    });
  });
}

/** A new secret; the current one keeps signing beside it for `graceHours` (both in webhook-signature). */
export async function rotateSecret(db: Knex, settings: WebhookSettings, principal: Principal, ctx: AuditContext, endpointId: string, graceHours: number) {
  const secret = newSecret();
  const endpoint = await db.transaction(async (trx) => {
    const current = await managedEndpoint(trx, principal, endpointId, true);
    const graceEnds = new Date(Date.now() + graceHours * 3_600_000);
    return updateAudited(
      trx,
      ctx,
      WebhookEndpoint,
      endpointId,
      {
        secret_encrypted: settings.box.encrypt(secret, SECRET_CONTEXT),
        previous_secret_encrypted: graceHours > 0 ? current.secret_encrypted : null,
        previous_secret_expires_at: graceHours > 0 ? graceEnds : null,
      },
      target(current),
      "secret_rotated",
    );
  });
  return { ...endpointDto(endpoint), secret };
}

type DeliveryRow = WebhookDelivery & { event_type: string };

function deliveryDto(d: DeliveryRow) {
  return {
    id: d.id,
    messageId: d.message_id,
    webhookId: webhookId(d.message_id),
    eventType: d.event_type,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: iso(d.next_attempt_at),
    lastResponseStatus: d.last_response_status,
    lastError: d.last_error,
    succeededAt: iso(d.succeeded_at),
    createdAt: d.created_at.toISOString(),
  };
}

/** The delivery log of an endpoint, newest first. */
export async function listDeliveries(db: Knex, principal: Principal, endpointId: string, status: WebhookDelivery["status"] | undefined, page: PageQuery) {
  await managedEndpoint(db, principal, endpointId);
  const query = db("webhook_deliveries as d")
    .join("webhook_messages as m", "m.id", "d.message_id")
    .where("d.endpoint_id", endpointId)
    .select("d.*", "m.event_type");
  if (status) query.where("d.status", status);
  return paginate(query, page, { column: "d.created_at", id: "d.id", order: "desc" }, deliveryDto);
}

export async function listAttempts(db: Knex, principal: Principal, endpointId: string, deliveryId: string) {
  await managedEndpoint(db, principal, endpointId);
  const delivery = await WebhookDelivery.query(db).findById(deliveryId).where({ endpoint_id: endpointId });
  if (!delivery) throw notFound("webhook_delivery", deliveryId);
  const attempts = await WebhookAttempt.query(db).where({ delivery_id: deliveryId }).orderBy("attempt");
  return {
    items: attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: a.started_at.toISOString(),
      durationMs: a.duration_ms,
      responseStatus: a.response_status,
      responseExcerpt: a.response_excerpt,
      error: a.error,
    })),
  };
}

/** Sends deliveries again, now, with their webhook-id unchanged; a message the endpoint never had (subscribed later) gets a delivery. */
async function replay(trx: Knex.Transaction, endpoint: WebhookEndpoint, deliveries: Array<Pick<WebhookDelivery, "id" | "attempts">>): Promise<number> {
  if (endpoint.disabled_at) throw new HttpError(422, "webhook_endpoint_disabled", "enable the endpoint before replaying to it");
  const now = new Date();
  for (const d of deliveries) await scheduleAttempt(trx, d.id, now);
  return deliveries.length;
}

export async function replayMessage(db: Knex, principal: Principal, ctx: AuditContext, endpointId: string, messageId: string) {
  return db.transaction(async (trx) => {
    const endpoint = await managedEndpoint(trx, principal, endpointId, true);
    const message = await WebhookMessage.query(trx).findById(messageId).where({ organization_id: endpoint.organization_id });
    if (!message) throw notFound("webhook_message", messageId);
    const [delivery] = await trx("webhook_deliveries")
      .insert({ id: newId(), message_id: messageId, endpoint_id: endpointId, next_attempt_at: new Date() })
      .onConflict(["message_id", "endpoint_id"])
      .merge({ message_id: messageId })
      .returning(["id", "attempts"]);
    const replayed = await replay(trx, endpoint, [delivery]);
    await recordAudit(trx, ctx, { ...target(endpoint), action: "webhook_endpoint.replayed", entityId: endpointId, after: { messageId } });
    return { replayed };
  });
}

export async function replayRange(db: Knex, principal: Principal, ctx: AuditContext, endpointId: string, body: z.output<typeof ReplayRangeBody>) {
  return db.transaction(async (trx) => {
    const endpoint = await managedEndpoint(trx, principal, endpointId, true);
    const query = trx("webhook_deliveries as d")
      .join("webhook_messages as m", "m.id", "d.message_id")
      .where("d.endpoint_id", endpointId)
      .where("m.created_at", ">=", body.since)
      .orderBy("m.created_at")
      .limit(MAX_REPLAY)
      .select("d.id", "d.attempts");
    if (body.until) query.where("m.created_at", "<", body.until);
    if (body.onlyFailed) query.where("d.status", "failed");
    const replayed = await replay(trx, endpoint, await query);
    await recordAudit(trx, ctx, { ...target(endpoint), action: "webhook_endpoint.replayed", entityId: endpointId, after: { ...body, replayed } });
    return { replayed };
  });
}
