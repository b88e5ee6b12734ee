import { Model } from "objection";
import { AuditedModel } from "../audit/audited-model.js";

export class DeviceToken extends AuditedModel {
  static override tableName = "device_tokens";
  declare user_id: string;
  declare platform: "ios" | "android" | "web";
  declare token: string;
  declare last_registered_at: Date;
  declare revoked_at: Date | null;
}

/** One push attempt (or the note that the user has no device), per user, device and version. */
export class NotificationLog extends Model {
  static override tableName = "notification_log";
  static override idColumn = "id";
  static override jsonAttributes = ["data"];
  declare id: string;
  declare user_id: string;
  declare device_token_id: string | null;
  declare schedule_version_id: string | null;
  /** What a notification of another kind is about (e.g. `shift_signup:<id>`), migration 626. */
  declare reference: string | null;
  declare kind: string;
  declare channel: "ios" | "android" | "web" | "none";
  declare title: string;
  declare body: string;
  declare data: Record<string, unknown>;
  declare status: "delivered" | "failed" | "no_device";
  declare error: string | null;
  declare created_at: Date;
  declare delivered_at: Date | null;
}

/** Only the end of a token is ever shown back. */
export function deviceTokenDto(r: DeviceToken) {
  return {
    id: r.id,
    platform: r.platform,
    tokenPreview: `…${r.token.slice(-6)}`,
    lastRegisteredAt: r.last_registered_at.toISOString(),
    createdAt: r.created_at.toISOString(),
  };
}

export function notificationDto(r: NotificationLog) {
  return {
    id: r.id,
    kind: r.kind,
    channel: r.channel,
    title: r.title,
    body: r.body,
    data: r.data,
    status: r.status,
    error: r.error,
    createdAt: r.created_at.toISOString(),
    deliveredAt: r.delivered_at?.toISOString() ?? null,
  };
}
