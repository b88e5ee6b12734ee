import type { Knex } from "knex";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { companySettings } from "../organizations/company-service.js";
import { auditCompanyChange, inCompany, sqlDate, type CompanyRole } from "../organizations/tenant.js";
import type { CreateProductionBody, UpdateProductionBody } from "./schemas.js";

type Status = "planning" | "active" | "completed" | "cancelled" | "archived";
const MANAGERS: readonly CompanyRole[] = ["production_manager", "admin", "system_admin"];
/** Where a production may go from each status. */
const NEXT: Record<Status, readonly Status[]> = {
  planning: ["active", "cancelled"],
  active: ["completed", "cancelled"],
  completed: ["archived"],
  cancelled: ["archived"],
  archived: [],
};

export interface ProductionRow {
  id: string;
  company_id: string;
  edition_id: string | null;
  name: string;
  starts_on: string | Date;
  ends_on: string | Date;
  budget_minor: string;
  currency: string;
  status: Status;
  created_at: Date;
}

/** A production's dates inside a tenant transaction (the contracts module checks its terms against them). */
export async function productionDates(trx: Knex.Transaction, productionId: string): Promise<{ startsOn: string; endsOn: string; status: Status } | undefined> {
  const row: ProductionRow | undefined = await trx("productions").where({ id: productionId }).first();
  return row && { startsOn: sqlDate(row.starts_on), endsOn: sqlDate(row.ends_on), status: row.status };
}

function dto(r: ProductionRow) {
  return {
    id: r.id,
    name: r.name,
    editionId: r.edition_id,
    startsOn: sqlDate(r.starts_on),
    endsOn: sqlDate(r.ends_on),
    budgetMinor: String(r.budget_minor),
    currency: r.currency,
    status: r.status,
    createdAt: r.created_at.toISOString(),
  };
}

function assertOrdered(startsOn: string, endsOn: string): void {
  if (endsOn < startsOn)
    throw new HttpError(422, "production_ends_before_start", "a production ends on or after its first day", [
      { field: "body.endsOn", message: "before startsOn" },
    ]);
}

export class ProductionService {
  constructor(private readonly db: Knex) {}

  create(principal: Principal, ctx: AuditContext, companyId: string, input: z.output<typeof CreateProductionBody>) {
    return inCompany(this.db, principal, companyId, MANAGERS, async ({ trx, userId }) => {
      assertOrdered(input.startsOn, input.endsOn);
      if (input.editionId) {
        // the published festival views: an edition of one of this company's own festivals
        const edition = await trx("edition_time_zones as e")
          .join("live_festivals as f", "f.id", "e.festival_id")
          .where({ "e.id": input.editionId, "f.organization_id": companyId })
          .first("e.id");
        if (!edition)
          throw new HttpError(422, "edition_not_found", "no such edition among the company's festivals", [{ field: "body.editionId", message: "not found" }]);
      }
      const settings = await companySettings(trx);
      const [row] = await trx("productions")
        .insert({
          id: newId(),
          company_id: companyId,
          edition_id: input.editionId ?? null,
          name: input.name,
          starts_on: input.startsOn,
          ends_on: input.endsOn,
          budget_minor: input.budgetMinor,
          currency: input.currency ?? settings.defaultCurrency,
          created_by: userId,
          updated_by: userId,
        })
        .returning("*");
      await auditCompanyChange(trx, ctx, { action: "production.created", entityType: "production", entityId: row.id, companyId, after: row });
      return dto(row);
    });
  }

  list(principal: Principal, companyId: string, page: PageQuery) {
    return inCompany(this.db, principal, companyId, "any", ({ trx }) =>
      paginate(trx("productions"), page, { column: "starts_on", id: "id", order: "desc" }, dto),
    );
  }

  get(principal: Principal, companyId: string, productionId: string) {
    return inCompany(this.db, principal, companyId, "any", async ({ trx }) => {
      const row = await trx("productions").where({ id: productionId }).first();
      if (!row) throw new HttpError(404, "production_not_found", `production ${productionId} not found`);
      return dto(row);
    });
  }

  update(principal: Principal, ctx: AuditContext, companyId: string, productionId: string, input: z.output<typeof UpdateProductionBody>) {
    return inCompany(this.db, principal, companyId, MANAGERS, async ({ trx, userId }) => {
      const before: ProductionRow | undefined = await trx("productions").where({ id: productionId }).forUpdate().first();
      if (!before) throw new HttpError(404, "production_not_found", `production ${productionId} not found`);
      if (input.status && input.status !== before.status && !NEXT[before.status].includes(input.status))
        throw new HttpError(422, "production_status_transition", `a ${before.status} production cannot become ${input.status}`, [
          { field: "body.status", message: `one of ${NEXT[before.status].join(", ") || "(none)"}` },
        ]);
      const startsOn = input.startsOn ?? sqlDate(before.starts_on);
      const endsOn = input.endsOn ?? sqlDate(before.ends_on);
      assertOrdered(startsOn, endsOn);
      const patch: Record<string, unknown> = { updated_by: userId, starts_on: startsOn, ends_on: endsOn };
      if (input.name !== undefined) patch.name = input.name;
      if (input.budgetMinor !== undefined) patch.budget_minor = input.budgetMinor;
      if (input.status !== undefined) patch.status = input.status;
      const [after] = await trx("productions").where({ id: productionId }).update(patch).returning("*");
      await auditCompanyChange(trx, ctx, { action: "production.updated", entityType: "production", entityId: productionId, companyId, before, after });
      return dto(after);
    });
  }
}
