import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import type { AuditContext } from "../../http/audit-context.js";
import { changedFields, recordAudit } from "../audit/service.js";

export type CompanyRole = "artist" | "admin" | "accountant" | "production_manager" | "system_admin";
export const COMPANY_ROLES: readonly CompanyRole[] = ["artist", "admin", "accountant", "production_manager", "system_admin"];
/** Who sees personal data unmasked besides the artist: the finance side. */
export const FINANCE_ROLES: readonly CompanyRole[] = ["accountant", "system_admin"];

/** The database role the back office's statements run as: not the tables' owner, so row-level security applies. */
export const TENANT_ROLE = "backoffice_tenant";

export interface CompanyScope {
  trx: Knex.Transaction;
  companyId: string;
  userId: string;
  roles: ReadonlySet<CompanyRole>;
}

/**
 * One transaction inside one company's rows: the role becomes backoffice_tenant and
 * app.company_id the company, both for this transaction only (`set_config(..., true)`
 * is SET LOCAL), so a pooled connection never carries a tenant into the next request.
 *
 *   await withTenant(db, companyId, async (trx) => trx("expenses").where({ id }))
 */
export async function withTenant<T>(db: Knex, companyId: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await enterTenant(trx, companyId);
    return fn(trx);
  });
}

export async function enterTenant(trx: Knex.Transaction, companyId: string): Promise<void> {
  await trx.raw("select set_config('role', ?, true), set_config('app.company_id', ?, true)", [TENANT_ROLE, companyId]);
}

/**
 * The caller's company roles and a tenant transaction, in one:
 *
 *   await inCompany(db, principal, companyId, ["admin", "accountant"], async ({ trx, roles }) => ...)
 *
 * 404 when the caller has no role in the company (another tenant's company does not exist
 * for them), 403 when none of their roles is in `allowed` ("any" takes every role).
 * Platform admins act as system_admin.
 */
export async function inCompany<T>(
  db: Knex,
  principal: Principal,
  companyId: string,
  allowed: readonly CompanyRole[] | "any",
  fn: (scope: CompanyScope) => Promise<T>,
): Promise<T> {
  const notFound = new HttpError(404, "company_not_found", `company ${companyId} not found`);
  if (principal.apiKeyOrganizationId && principal.apiKeyOrganizationId !== companyId) throw notFound;
  return db.transaction(async (trx) => {
    await enterTenant(trx, companyId);
    const rows: Array<{ role: CompanyRole }> = await trx("company_roles").where({ user_id: principal.userId }).select("role");
    const roles = new Set(rows.map((r) => r.role));
    if (principal.roles.has("admin")) {
      const exists = await trx("company_settings").first("company_id");
      if (!exists) throw notFound;
      roles.add("system_admin");
    }
    if (roles.size === 0) throw notFound;
    if (allowed !== "any" && !allowed.some((r) => roles.has(r)))
      throw new HttpError(403, "insufficient_company_role", `requires company role ${allowed.join(" or ")}`);
    return fn({ trx, companyId, userId: principal.userId, roles });
  });
}

/** Whether the caller holds one of `roles` in the company. */
export function hasAnyRole(scope: CompanyScope, roles: readonly CompanyRole[]): boolean {
  return roles.some((r) => scope.roles.has(r));
}

/**
 * The back office's audit row: old and new values and the fields that changed, filed under
 * the company (audit_log.organization_id), in the caller's tenant transaction.
 */
export async function auditCompanyChange(
  trx: Knex.Transaction,
  ctx: AuditContext,
  entry: { action: string; entityType: string; entityId: string; companyId: string; before?: object | null; after?: object | null },
): Promise<void> {
  await recordAudit(trx, ctx, {
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    organizationId: entry.companyId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    changedFields: changedFields(entry.before, entry.after),
  });
}

/** A `date` column as YYYY-MM-DD (pg hands dates over as local-midnight Date objects). */
export function sqlDate(value: unknown): string {
  if (!(value instanceof Date)) return String(value);
  return `${value.getFullYear()}-${String(value.getMonth() + 1).padStart(2, "0")}-${String(value.getDate()).padStart(2, "0")}`;
}
