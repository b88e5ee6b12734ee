import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError, notFound } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { definedOnly } from "../../http/validate.js";
import { insertAudited, updateAudited } from "../audit/audited-writes.js";
import { recordAudit } from "../audit/service.js";
import type { FestivalAccessRequirement } from "../festival-access/service.js";
import { assertEditionAccess } from "../festivals/service.js";
import type { EditionContext } from "../festivals/models.js";
import type { BadgeCodec } from "./badges.js";
import {
  departmentDto,
  memberDto,
  qualificationTypeDto,
  roleDto,
  StaffDepartment,
  StaffMember,
  StaffMemberQualification,
  StaffQualificationType,
  StaffRole,
} from "./models.js";
import type { CreateMemberBody, CreateRoleBody, UpdateMemberBody } from "./schemas.js";

/**
 * Staff of an edition. Who may manage them is the festival's business (festival-access): a
 * manager of the festival with the `editions` scope, the same check gate zones use; viewers
 * read. Object-level: every id in a body is checked to belong to the same edition by the
 * composite foreign keys of migration 620, and reported as a 422 naming the field.
 */
export const MANAGE_STAFF: FestivalAccessRequirement = { level: "manager", scope: "editions" };
const READ_STAFF: FestivalAccessRequirement = { level: "viewer" };

const target = (edition: EditionContext, entityType: string) => ({ entityType, organizationId: edition.organizationId, festivalId: edition.festivalId });

const inEdition = (field: string, what: string) => () =>
  new HttpError(422, `${what}_not_in_edition`, `no ${what.replace("_", " ")} with that id in this edition`, [
    { field, message: `not a ${what.replace("_", " ")} of this edition` },
  ]);

const RULES = {
  uq_staff_departments_edition_name: () => new HttpError(409, "department_name_taken", "this edition already has a department with that name"),
  uq_staff_qualification_types_edition_code: () =>
    new HttpError(409, "qualification_code_taken", "this edition already has a qualification type with that code"),
  uq_staff_roles_edition_name: () => new HttpError(409, "role_name_taken", "this edition already has a role with that name"),
  uq_staff_members_edition_user: () => new HttpError(409, "already_staff", "this person is already staff of this edition"),
  uq_staff_members_badge: () =>
    new HttpError(409, "badge_number_taken", "another member of this edition has this badge number", [{ field: "body.badgeNumber", message: "already given" }]),
  fk_staff_roles_department: inEdition("body.departmentId", "department"),
  fk_staff_members_department: inEdition("body.departmentId", "department"),
  fk_staff_members_role: inEdition("body.roleId", "role"),
  fk_staff_members_user: () => new HttpError(422, "user_not_found", "no such user", [{ field: "body.userId", message: "no user with that id" }]),
  fk_staff_role_requirements_qualification: inEdition("body.prerequisites", "qualification_type"),
  fk_staff_member_qualifications_type: inEdition("params.qualificationTypeId", "qualification_type"),
  ck_staff_member_qualifications_valid_after_grant: () =>
    new HttpError(422, "qualification_already_expired", "a qualification must be valid after it is granted", [
      { field: "body.validUntil", message: "in the past" },
    ]),
};

export class StaffService {
  constructor(
    private readonly db: Knex,
    private readonly badges: BadgeCodec,
  ) {}

  // ------------------------------------------------------------------ departments

