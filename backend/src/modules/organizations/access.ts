import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { Organization, OrganizationMember, type OrganizationRole } from "./models.js";

export type { OrganizationRole };
const RANK: Record<OrganizationRole, number> = { member: 0, admin: 1, owner: 2 };

/**
 * Object-level check for an organization:
 *
 *   await assertOrganizationAccess(db, principal, organizationId, "admin");
 *
 * 404 for a non-member (or a missing/deleted organization, or a key bound elsewhere),
 * 403 for a member below `minRole`. Platform admins pass as owners.
 */
export async function assertOrganizationAccess(
  db: Knex | Knex.Transaction,
  principal: Principal,
  organizationId: string,
  minRole: OrganizationRole,
): Promise<{ organizationId: string; role: OrganizationRole }> {
  const notFound = new HttpError(404, "organization_not_found", `organization ${organizationId} not found`);
  if (principal.apiKeyOrganizationId && principal.apiKeyOrganizationId !== organizationId) throw notFound;
  const row = await Organization.query(db)
    .alias("o")
    .leftJoin("organization_members as m", (j) => j.on("m.organization_id", "o.id").andOnVal("m.user_id", principal.userId))
    .where("o.id", organizationId)
    .whereNull("o.deleted_at")
    .first()
    .select("o.id", "m.role")
    .castTo<{ id: string; role: OrganizationRole | null } | undefined>();
  if (!row) throw notFound;
  const role: OrganizationRole | null = principal.roles.has("admin") ? "owner" : row.role;
  if (!role) throw notFound;
  if (RANK[role] < RANK[minRole]) throw new HttpError(403, "insufficient_organization_role", `requires organization role ${minRole}`);
  return { organizationId, role };
}

/** Whether a user is a member of an organization with one of `roles` (no platform-admin pass, no API-key binding: the caller decides those). */
export async function hasOrganizationRole(
  db: Knex | Knex.Transaction,
  userId: string,
  organizationId: string,
  roles: readonly OrganizationRole[],
): Promise<boolean> {
  const member = await OrganizationMember.query(db).where({ organization_id: organizationId, user_id: userId }).whereIn("role", roles).first().select("id");
  return member !== undefined;
}

/**
 * The ids of the organizations where a user has one of `roles`, as a subquery for another
 * module's statement (`whereIn("organization_id", organizationsWhere(db, userId, ["owner", "admin"]))`),
 * so a list stays one round trip.
 */
export function organizationsWhere(db: Knex | Knex.Transaction, userId: string, roles: readonly OrganizationRole[]): Knex.QueryBuilder {
  return OrganizationMember.query(db).where({ user_id: userId }).whereIn("role", roles).select("organization_id").toKnexQuery();
}
