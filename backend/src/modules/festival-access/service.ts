import type { Knex } from "knex";
import { HttpError } from "../../http/errors.js";
import type { Principal } from "../../http/auth.js";

export const FESTIVAL_LEVELS = ["viewer", "manager", "administrator", "owner"] as const;
export const FESTIVAL_SCOPES = ["all", "venues", "schedule", "artists", "editions", "integrations"] as const;
export type FestivalLevel = (typeof FESTIVAL_LEVELS)[number];
export type FestivalScope = (typeof FESTIVAL_SCOPES)[number];
const LEVEL_RANK: Record<FestivalLevel, number> = { viewer: 0, manager: 1, administrator: 2, owner: 3 };

/** What the caller may do on a festival: each grant is a level limited to a scope. */
export interface FestivalAccess {
  festivalId: string;
  organizationId: string;
  grants: Array<{ level: FestivalLevel; scope: FestivalScope }>;
}

export interface FestivalAccessRequirement {
  /** Minimum level: viewer (read), manager (write), administrator (settings, people), owner. */
  level: FestivalLevel;
  /** The part of the festival the action touches; "all" means it needs an unscoped grant. */
  scope?: FestivalScope;
}

/**
 * Object-level check for anything under a festival, callable from any service:
 *
 *   const access = await assertFestivalAccess(db, principal, festivalId, { level: "manager", scope: "schedule" });
 *
 * 404 when the caller has no access at all (or the festival does not exist, or was
 * deleted): another tenant's festival is indistinguishable from a missing one.
 * 403 when they can see it but their level or scope is not enough.
 *
 * Where access comes from: platform admin = owner of all; organization owner/admin/member =
 * owner/administrator/viewer of every festival of the organization; plus festival_permissions
 * rows (accepted invitations). An organization-bound API key never reaches another organization.
 */
export async function assertFestivalAccess(
  db: Knex | Knex.Transaction,
  principal: Principal,
  festivalId: string,
  required: FestivalAccessRequirement,
): Promise<FestivalAccess> {
  const access = await festivalAccess(db, principal, festivalId);
  if (!access || access.grants.length === 0) throw festivalNotFound(festivalId);
  if (!satisfies(access, required)) {
    const scope = required.scope ?? "all";
    throw new HttpError(403, "insufficient_festival_access", `requires ${required.level} access to ${scope === "all" ? "the whole festival" : scope}`);
  }
  return access;
}

export function festivalNotFound(festivalId: string): HttpError {
  return new HttpError(404, "festival_not_found", `festival ${festivalId} not found`);
}

/** True when some grant has the level and covers the scope ("all" covers every scope). */
export function satisfies(access: FestivalAccess, required: FestivalAccessRequirement): boolean {
  const scope = required.scope ?? "all";
  return access.grants.some((g) => LEVEL_RANK[g.level] >= LEVEL_RANK[required.level] && (g.scope === "all" || g.scope === scope));
}

/** The festival, the caller's organization role there and their festival-scoped grants. */
interface AccessRow {
  id: string;
  organization_id: string;
  org_role: string | null;
  grants: FestivalAccess["grants"];
}

/**
 * The caller's grants on a festival, or null if it does not exist (or is deleted). Runs on
 * every festival-scoped request, so it stays one knex statement: the festivals module's
 * live_festivals view, the organizations module's organization_member_roles view and this
 * module's festival_permissions.
 */
export async function festivalAccess(db: Knex | Knex.Transaction, principal: Principal, festivalId: string): Promise<FestivalAccess | null> {
  const row = await db("live_festivals as f")
    .leftJoin("organization_member_roles as om", (j) => j.on("om.organization_id", "f.organization_id").andOnVal("om.user_id", principal.userId))
    .where("f.id", festivalId)
    .first<AccessRow | undefined>(
      "f.id",
      "f.organization_id",
      "om.role as org_role",
      db.raw(
        "coalesce((select json_agg(json_build_object('level', fp.level, 'scope', fp.scope)) from festival_permissions fp where fp.festival_id = f.id and fp.user_id = ?), '[]'::json) as grants",
        [principal.userId],
      ),
    );
  if (!row) return null;
  if (principal.apiKeyOrganizationId && principal.apiKeyOrganizationId !== row.organization_id) {
    return { festivalId: row.id, organizationId: row.organization_id, grants: [] };
  }
  const grants: FestivalAccess["grants"] = [...row.grants];
  if (principal.roles.has("admin")) grants.push({ level: "owner", scope: "all" });
  const fromOrganization = row.org_role ? ORGANIZATION_ROLE_LEVEL[row.org_role] : undefined;
  if (fromOrganization) grants.push({ level: fromOrganization, scope: "all" });
  return { festivalId: row.id, organizationId: row.organization_id, grants };
}

const ORGANIZATION_ROLE_LEVEL: Record<string, FestivalLevel> = { owner: "owner", admin: "administrator", member: "viewer" };

/**
 * Ids of the festivals the caller may see at `level` (for list endpoints), as a subquery:
 *
 *   Festival.query(db).whereIn("id", accessibleFestivalIds(db, principal, { level: "viewer" }))
 */
export function accessibleFestivalIds(db: Knex, principal: Principal, required: FestivalAccessRequirement): Knex.QueryBuilder {
  const scope = required.scope ?? "all";
  const levels = FESTIVAL_LEVELS.filter((l) => LEVEL_RANK[l] >= LEVEL_RANK[required.level]);
  const orgRoles = Object.entries(ORGANIZATION_ROLE_LEVEL)
    .filter(([, level]) => levels.includes(level))
    .map(([role]) => role);
  const query = db("live_festivals as f").select("f.id");
  if (principal.apiKeyOrganizationId) query.where("f.organization_id", principal.apiKeyOrganizationId);
  if (principal.roles.has("admin")) return query;
  return query.where((w) => {
    w.whereExists(
      db("organization_member_roles as om")
        .whereRaw("om.organization_id = f.organization_id")
        .where("om.user_id", principal.userId)
        .whereIn("om.role", orgRoles.length ? orgRoles : ["-"]),
    ).orWhereExists(
      db("festival_permissions as fp")
        .whereRaw("fp.festival_id = f.id")
        .where("fp.user_id", principal.userId)
        .whereIn("fp.level", levels)
        .whereIn("fp.scope", scope === "all" ? ["all"] : ["all", scope]),
    );
  });
}

/**
 * assertFestivalAccess for an object inside a festival: a caller with no access at all is
 * told the object itself is not found, so its existence never leaks.
 */
export async function assertObjectAccess(
  db: Knex,
  principal: Principal,
  festivalId: string,
  required: FestivalAccessRequirement,
  entityType: string,
  id: string,
): Promise<FestivalAccess> {
  try {
    return await assertFestivalAccess(db, principal, festivalId, required);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw new HttpError(404, `${entityType}_not_found`, `${entityType} ${id} not found`);
    throw error;
  }
}
