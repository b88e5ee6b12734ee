import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { notFound } from "../../http/errors.js";
import type { PushDelivery, PushMessage } from "./delivery.js";
import { DeviceToken, deviceTokenDto, NotificationLog, notificationDto } from "./models.js";
import type { RegisterDeviceTokenBody } from "./schemas.js";

// ------------------------------------------------------------------ device tokens

/** Registers (or re-registers) a push token; a token that moved to another account follows its device. */
export async function registerDeviceToken(db: Knex, principal: Principal, ctx: AuditContext, body: RegisterDeviceTokenBody) {
  return db.transaction(async (trx) => {
    const existing = await DeviceToken.query(trx).where({ token: body.token }).forUpdate().first();
    let row: DeviceToken;
    if (existing) {
      row = await DeviceToken.query(trx)
        .findById(existing.id)
        .patch({ user_id: principal.userId, platform: body.platform, revoked_at: null, last_registered_at: trx.fn.now(), updated_by: principal.userId })
        .returning("*")
        .castTo<DeviceToken>();
    } else {
      row = await DeviceToken.query(trx)
        .insert({
          id: newId(),
          user_id: principal.userId,
          platform: body.platform,
          token: body.token,
          created_by: principal.userId,
          updated_by: principal.userId,
        })
        .onConflict("token")
        .merge({ user_id: principal.userId, platform: body.platform, revoked_at: null, last_registered_at: trx.fn.now(), updated_by: principal.userId })
        .returning("*");
    }
    await recordAudit(trx, ctx, {
      action: existing ? "device_token.reregistered" : "device_token.registered",
      entityType: "device_token",
      entityId: row.id,
      before: existing ? { userId: existing.user_id, revokedAt: existing.revoked_at } : null,
      after: { userId: row.user_id, platform: row.platform },
    });
    return deviceTokenDto(row);
  });
}

export function listDeviceTokens(db: Knex, principal: Principal, page: PageQuery) {
  const query = db("device_tokens").where({ user_id: principal.userId }).whereNull("revoked_at");
  return paginate(query, page, { column: "created_at", order: "desc" }, (r: DeviceToken) => deviceTokenDto(r));
}

export async function revokeDeviceToken(db: Knex, principal: Principal, ctx: AuditContext, tokenId: string): Promise<void> {
  await db.transaction(async (trx) => {
    const row = await DeviceToken.query(trx).findById(tokenId).where({ user_id: principal.userId }).whereNull("revoked_at").forUpdate().select("id");
    if (!row) throw notFound("device_token", tokenId);
    await DeviceToken.query(trx).findById(tokenId).patch({ revoked_at: trx.fn.now(), updated_by: principal.userId });
    await recordAudit(trx, ctx, { action: "device_token.revoked", entityType: "device_token", entityId: tokenId });
  });
}

export async function listNotifications(db: Knex, principal: Principal, page: PageQuery) {
  const query = NotificationLog.query(db).where({ user_id: principal.userId });
  return paginate(query.toKnexQuery(), page, { column: "created_at", order: "desc" }, (r) => notificationDto(NotificationLog.fromDatabaseJson(r)));
}

// ------------------------------------------------------------------ sending

/**
 * Sends `message` to each live device of each user and logs every attempt (or that the
 * user has no device). Pairs already logged for this version are skipped, so a retried job
 * never notifies anyone twice. Returns how many pushes were delivered.
 */
export function sendToUsers(
  db: Knex,
  delivery: PushDelivery,
  scheduleVersionId: string,
  messages: Map<string, PushMessage>,
): Promise<{ delivered: number; failed: number; noDevice: number }> {
  return sendNotifications(db, delivery, { kind: "schedule_changed", scheduleVersionId }, messages);
}

/**
 * What a notification is about: a schedule version, or another module's `reference` (a shift
 * reminder: `shift_signup:<id>`). Each (subject, user, device) is pushed and logged once.
 */
export type NotificationSubject =
  { kind: "schedule_changed"; scheduleVersionId: string } | { kind: "shift_reminder"; reference: string } | { kind: "production_reminder"; reference: string };

/** sendToUsers for any subject: other modules' jobs (shift reminders) send through here. */
export async function sendNotifications(
  db: Knex,
  delivery: PushDelivery,
  subject: NotificationSubject,
  messages: Map<string, PushMessage>,
): Promise<{ delivered: number; failed: number; noDevice: number }> {
  const stats = { delivered: 0, failed: 0, noDevice: 0 };
  const key = "scheduleVersionId" in subject ? { schedule_version_id: subject.scheduleVersionId } : { reference: subject.reference };
  const userIds = [...messages.keys()];
  for (let i = 0; i < userIds.length; i += 500) {
    const batch = userIds.slice(i, i + 500);
    const tokens = await DeviceToken.query(db).whereIn("user_id", batch).whereNull("revoked_at");
    const logged = await NotificationLog.query(db).where(key).whereIn("user_id", batch).select("user_id", "device_token_id");
    const done = new Set(logged.map((l) => `${l.user_id}:${l.device_token_id ?? ""}`));
    for (const userId of batch) {
      const message = messages.get(userId)!;
      const mine = tokens.filter((t) => t.user_id === userId);
      const base = {
        user_id: userId,
        schedule_version_id: null,
        reference: null,
        ...key,
        kind: subject.kind,
        title: message.title,
        body: message.body,
        data: message.data,
      };
      if (mine.length === 0) {
        if (done.has(`${userId}:`)) continue;
        await NotificationLog.query(db)
          .insert({ ...base, id: newId(), channel: "none", status: "no_device" })
          .onConflict()
          .ignore();
        stats.noDevice++;
        continue;
      }
      for (const t of mine) {
        if (done.has(`${userId}:${t.id}`)) continue;
        const result = await delivery.send({ deviceTokenId: t.id, userId, platform: t.platform, token: t.token }, message);
        await NotificationLog.query(db)
          .insert({
            ...base,
            id: newId(),
            device_token_id: t.id,
            channel: t.platform,
            status: result.delivered ? "delivered" : "failed",
            error: result.delivered ? null : result.error,
            delivered_at: result.delivered ? db.fn.now() : null,
          })
          .onConflict()
          .ignore();
        if (result.delivered) stats.delivered++;
        else stats.failed++;
      }
    }
  }
  return stats;
}
