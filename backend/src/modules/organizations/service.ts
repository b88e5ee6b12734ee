import type { Knex } from "knex";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { DataBox, maskTail } from "../../security/encryption.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { assertOrganizationAccess, type OrganizationRole } from "./access.js";
import type { AddMemberBody, CreateOrganizationBody, UpdateOrganizationBody } from "./schemas.js";

const TAX_ID = "organizations.tax_id";
const PUBLIC_COLUMNS = ["id", "name", "slug", "legal_name", "website", "created_at", "updated_at"];

export class OrganizationService {
  constructor(
    private readonly db: Knex,
    private readonly box: DataBox,
  ) {}

  private toDto(row: Record<string, unknown>, myRole: OrganizationRole) {
    const tax = row.tax_id_encrypted as Buffer | null;
    return {
      id: row.id as string,
      name: row.name as string,
      slug: row.slug as string,
      legalName: (row.legal_name as string | null) ?? null,
      website: (row.website as string | null) ?? null,
      taxIdLast4: tax ? maskTail(this.box.decrypt(tax, TAX_ID)) : null,
      myRole,
      createdAt: (row.created_at as Date).toISOString(),
    };
  }

  /** Any signed-in user may found an organization; they become its owner. */
  async create(principal: Principal, ctx: AuditContext, input: z.output<typeof CreateOrganizationBody>) {
    return this.db.transaction(async (trx) => {
      if (await trx("organizations").where({ slug: input.slug }).first("id")) throw new HttpError(409, "slug_taken", "an organization with this slug exists");
      const id = newId();
      const [row] = await trx("organizations")
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
      await trx("organization_members").insert({ id: newId(), organization_id: id, user_id: principal.userId, role: "owner", created_by: principal.userId, updated_by: principal.userId });
      await recordAudit(trx, ctx, { action: "organization.created", entityType: "organization", entityId: id, organizationId: id, after: row });
      return this.toDto(row, "owner");
    });
  }

  async get(principal: Principal, organizationId: string) {
    const { role } = await assertOrganizationAccess(this.db, principal, organizationId, "member");
    const row = await this.db("organizations").where({ id: organizationId }).first();
    return this.toDto(row, role);
  }

  async listMine(principal: Principal, page: PageQuery) {
    const query = this.db("organizations as o")
      .join("organization_members as m", "m.organization_id", "o.id")
      .where("m.user_id", principal.userId)
      .whereNull("o.deleted_at")
      .select("o.*", "m.role as my_role");
    if (principal.apiKeyOrganizationId) query.where("o.id", principal.apiKeyOrganizationId);
    return paginate(query, page, { column: "o.created_at", id: "o.id", order: "desc" }, (row) => this.toDto(row, row.my_role as OrganizationRole));
  }

  async update(principal: Principal, ctx: AuditContext, organizationId: string, input: z.output<typeof UpdateOrganizationBody>) {
    return this.db.transaction(async (trx) => {
      const { role } = await assertOrganizationAccess(trx, principal, organizationId, "admin");
      const before = await trx("organizations").where({ id: organizationId }).forUpdate().first();
      const patch: Record<string, unknown> = { updated_by: principal.userId };
      if (input.name !== undefined) patch.name = input.name;
      if (input.legalName !== undefined) patch.legal_name = input.legalName;
      if (input.website !== undefined) patch.website = input.website;
      if (input.taxId !== undefined) patch.tax_id_encrypted = this.box.encrypt(input.taxId, TAX_ID);
      const [after] = await trx("organizations").where({ id: organizationId }).update(patch).returning("*");
      await recordAudit(trx, ctx, { action: "organization.updated", entityType: "organization", entityId: organizationId, organizationId, before: pick(before), after: pick(after) });
      return this.toDto(after, role);
    });
  }

  async listMembers(principal: Principal, organizationId: string, page: PageQuery) {
    await assertOrganizationAccess(this.db, principal, organizationId, "member");
    const query = this.db("organization_members as m").join("users as u", "u.id", "m.user_id").where("m.organization_id", organizationId).select("m.*", "u.display_name");
    return paginate(query, page, { column: "m.created_at", id: "m.id", order: "asc" }, memberDto);
  }

