import type { Knex } from "knex";
import type { z } from "zod";
import type { Principal } from "../../http/auth.js";
import { paginate } from "../../http/pagination.js";
import type { AuditQuery } from "./schemas.js";

type Filters = z.output<typeof AuditQuery>;

/**
 * The organizations module's owner check (404 for a non-member, 403 below owner). Every
 * module writes audit rows, organizations included, so app.ts passes the check in.
 */
export type AssertOrganizationOwner = (db: Knex, principal: Principal, organizationId: string) => Promise<unknown>;

/** Admins: the whole trail, filtered and cursor-paged (newest first). */
export function queryAudit(db: Knex, filters: Filters) {
  return page(db, db("audit_log"), filters);
}

/** Organization owners: the rows about their organization (its festivals included). */
export async function queryOrganizationAudit(
  db: Knex,
  principal: Principal,
  organizationId: string,
  filters: Omit<Filters, "organizationId">,
  assertOrganizationOwner: AssertOrganizationOwner,
) {
  await assertOrganizationOwner(db, principal, organizationId);
  return page(db, db("audit_log").where({ organization_id: organizationId }), filters);
}

function page(db: Knex, query: Knex.QueryBuilder, f: Partial<Filters> & Pick<Filters, "limit" | "cursor">) {
  if (f.action) query.where("action", f.action);
  if (f.entityType) query.where("entity_type", f.entityType);
  if (f.entityId) query.where("entity_id", f.entityId);
  if (f.actorUserId) query.where("actor_user_id", f.actorUserId);
  if (f.festivalId) query.where("festival_id", f.festivalId);
  if (f.organizationId) query.where("organization_id", f.organizationId);
  if (f.from) query.where("created_at", ">=", new Date(f.from));
  if (f.to) query.where("created_at", "<", new Date(f.to));
  return paginate(query.select("*", db.raw("host(ip) as ip_text")), f, { column: "created_at", order: "desc" }, (r: Record<string, unknown>) => ({
    id: r.id as string,
    createdAt: (r.created_at as Date).toISOString(),
    actorType: r.actor_type as string,
    actorUserId: (r.actor_user_id as string | null) ?? null,
    actorApiKeyId: (r.actor_api_key_id as string | null) ?? null,
    action: r.action as string,
    entityType: r.entity_type as string,
    entityId: (r.entity_id as string | null) ?? null,
    organizationId: (r.organization_id as string | null) ?? null,
    festivalId: (r.festival_id as string | null) ?? null,
    before: r.before ?? null,
    after: r.after ?? null,
    ip: (r.ip_text as string | null) ?? null,
    userAgent: (r.user_agent as string | null) ?? null,
    requestId: (r.request_id as string | null) ?? null,
  }));
}
