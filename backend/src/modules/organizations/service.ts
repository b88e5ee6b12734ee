import type { Knex } from "knex";
import type { PartialModelObject } from "objection";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { DataBox, maskTail } from "../../security/encryption.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { assertOrganizationAccess } from "./access.js";
import { isOrganizationRole, Organization, OrganizationMember, type OrganizationRole } from "./models.js";
import type { AddMemberBody, CreateOrganizationBody, UpdateOrganizationBody } from "./schemas.js";

const TAX_ID = "organizations.tax_id";
const PUBLIC_COLUMNS = ["id", "name", "slug", "legal_name", "website", "created_at", "updated_at"];

export class OrganizationService {
  constructor(
    private readonly db: Knex,
    private readonly box: DataBox,
  ) {}

  private toDto(row: Organization, myRole: OrganizationRole) {
    const tax = row.tax_id_encrypted;
    return {
      id: row.id,
      name: row.name,
      slug: row.slug,
      legalName: row.legal_name ?? null,
      website: row.website ?? null,
      taxIdLast4: tax ? maskTail(this.box.decrypt(tax, TAX_ID)) : null,
      myRole,
      createdAt: row.created_at.toISOString(),
    };
  }

  /** Any signed-in user may found an organization; they become its owner. */
  async create(principal: Principal, ctx: AuditContext, input: z.output<typeof CreateOrganizationBody>) {
    return this.db.transaction(async (trx) => {
      if (await Organization.query(trx).where({ slug: input.slug }).first().select("id"))
        throw new HttpError(409, "slug_taken", "an organization with this slug exists");
      const id = newId();
      const row = await Organization.query(trx)
        .insert({
          id,
          name: input.name,
          slug: input.slug,
          legal_name: input.legalName ?? null,
          website: input.website ?? null,
          tax_id_encrypted: input.taxId ? this.box.encrypt(input.taxId, TAX_ID) : null,
          created_by: principal.userId,
          updated_by: principal.userId,
        })
        .returning("*");
      await OrganizationMember.query(trx).insert({
        id: newId(),
        organization_id: id,
        user_id: principal.userId,
        role: "owner",
        created_by: principal.userId,
        updated_by: principal.userId,
      });
      await recordAudit(trx, ctx, { action: "organization.created", entityType: "organization", entityId: id, organizationId: id, after: row });
      return this.toDto(row, "owner");
    });
  }

  async get(principal: Principal, organizationId: string) {
    const { role } = await assertOrganizationAccess(this.db, principal, organizationId, "member");
    const row = await Organization.query(this.db).findById(organizationId);
    return this.toDto(row!, role);
  }

  async listMine(principal: Principal, page: PageQuery) {
    const query = Organization.query(this.db)
      .alias("o")
      .join("organization_members as m", "m.organization_id", "o.id")
      .where("m.user_id", principal.userId)
      .whereNull("o.deleted_at")
      .select("o.*", "m.role as my_role");
    if (principal.apiKeyOrganizationId) query.where("o.id", principal.apiKeyOrganizationId);
    return paginate(query.toKnexQuery(), page, { column: "o.created_at", id: "o.id", order: "desc" }, ({ my_role, ...row }) =>
      this.toDto(Organization.fromDatabaseJson(row), isOrganizationRole(my_role) ? my_role : "member"),
    );
  }

  async update(principal: Principal, ctx: AuditContext, organizationId: string, input: z.output<typeof UpdateOrganizationBody>) {
    return this.db.transaction(async (trx) => {
      const { role } = await assertOrganizationAccess(trx, principal, organizationId, "admin");
      const before = await Organization.query(trx).findById(organizationId).forUpdate();
      const patch: PartialModelObject<Organization> = { updated_by: principal.userId };
      if (input.name !== undefined) patch.name = input.name;
      if (input.legalName !== undefined) patch.legal_name = input.legalName;
      if (input.website !== undefined) patch.website = input.website;
      if (input.taxId !== undefined) patch.tax_id_encrypted = this.box.encrypt(input.taxId, TAX_ID);
      const after = await Organization.query(trx).findById(organizationId).patch(patch).returning("*").castTo<Organization>();
      await recordAudit(trx, ctx, {
        action: "organization.updated",
        entityType: "organization",
        entityId: organizationId,
        organizationId,
        before: pick(before!),
        after: pick(after),
      });
      return this.toDto(after, role);
    });
  }

  async listMembers(principal: Principal, organizationId: string, page: PageQuery) {
    await assertOrganizationAccess(this.db, principal, organizationId, "member");
    const query = OrganizationMember.query(this.db)
      .alias("m")
      .join("user_accounts as a", "a.id", "m.user_id")
      .where("m.organization_id", organizationId)
      .select("m.*", "a.display_name");
    return paginate(query.toKnexQuery(), page, { column: "m.created_at", id: "m.id", order: "asc" }, ({ display_name, ...row }) =>
      memberDto(OrganizationMember.fromDatabaseJson(row), typeof display_name === "string" ? display_name : null),
    );
  }