  /** Admins add members and admins; only owners add owners. */
  async addMember(principal: Principal, ctx: AuditContext, organizationId: string, input: z.output<typeof AddMemberBody>) {
    return this.db.transaction(async (trx) => {
      const { role } = await assertOrganizationAccess(trx, principal, organizationId, "admin");
      if (input.role === "owner" && role !== "owner") throw new HttpError(403, "insufficient_organization_role", "only owners add owners");
      const user = await trx("users").where({ id: input.userId }).whereNull("deleted_at").first("id");
      if (!user) throw new HttpError(422, "user_not_found", "no such user", [{ field: "body.userId", message: "no such user" }]);
      const inserted = await trx("organization_members")
        .insert({ id: newId(), organization_id: organizationId, user_id: input.userId, role: input.role, created_by: principal.userId, updated_by: principal.userId })
        .onConflict(["organization_id", "user_id"])
        .ignore()
        .returning("*");
      if (!inserted.length) throw new HttpError(409, "already_member", "this user is already a member");
      await recordAudit(trx, ctx, { action: "organization_member.added", entityType: "organization_member", entityId: inserted[0].id, organizationId, after: inserted[0] });
      const display = await trx("users").where({ id: input.userId }).first("display_name");
      return memberDto({ ...inserted[0], display_name: display.display_name });
    });
  }

  async updateMember(principal: Principal, ctx: AuditContext, organizationId: string, memberId: string, newRole: OrganizationRole) {
    return this.db.transaction(async (trx) => {
      const { role } = await assertOrganizationAccess(trx, principal, organizationId, "admin");
      const before = await this.memberForChange(trx, organizationId, memberId);
      if ((newRole === "owner" || before.role === "owner") && role !== "owner") throw new HttpError(403, "insufficient_organization_role", "only owners change owners");
      if (before.role === "owner" && newRole !== "owner") await this.assertNotLastOwner(trx, organizationId);
      const [after] = await trx("organization_members").where({ id: memberId }).update({ role: newRole, updated_by: principal.userId }).returning("*");
      await recordAudit(trx, ctx, { action: "organization_member.updated", entityType: "organization_member", entityId: memberId, organizationId, before, after });
      const display = await trx("users").where({ id: after.user_id }).first("display_name");
      return memberDto({ ...after, display_name: display.display_name });
    });
  }

  async removeMember(principal: Principal, ctx: AuditContext, organizationId: string, memberId: string) {
    await this.db.transaction(async (trx) => {
      const { role } = await assertOrganizationAccess(trx, principal, organizationId, "admin");
      const before = await this.memberForChange(trx, organizationId, memberId);
      if (before.role === "owner" && role !== "owner") throw new HttpError(403, "insufficient_organization_role", "only owners remove owners");
      if (before.role === "owner") await this.assertNotLastOwner(trx, organizationId);
      await trx("organization_members").where({ id: memberId }).delete();
      await recordAudit(trx, ctx, { action: "organization_member.removed", entityType: "organization_member", entityId: memberId, organizationId, before });
    });
  }

  private async memberForChange(trx: Knex.Transaction, organizationId: string, memberId: string) {
    // Lock the organization's owners so two concurrent demotions cannot both pass the last-owner check.
    await trx("organization_members").where({ organization_id: organizationId, role: "owner" }).forUpdate().select("id");
    const member = await trx("organization_members").where({ id: memberId, organization_id: organizationId }).forUpdate().first();
    if (!member) throw new HttpError(404, "member_not_found", `member ${memberId} not found`);
    return member;
  }

  private async assertNotLastOwner(trx: Knex.Transaction, organizationId: string) {
    const [row] = await trx("organization_members").where({ organization_id: organizationId, role: "owner" }).count({ n: "*" });
    if (Number(row?.n ?? 0) <= 1) throw new HttpError(422, "last_owner", "an organization keeps at least one owner");
  }
}

function pick(row: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(row).filter(([k]) => PUBLIC_COLUMNS.includes(k) || k.endsWith("_encrypted")));
}

function memberDto(row: Record<string, unknown>) {
  return {
    id: row.id as string,
    userId: row.user_id as string,
    role: row.role as OrganizationRole,
    displayName: (row.display_name as string | null) ?? null,
    createdAt: (row.created_at as Date).toISOString(),
  };
}