  async createDepartment(principal: Principal, ctx: AuditContext, editionId: string, body: { name: string; description?: string | null }) {
    const edition = await assertEditionAccess(this.db, principal, editionId, MANAGE_STAFF);
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) =>
          departmentDto(
            await insertAudited(
              trx,
              ctx,
              StaffDepartment,
              { edition_id: editionId, name: body.name, description: body.description ?? null },
              target(edition, "staff_department"),
            ),
          ),
        ),
      RULES,
    );
  }

  async listDepartments(principal: Principal, editionId: string, page: PageQuery) {
    await assertEditionAccess(this.db, principal, editionId, READ_STAFF);
    const q = StaffDepartment.query(this.db).where({ edition_id: editionId });
    return paginate(q.toKnexQuery(), page, { column: "name", order: "asc" }, (row) => departmentDto(StaffDepartment.fromDatabaseJson(row)));
  }

  // ------------------------------------------------------------------ qualification types

  async createQualificationType(
    principal: Principal,
    ctx: AuditContext,
    editionId: string,
    body: { code: string; name: string; kind: StaffQualificationType["kind"] },
  ) {
    const edition = await assertEditionAccess(this.db, principal, editionId, MANAGE_STAFF);
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) =>
          qualificationTypeDto(
            await insertAudited(trx, ctx, StaffQualificationType, { edition_id: editionId, ...body }, target(edition, "staff_qualification_type")),
          ),
        ),
      RULES,
    );
  }

  async listQualificationTypes(principal: Principal, editionId: string, page: PageQuery) {
    await assertEditionAccess(this.db, principal, editionId, READ_STAFF);
    const q = StaffQualificationType.query(this.db).where({ edition_id: editionId });
    return paginate(q.toKnexQuery(), page, { column: "code", order: "asc" }, (row) => qualificationTypeDto(StaffQualificationType.fromDatabaseJson(row)));
  }

  // ------------------------------------------------------------------ roles

  async createRole(principal: Principal, ctx: AuditContext, editionId: string, body: CreateRoleBody) {
    const edition = await assertEditionAccess(this.db, principal, editionId, MANAGE_STAFF);
    const prerequisites = [...new Set(body.prerequisites ?? [])];
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) => {
          const role = await insertAudited(
            trx,
            ctx,
            StaffRole,
            {
              edition_id: editionId,
              name: body.name,
              description: body.description ?? null,
              department_id: body.departmentId ?? null,
              is_lead: body.isLead ?? false,
            },
            target(edition, "staff_role"),
          );
          if (prerequisites.length) {
            await trx("staff_role_requirements").insert(
              prerequisites.map((q) => ({ role_id: role.id, qualification_type_id: q, edition_id: editionId, created_by: ctx.actorUserId })),
            );
          }
          return roleDto(role, prerequisites);
        }),
      RULES,
    );
  }

  async listRoles(principal: Principal, editionId: string, page: PageQuery) {
    await assertEditionAccess(this.db, principal, editionId, READ_STAFF);
    const q = StaffRole.query(this.db).where({ edition_id: editionId });
    const result = await paginate(q.toKnexQuery(), page, { column: "name", order: "asc" }, (row) => StaffRole.fromDatabaseJson(row));
    const requirements: Array<{ role_id: string; qualification_type_id: string }> = await this.db("staff_role_requirements")
      .whereIn(
        "role_id",
        result.items.map((r) => r.id),
      )
      .select("role_id", "qualification_type_id");
    return {
      items: result.items.map((r) =>
        roleDto(
          r,
          requirements.filter((q) => q.role_id === r.id).map((q) => q.qualification_type_id),
        ),
      ),
      nextCursor: result.nextCursor,
    };
  }

  // ------------------------------------------------------------------ members

  async addMember(principal: Principal, ctx: AuditContext, editionId: string, body: CreateMemberBody) {
    const edition = await assertEditionAccess(this.db, principal, editionId, MANAGE_STAFF);
    const userId = body.userId ?? (await this.activeAccountByEmail(body.email!));
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) =>
          memberDto(
            await insertAudited(
              trx,
              ctx,
              StaffMember,
              { edition_id: editionId, user_id: userId, role_id: body.roleId, department_id: body.departmentId, badge_number: body.badgeNumber },
              target(edition, "staff_member"),
            ),
          ),
        ),
      RULES,
    );
  }

  /** An active account by email, through the users module's published view user_accounts. */
  private async activeAccountByEmail(email: string): Promise<string> {
    const row = await this.db("user_accounts").where({ email, status: "active" }).whereNull("deleted_at").first<{ id: string } | undefined>("id");
    if (!row) throw new HttpError(422, "user_not_found", "no active account with this email", [{ field: "body.email", message: "they sign up first" }]);
    return row.id;
  }

  async listMembers(principal: Principal, editionId: string, page: PageQuery) {
    await assertEditionAccess(this.db, principal, editionId, READ_STAFF);
    const q = StaffMember.query(this.db).where({ edition_id: editionId });
    const result = await paginate(q.toKnexQuery(), page, { column: "badge_number", order: "asc" }, (row) => StaffMember.fromDatabaseJson(row));
    const held = await this.qualificationsOf(result.items.map((m) => m.id));
    return { items: result.items.map((m) => memberDto(m, held.get(m.id))), nextCursor: result.nextCursor };
  }

  private async qualificationsOf(memberIds: string[], db: Knex | Knex.Transaction = this.db) {
    const out = new Map<string, Array<{ qualificationTypeId: string; validUntil: string | null }>>();
    if (!memberIds.length) return out;
    const rows = await StaffMemberQualification.query(db).whereIn("member_id", memberIds).orderBy("qualification_type_id");
    for (const r of rows) {
      out.set(r.member_id, [
        ...(out.get(r.member_id) ?? []),
        { qualificationTypeId: r.qualification_type_id, validUntil: r.valid_until?.toISOString() ?? null },
      ]);
    }
    return out;
  }

  /** The member and its edition, after the caller's access check (404 for both a missing member and one the caller may not see). */
  private async memberFor(principal: Principal, memberId: string, required: FestivalAccessRequirement) {
    const member = await StaffMember.query(this.db).findById(memberId);
    if (!member) throw notFound("staff_member", memberId);
    try {
      return { member, edition: await assertEditionAccess(this.db, principal, member.edition_id, required) };
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) throw notFound("staff_member", memberId);
      throw error;
    }
  }

  async updateMember(principal: Principal, ctx: AuditContext, memberId: string, body: UpdateMemberBody) {
    const { edition } = await this.memberFor(principal, memberId, MANAGE_STAFF);
    const changes = definedOnly({ role_id: body.roleId, department_id: body.departmentId, badge_number: body.badgeNumber, status: body.status });
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) => {
          const row = await updateAudited(trx, ctx, StaffMember, memberId, changes, target(edition, "staff_member"));
          return memberDto(row, (await this.qualificationsOf([memberId], trx)).get(memberId));
        }),
      RULES,
    );
  }

  async grantQualification(principal: Principal, ctx: AuditContext, memberId: string, qualificationTypeId: string, validUntil: string | null) {
    const { member, edition } = await this.memberFor(principal, memberId, MANAGE_STAFF);
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) => {
          const values = {
            member_id: memberId,
            qualification_type_id: qualificationTypeId,
            edition_id: member.edition_id,
            valid_until: validUntil ? new Date(validUntil) : null,
            created_by: ctx.actorUserId,
            updated_by: ctx.actorUserId,
          };
          const [row] = await trx(StaffMemberQualification.tableName)
            .insert(values)
            .onConflict(["member_id", "qualification_type_id"])
            .merge({ valid_until: values.valid_until, updated_by: ctx.actorUserId })
            .returning("*");
          await recordAudit(trx, ctx, {
            ...target(edition, "staff_member_qualification"),
            action: "staff_member_qualification.granted",
            entityId: memberId,
            after: row,
          });
          return memberDto(member, (await this.qualificationsOf([memberId], trx)).get(memberId));
        }),
      RULES,
    );
  }

  async revokeQualification(principal: Principal, ctx: AuditContext, memberId: string, qualificationTypeId: string): Promise<void> {
    const { edition } = await this.memberFor(principal, memberId, MANAGE_STAFF);
    await this.db.transaction(async (trx) => {
      const deleted = await StaffMemberQualification.query(trx)
        .where({ member_id: memberId, qualification_type_id: qualificationTypeId })
        .delete()
        .returning("*");
      if (!deleted.length) throw notFound("staff_member_qualification", qualificationTypeId);
      await recordAudit(trx, ctx, {
        ...target(edition, "staff_member_qualification"),
        action: "staff_member_qualification.revoked",
        entityId: memberId,
        before: deleted[0],
      });
    });
  }

  /** The caller's own membership of an edition, with what their badge's QR code encodes. */
  async myMembership(principal: Principal, editionId: string) {
    const member = await StaffMember.query(this.db).where({ edition_id: editionId, user_id: principal.userId, status: "active" }).first();
    if (!member) throw new HttpError(404, "not_staff", "you are not staff of this edition");
    return { ...memberDto(member, (await this.qualificationsOf([member.id])).get(member.id)), badgeQr: this.badges.encode(member.id) };
  }
}
