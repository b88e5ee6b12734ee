import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { randomToken, sha256Hex } from "../../security/tokens.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { queueEmail } from "../mail/service.js";
import { FestivalInvitation, FestivalPermission, invitationDto, permissionDto } from "./models.js";
import { assertFestivalAccess, satisfies, type FestivalAccess, type FestivalLevel, type FestivalScope } from "./service.js";

const INVITATION_TTL_MS = 7 * 86_400_000;

/**
 * Festival-scoped grants and the invitations that create them. Administrators manage people;
 * nobody grants more than they hold (an administrator cannot make an owner, a scoped
 * administrator only grants inside its scope).
 */
export class FestivalAccessService {
  constructor(private readonly db: Knex) {}

  private assertMayGrant(access: FestivalAccess, level: FestivalLevel, scope: FestivalScope) {
    if (!satisfies(access, { level, scope }) || (level === "owner" && !satisfies(access, { level: "owner" }))) {
      throw new HttpError(403, "insufficient_festival_access", "you cannot grant more access than you hold");
    }
  }

  async listPermissions(principal: Principal, festivalId: string, page: PageQuery) {
    await assertFestivalAccess(this.db, principal, festivalId, { level: "administrator" });
    const query = FestivalPermission.query(this.db).where({ festival_id: festivalId });
    return paginate(query.toKnexQuery(), page, { column: "created_at", order: "asc" }, (row) => permissionDto(FestivalPermission.fromDatabaseJson(row)));
  }

  async removePermission(principal: Principal, ctx: AuditContext, festivalId: string, permissionId: string) {
    await this.db.transaction(async (trx) => {
      const access = await assertFestivalAccess(trx, principal, festivalId, { level: "administrator" });
      const before = await FestivalPermission.query(trx).findById(permissionId).where({ festival_id: festivalId }).forUpdate();
      if (!before) throw new HttpError(404, "permission_not_found", `permission ${permissionId} not found`);
      this.assertMayGrant(access, before.level, before.scope);
      await FestivalPermission.query(trx).deleteById(permissionId);
      await recordAudit(trx, ctx, {
        action: "festival_permission.removed",
        entityType: "festival_permission",
        entityId: permissionId,
        festivalId,
        organizationId: access.organizationId,
        before,
      });
    });
  }

  async invite(principal: Principal, ctx: AuditContext, festivalId: string, input: { email: string; level: FestivalLevel; scope: FestivalScope }) {
    const { level, scope } = input;
    return this.db.transaction(async (trx) => {
      const access = await assertFestivalAccess(trx, principal, festivalId, { level: "administrator", scope });
      this.assertMayGrant(access, level, scope);
      const token = randomToken(32);
      // Plain knex: objection hands back the input as a model even when the conflict skipped the insert.
      const [insertedRow] = await trx(FestivalInvitation.tableName)
        .insert({
          id: newId(),
          festival_id: festivalId,
          email: input.email,
          level,
          scope,
          token_hash: sha256Hex(token),
          expires_at: new Date(Date.now() + INVITATION_TTL_MS),
          created_by: principal.userId,
          updated_by: principal.userId,
        })
        .onConflict(this.db.raw("(festival_id, email, scope) where status = 'pending'"))
        .ignore()
        .returning("*");
      if (!insertedRow) throw new HttpError(409, "invitation_pending", "this person already has a pending invitation for this scope");
      const inserted = FestivalInvitation.fromDatabaseJson(insertedRow);
      // festivals belongs to the festivals module (which depends on this one): its name, from the view it publishes
      const festival: { name: string } = await trx("live_festivals").where({ id: festivalId }).first("name");
      await queueEmail(trx, {
        to: input.email,
        template: "festival_invitation",
        subject: `You are invited to ${festival.name}`,
        body: `You were invited as ${level} (${scope}) of ${festival.name}. Accept with this code: ${token}`,
        data: { token, festivalId, invitationId: inserted.id },
      });
      await recordAudit(trx, ctx, {
        action: "festival_invitation.created",
        entityType: "festival_invitation",
        entityId: inserted.id,
        festivalId,
        organizationId: access.organizationId,
        after: inserted,
      });
      return invitationDto(inserted);
    });
  }

  async listInvitations(principal: Principal, festivalId: string, page: PageQuery) {
    await assertFestivalAccess(this.db, principal, festivalId, { level: "administrator" });
    const query = FestivalInvitation.query(this.db).where({ festival_id: festivalId });
    return paginate(query.toKnexQuery(), page, { column: "created_at", order: "desc" }, (row) => invitationDto(FestivalInvitation.fromDatabaseJson(row)));
  }

  async revoke(principal: Principal, ctx: AuditContext, festivalId: string, invitationId: string) {
    return this.db.transaction(async (trx) => {
      const access = await assertFestivalAccess(trx, principal, festivalId, { level: "administrator" });
      const before = await FestivalInvitation.query(trx).findById(invitationId).where({ festival_id: festivalId }).forUpdate();
      if (!before) throw new HttpError(404, "invitation_not_found", `invitation ${invitationId} not found`);
      if (before.status !== "pending") throw new HttpError(422, "invitation_not_pending", `the invitation is ${before.status}`);
      this.assertMayGrant(access, before.level, before.scope);
      const after = await FestivalInvitation.query(trx)
        .findById(invitationId)
        .patch({ status: "revoked", revoked_at: trx.fn.now(), updated_by: principal.userId })
        .returning("*")
        .castTo<FestivalInvitation>();
      await recordAudit(trx, ctx, {
        action: "festival_invitation.revoked",
        entityType: "festival_invitation",
        entityId: invitationId,
        festivalId,
        organizationId: access.organizationId,
        before,
        after,
      });
      return invitationDto(after);
    });
  }

  /** The mailed token is the proof: whoever holds it (signed in) gets the grant, once. */
  async accept(principal: Principal, ctx: AuditContext, token: string) {
    return this.db.transaction(async (trx) => {
      const invitation = await FestivalInvitation.query(trx)
        .alias("i")
        .join("live_festivals as f", "f.id", "i.festival_id")
        .where("i.token_hash", sha256Hex(token))
        .forUpdate()
        .first()
        .select("i.*", "f.organization_id")
        .castTo<(FestivalInvitation & { organization_id: string }) | undefined>();
      if (!invitation || invitation.status !== "pending" || invitation.expires_at <= new Date()) {
        throw new HttpError(404, "invitation_not_found", "the invitation is unknown, revoked, expired or already accepted");
      }
      await FestivalInvitation.query(trx)
        .findById(invitation.id)
        .patch({ status: "accepted", accepted_at: trx.fn.now(), accepted_by: principal.userId, updated_by: principal.userId });
      // An accepted invitation replaces a grant on the same scope (upgrade or downgrade).
      const permission = await FestivalPermission.query(trx)
        .insert({
          id: newId(),
          festival_id: invitation.festival_id,
          user_id: principal.userId,
          level: invitation.level,
          scope: invitation.scope,
          created_by: principal.userId,
          updated_by: principal.userId,
        })
        .onConflict(["festival_id", "user_id", "scope"])
        .merge({ level: invitation.level, updated_by: principal.userId })
        .returning("*");
      await recordAudit(trx, ctx, {
        action: "festival_invitation.accepted",
        entityType: "festival_invitation",
        entityId: invitation.id,
        festivalId: invitation.festival_id,
        organizationId: invitation.organization_id,
        after: { permission },
      });
      return permissionDto(permission);
    });
  }
}
