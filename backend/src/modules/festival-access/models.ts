import type { FestivalLevel, FestivalScope } from "./service.js";
import { AuditedModel } from "../audit/audited-model.js";

/** A festival-scoped grant (from an accepted invitation). */
export class FestivalPermission extends AuditedModel {
  static override tableName = "festival_permissions";
  declare festival_id: string;
  declare user_id: string;
  declare level: FestivalLevel;
  declare scope: FestivalScope;
}

export class FestivalInvitation extends AuditedModel {
  static override tableName = "festival_invitations";
  declare festival_id: string;
  declare email: string;
  declare level: FestivalLevel;
  declare scope: FestivalScope;
  declare token_hash: string;
  declare status: "pending" | "accepted" | "revoked";
  declare expires_at: Date;
  declare accepted_by: string | null;
  declare accepted_at: Date | null;
  declare revoked_at: Date | null;
}

export function permissionDto(row: FestivalPermission) {
  return { id: row.id, festivalId: row.festival_id, userId: row.user_id, level: row.level, scope: row.scope, createdAt: row.created_at.toISOString() };
}

export function invitationDto(row: FestivalInvitation) {
  return {
    id: row.id,
    festivalId: row.festival_id,
    email: row.email,
    level: row.level,
    scope: row.scope,
    status: row.status,
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
  };
}
