import type { Knex } from "knex";
import type { z } from "zod";
import type { Principal } from "../../http/auth.js";
import { paginate } from "../../http/pagination.js";
import type { AuditQuery } from "./schemas.js";
import { AuditLogEntry, auditEntryDto, type AuditLogRow } from "./models.js";

type Filters = z.output<typeof AuditQuery>;

/**
 * The organizations module's owner check (404 for a non-member, 403 below owner). Every
 * module writes audit rows, organizations included, so app.ts passes the check in.
 */
export type AssertOrganizationOwner = (db: Knex, principal: Principal, organizationId: string) => Promise<unknown>;

/** Admins: the whole trail, filtered and cursor-paged (newest first). */
export function queryAudit(db: Knex, filters: Filters) {
  return page(db, AuditLogEntry.query(db), filters);
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
  return page(db, AuditLogEntry.query(db).where({ organization_id: organizationId }), filters);
}

function page(db: Knex, query: ReturnType<typeof AuditLogEntry.query>, f: Partial<Filters> & Pick<Filters, "limit" | "cursor">) {
  if (f.action) query.where("action", f.action);
  if (f.entityType) query.where("entity_type", f.entityType);
  if (f.entityId) query.where("entity_id", f.entityId);
  if (f.actorUserId) query.where("actor_user_id", f.actorUserId);
  if (f.festivalId) query.where("festival_id", f.festivalId);
  if (f.organizationId) query.where("organization_id", f.organizationId);
  if (f.from) query.where("created_at", ">=", new Date(f.from));
  if (f.to) query.where("created_at", "<", new Date(f.to));
  return paginate(query.select("*", db.raw("host(ip) as ip_text")).toKnexQuery(), f, { column: "created_at", order: "desc" }, (r: AuditLogRow) =>
    auditEntryDto(r),
  );
}
