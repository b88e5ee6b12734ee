import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { PermissionScope, PlatformRole, Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError } from "../../http/errors.js";
import { recordAudit } from "../audit/service.js";
import { Role, RolePermission, User, UserRole } from "./models.js";

/** A user's platform roles, sorted by name. */
export async function rolesOf(db: Knex, userId: string): Promise<{ userId: string; roles: PlatformRole[] }> {
  const user = await User.query(db).findById(userId).whereNull("deleted_at").select("id");
  if (!user) throw new HttpError(404, "user_not_found", `user ${userId} not found`);
  const roles = await user.$relatedQuery("roles", db).orderBy("roles.name").select("roles.name");
  return { userId, roles: roles.map((r) => r.name) };
}

/** The id of a platform role (roles are seeded by migration: a missing one is a broken schema). */
async function roleId(trx: Knex.Transaction, role: PlatformRole): Promise<string> {
  const row = await Role.query(trx).where({ name: role }).first().select("id");
  if (!row) throw new Error(`role ${role} is not in the roles table`);
  return row.id;
}

/**
 * Gives a user a role unless they have it; true when it was given. Plain knex: objection hands
 * back the input as a model even when the conflict skipped the insert.
 */
export async function addRole(trx: Knex.Transaction, userId: string, role: PlatformRole, actorUserId: string | null): Promise<boolean> {
  const inserted: Array<{ id: string }> = await trx(UserRole.tableName)
    .insert({ id: newId(), user_id: userId, role_id: await roleId(trx, role), created_by: actorUserId })
    .onConflict(["user_id", "role_id"])
    .ignore()
    .returning("id");
  return inserted.length > 0;
}

/** An admin (or the admin CLI: ctx names who) grants a platform role. */
export async function grantRole(db: Knex, ctx: AuditContext, userId: string, role: PlatformRole) {
  await db.transaction(async (trx) => {
    const user = await User.query(trx).findById(userId).whereNull("deleted_at").select("id");
    if (!user) throw new HttpError(404, "user_not_found", `user ${userId} not found`);
    if (!(await addRole(trx, userId, role, ctx.actorUserId))) throw new HttpError(409, "role_already_granted", `the user already has role ${role}`);
    await recordAudit(trx, ctx, { action: "user_role.granted", entityType: "user", entityId: userId, after: { role } });
  });
  return rolesOf(db, userId);
}

export async function revokeRole(db: Knex, principal: Principal, ctx: AuditContext, userId: string, role: PlatformRole) {
  await db.transaction(async (trx) => {
    if (userId === principal.userId && role === "admin") throw new HttpError(422, "cannot_revoke_own_admin", "ask another admin to revoke your admin role");
    const deleted = await UserRole.query(trx)
      .where({ user_id: userId, role_id: await roleId(trx, role) })
      .delete();
    if (!deleted) throw new HttpError(404, "role_not_granted", `the user does not have role ${role}`);
    await recordAudit(trx, ctx, { action: "user_role.revoked", entityType: "user", entityId: userId, before: { role } });
  });
  return rolesOf(db, userId);
}

/** Every role's permissions with their scope: role name -> permission name -> scope (auth caches it per process). */
export async function rolePermissionMap(db: Knex): Promise<Map<string, Map<string, PermissionScope>>> {
  const rows = await RolePermission.query(db)
    .join("roles as r", "r.id", "role_permissions.role_id")
    .join("permissions as p", "p.id", "role_permissions.permission_id")
    .select("r.name as role", "p.name as permission", "role_permissions.scope")
    .castTo<Array<{ role: string; permission: string; scope: PermissionScope }>>();
  const map = new Map<string, Map<string, PermissionScope>>();
  for (const row of rows) {
    if (!map.has(row.role)) map.set(row.role, new Map());
    map.get(row.role)!.set(row.permission, row.scope);
  }
  return map;
}
