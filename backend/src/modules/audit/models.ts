import { Model } from "objection";
import type { AuditContext } from "../../http/audit-context.js";

/**
 * One row of the append-only audit trail (partitioned by month, so the key is id + created_at).
 * Written by recordAudit (service.ts), read by the trail queries (queries.ts).
 */
export class AuditLogEntry extends Model {
  static override tableName = "audit_log";
  static override idColumn = ["id", "created_at"];
  declare id: string;
  declare created_at: Date;
  declare actor_type: AuditContext["actorType"];
  declare actor_user_id: string | null;
  declare actor_api_key_id: string | null;
  declare action: string;
  declare entity_type: string;
  declare entity_id: string | null;
  declare organization_id: string | null;
  declare festival_id: string | null;
  /** jsonb, already redacted (redactForAudit) */
  declare before: unknown;
  declare after: unknown;
  /** inet: read through `host(ip) as ip_text` */
  declare ip: string | null;
  declare user_agent: string | null;
  declare request_id: string | null;
}

/** An audit row as the trail queries select it: with the address as plain text. */
export type AuditLogRow = AuditLogEntry & { ip_text: string | null };

export function auditEntryDto(r: AuditLogRow) {
  return {
    id: r.id,
    createdAt: r.created_at.toISOString(),
    actorType: r.actor_type,
    actorUserId: r.actor_user_id ?? null,
    actorApiKeyId: r.actor_api_key_id ?? null,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id ?? null,
    organizationId: r.organization_id ?? null,
    festivalId: r.festival_id ?? null,
    before: r.before ?? null,
    after: r.after ?? null,
    ip: r.ip_text ?? null,
    userAgent: r.user_agent ?? null,
    requestId: r.request_id ?? null,
  };
}