  /** Admins add members and admins; only owners add owners. */
  async addMember(principal: Principal, ctx: AuditContext, organizationId: string, input: z.output<typeof AddMemberBody>) {
    return this.db.transaction(async (trx) => {
      const { role } = await assertOrganizationAccess(trx, principal, organizationId, "admin");
      if (input.role === "owner" && role !== "owner") throw new HttpError(403, "insufficient_organization_role", "only owners add owners");
      const user = await liveAccount(trx, input.userId);
      if (!user) throw new HttpError(422, "user_not_found", "no such user", [{ field: "body.userId", message: "no such user" }]);
      // Plain knex: objection hands back the input as a model even when the conflict skipped the insert.
      const [insertedRow] = await trx(OrganizationMember.tableName)
        .insert({
          id: newId(),
          organization_id: organizationId,
          user_id: input.userId,
          role: input.role,
          created_by: principal.userId,
          updated_by: principal.userId,
        })
        .onConflict(["organization_id", "user_id"])
        .ignore()
        .returning("*");
      const inserted = insertedRow && OrganizationMember.fromDatabaseJson(insertedRow);
      if (!inserted) throw new HttpError(409, "already_member", "this user is already a member");
      await recordAudit(trx, ctx, {
        action: "organization_member.added",
        entityType: "organization_member",
        entityId: inserted.id,
        organizationId,
        after: inserted,
      });
      return memberDto(inserted, user.display_name);
    });
  }

  async updateMember(principal: Principal, ctx: AuditContext, organizationId: string, memberId: string, newRole: OrganizationRole) {
    return this.db.transaction(async (trx) => {
      const { role } = await assertOrganizationAccess(trx, principal, organizationId, "admin");
      const before = await this.memberForChange(trx, organizationId, memberId);
      if ((newRole === "owner" || before.role === "owner") && role !== "owner")
        throw new HttpError(403, "insufficient_organization_role", "only owners change owners");
      if (before.role === "owner" && newRole !== "owner") await this.assertNotLastOwner(trx, organizationId);
      const after = await OrganizationMember.query(trx)
        .findById(memberId)
        .patch({ role: newRole, updated_by: principal.userId })
        .returning("*")
        .castTo<OrganizationMember>();
      await recordAudit(trx, ctx, {
        action: "organization_member.updated",
        entityType: "organization_member",
        entityId: memberId,
        organizationId,
        before,
        after,
      });
      return memberDto(after, await displayNameOf(trx, after.user_id));
    });
  }

  async removeMember(principal: Principal, ctx: AuditContext, organizationId: string, memberId: string) {
    await this.db.transaction(async (trx) => {
      const { role } = await assertOrganizationAccess(trx, principal, organizationId, "admin");
      const before = await this.memberForChange(trx, organizationId, memberId);
      if (before.role === "owner" && role !== "owner") throw new HttpError(403, "insufficient_organization_role", "only owners remove owners");
      if (before.role === "owner") await this.assertNotLastOwner(trx, organizationId);
      await OrganizationMember.query(trx).deleteById(memberId);
      await recordAudit(trx, ctx, { action: "organization_member.removed", entityType: "organization_member", entityId: memberId, organizationId, before });
    });
  }

  private async memberForChange(trx: Knex.Transaction, organizationId: string, memberId: string) {
    // Lock the organization's owners so two concurrent demotions cannot both pass the last-owner check.
    await OrganizationMember.query(trx).where({ organization_id: organizationId, role: "owner" }).forUpdate().select("id");
    const member = await OrganizationMember.query(trx).findById(memberId).where({ organization_id: organizationId }).forUpdate();
    if (!member) throw new HttpError(404, "member_not_found", `member ${memberId} not found`);
    return member;
  }

  private async assertNotLastOwner(trx: Knex.Transaction, organizationId: string) {
    const owners = await OrganizationMember.query(trx).where({ organization_id: organizationId, role: "owner" }).resultSize();
    if (owners <= 1) throw new HttpError(422, "last_owner", "an organization keeps at least one owner");
  }
}

function pick(row: Organization) {
  return Object.fromEntries(Object.entries(row).filter(([k]) => PUBLIC_COLUMNS.includes(k) || k.endsWith("_encrypted")));
}

/** A live account's display name, from the view the users module publishes (members are people the users module knows). */
async function liveAccount(db: Knex | Knex.Transaction, userId: string): Promise<{ display_name: string | null } | undefined> {
  return db("user_accounts").where({ id: userId }).whereNull("deleted_at").first("display_name");
}

async function displayNameOf(db: Knex | Knex.Transaction, userId: string): Promise<string | null> {
  const user: { display_name: string | null } | undefined = await db("user_accounts").where({ id: userId }).first("display_name");
  return user?.display_name ?? null;
}

function memberDto(row: OrganizationMember, displayName: string | null) {
  return {
    id: row.id,
    userId: row.user_id,
    role: row.role,
    displayName,
    createdAt: row.created_at.toISOString(),
  };
}
