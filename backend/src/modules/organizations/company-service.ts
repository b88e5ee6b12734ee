import type { Knex } from "knex";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { maskTail } from "../../security/encryption.js";
import type { KeyRing } from "../../security/key-ring.js";
import { assertOrganizationAccess } from "./access.js";
import type { CreateArtistBody, CreateCompanyBody, UpdateArtistBody, UpdateCompanyBody } from "./company-schemas.js";
import { ibanProblem, normalizeIban, normalizeTaxId, taxIdHash, taxIdProblem } from "./tax-ids.js";
import { auditCompanyChange, enterTenant, FINANCE_ROLES, hasAnyRole, inCompany, withTenant, type CompanyRole, type CompanyScope } from "./tenant.js";

const TAX_ID = "company_artists.tax_id";
const BANK = "company_artists.bank_account";
const MANAGERS: readonly CompanyRole[] = ["admin", "system_admin"];

interface SettingsRow {
  company_id: string;
  timezone: string;
  fiscal_year_start_month: number;
  default_currency: string;
  expense_categories: string[];
  auto_approve_limit_minor: string;
  admin_approval_limit_minor: string;
  finance_approval_limit_minor: string;
  payer_name: string | null;
  payer_iban: string | null;
  payer_bic: string | null;
}

export interface CompanySettings {
  companyId: string;
  timezone: string;
  fiscalYearStartMonth: number;
  defaultCurrency: string;
  expenseCategories: string[];
  limits: { automatic: bigint; admin: bigint; finance: bigint };
  payer: { name: string; iban: string; bic: string | null } | null;
}

interface ArtistRow {
  id: string;
  company_id: string;
  user_id: string;
  stage_name: string;
  tax_id_country: string | null;
  tax_id_encrypted: Buffer | null;
  tax_id_sha256: Buffer | null;
  bank_account_encrypted: Buffer | null;
  bank_bic: string | null;
  created_at: Date;
}

/** The company's settings inside a tenant transaction (every back-office module reads them through here). */
export async function companySettings(trx: Knex.Transaction): Promise<CompanySettings> {
  const row: SettingsRow | undefined = await trx("company_settings").first();
  if (!row) throw new HttpError(404, "company_not_found", "company not found");
  return {
    companyId: row.company_id,
    timezone: row.timezone,
    fiscalYearStartMonth: row.fiscal_year_start_month,
    defaultCurrency: row.default_currency,
    expenseCategories: row.expense_categories,
    limits: {
      automatic: BigInt(row.auto_approve_limit_minor),
      admin: BigInt(row.admin_approval_limit_minor),
      finance: BigInt(row.finance_approval_limit_minor),
    },
    payer: row.payer_name && row.payer_iban ? { name: row.payer_name, iban: row.payer_iban, bic: row.payer_bic } : null,
  };
}

/** A roster entry's id, name, user and decrypted bank account, for payouts (finance paths only). */
export async function artistPayees(trx: Knex.Transaction, ring: KeyRing, artistIds: string[]) {
  const rows: ArtistRow[] = await trx("company_artists").whereIn("id", artistIds);
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        userId: r.user_id,
        stageName: r.stage_name,
        iban: r.bank_account_encrypted ? ring.open(r.bank_account_encrypted, BANK).plaintext : null,
        bic: r.bank_bic,
      },
    ]),
  );
}

/** The roster entry of a user in the company, if any (the artist acting for themself). */
export async function artistOfUser(trx: Knex.Transaction, userId: string): Promise<{ id: string } | undefined> {
  return trx("company_artists").where({ user_id: userId }).first("id");
}

export async function artistExists(trx: Knex.Transaction, artistId: string): Promise<{ id: string; user_id: string } | undefined> {
  return trx("company_artists").where({ id: artistId }).first("id", "user_id");
}

export class CompanyService {
  constructor(
    private readonly db: Knex,
    private readonly ring: KeyRing,
  ) {}

  private async dto(trx: Knex.Transaction, companyId: string, roles: ReadonlySet<CompanyRole>) {
    const s = await companySettings(trx);
    const org: { name: string } | undefined = await trx("organizations").where({ id: companyId }).first("name");
    return {
      id: companyId,
      name: org?.name ?? "",
      timezone: s.timezone,
      fiscalYearStartMonth: s.fiscalYearStartMonth,
      defaultCurrency: s.defaultCurrency,
      expenseCategories: s.expenseCategories,
      approvalLimits: { automaticMinor: Number(s.limits.automatic), adminMinor: Number(s.limits.admin), financeMinor: Number(s.limits.finance) },
      payer: s.payer,
      myRoles: [...roles].sort(),
    };
  }

  /** An organization's owner turns it into a company (the back office's tenant) and becomes its system_admin. */
  async create(principal: Principal, ctx: AuditContext, input: z.output<typeof CreateCompanyBody>) {
    await assertOrganizationAccess(this.db, principal, input.organizationId, "owner");
    assertTimezone(input.timezone);
    const companyId = input.organizationId;
    return withTenant(this.db, companyId, async (trx) => {
      if (await trx("company_settings").first("company_id")) throw new HttpError(409, "company_exists", "this organization already is a company");
      const limits = input.approvalLimits;
      const payer = input.payer ? checkedPayer(input.payer, "body.payer.iban") : null;
      const [row] = await trx("company_settings")
        .insert({
          company_id: companyId,
          timezone: input.timezone,
          fiscal_year_start_month: input.fiscalYearStartMonth,
          default_currency: input.defaultCurrency,
          ...(input.expenseCategories ? { expense_categories: input.expenseCategories } : {}),
          ...(limits ? limitColumns(limits) : {}),
          payer_name: payer?.name ?? null,
          payer_iban: payer?.iban ?? null,
          payer_bic: payer?.bic ?? null,
          created_by: principal.userId,
          updated_by: principal.userId,
        })
        .returning("*")
        .catch(limitViolation);
      await trx("company_roles").insert({ id: newId(), company_id: companyId, user_id: principal.userId, role: "system_admin", created_by: principal.userId });
      await auditCompanyChange(trx, ctx, { action: "company.created", entityType: "company", entityId: companyId, companyId, after: row });
      return this.dto(trx, companyId, new Set<CompanyRole>(["system_admin"]));
    });
  }

  get(principal: Principal, companyId: string) {
    return inCompany(this.db, principal, companyId, "any", ({ trx, roles }) => this.dto(trx, companyId, roles));
  }

  /** The companies a person holds a role in (an artist may work for several). */
  async listMine(principal: Principal) {
    return this.db.transaction(async (trx) => {
      await trx.raw("select set_config('role', 'backoffice_tenant', true), set_config('app.user_id', ?, true)", [principal.userId]);
      const rows: Array<{ company_id: string; roles: CompanyRole[] }> = await trx("company_roles")
        .where({ user_id: principal.userId })
        .groupBy("company_id")
        .select("company_id", trx.raw("array_agg(role order by role) as roles"));
      return { items: rows.map((r) => ({ companyId: r.company_id, roles: r.roles })) };
    });
  }

  update(principal: Principal, ctx: AuditContext, companyId: string, input: z.output<typeof UpdateCompanyBody>) {
    return inCompany(this.db, principal, companyId, MANAGERS, async ({ trx, roles }) => {
      if (input.timezone) assertTimezone(input.timezone);
      const before = await trx("company_settings").forUpdate().first();
      const patch: Record<string, unknown> = { updated_by: principal.userId };
      if (input.timezone !== undefined) patch.timezone = input.timezone;
      if (input.fiscalYearStartMonth !== undefined) patch.fiscal_year_start_month = input.fiscalYearStartMonth;
      if (input.defaultCurrency !== undefined) patch.default_currency = input.defaultCurrency;
      if (input.expenseCategories !== undefined) patch.expense_categories = input.expenseCategories;
      if (input.approvalLimits !== undefined) Object.assign(patch, limitColumns(input.approvalLimits));
      if (input.payer !== undefined) {
        const payer = input.payer ? checkedPayer(input.payer, "body.payer.iban") : null;
        Object.assign(patch, { payer_name: payer?.name ?? null, payer_iban: payer?.iban ?? null, payer_bic: payer?.bic ?? null });
      }
      const [after] = await trx("company_settings").update(patch).returning("*").catch(limitViolation);
      await auditCompanyChange(trx, ctx, { action: "company.updated", entityType: "company", entityId: companyId, companyId, before, after });
      return this.dto(trx, companyId, roles);
    });
  }

  listRoles(principal: Principal, companyId: string, page: PageQuery) {
    return inCompany(this.db, principal, companyId, "any", ({ trx }) =>
      paginate(
        trx("company_roles as r").leftJoin("user_accounts as a", "a.id", "r.user_id").select("r.*", "a.display_name"),
        page,
        { column: "r.created_at", id: "r.id", order: "asc" },
        (r: { id: string; user_id: string; role: CompanyRole; display_name: string | null; created_at: Date }) => ({
          id: r.id,
          userId: r.user_id,
          role: r.role,
          displayName: r.display_name,
          createdAt: r.created_at.toISOString(),
        }),
      ),
    );
  }

  /** Admins grant artist and production_manager; the finance and system roles only a system_admin grants. */
  grantRole(principal: Principal, ctx: AuditContext, companyId: string, input: { userId: string; role: CompanyRole }) {
    return inCompany(this.db, principal, companyId, MANAGERS, async (scope) => {
      const { trx } = scope;
      if (["admin", "accountant", "system_admin"].includes(input.role) && !scope.roles.has("system_admin"))
        throw new HttpError(403, "insufficient_company_role", `only a system_admin grants ${input.role}`);
      const user = await trx("user_accounts").where({ id: input.userId }).whereNull("deleted_at").first("id", "display_name");
      if (!user) throw new HttpError(422, "user_not_found", "no such user", [{ field: "body.userId", message: "no such user" }]);
      const [row] = await trx("company_roles")
        .insert({ id: newId(), company_id: companyId, user_id: input.userId, role: input.role, created_by: principal.userId, updated_by: principal.userId })
        .onConflict(["company_id", "user_id", "role"])
        .ignore()
        .returning("*");
      if (!row) throw new HttpError(409, "role_held", "this user already holds this role");
      await auditCompanyChange(trx, ctx, { action: "company_role.granted", entityType: "company_role", entityId: row.id, companyId, after: row });
      return { id: row.id, userId: row.user_id, role: row.role, displayName: user.display_name ?? null, createdAt: row.created_at.toISOString() };
    });
  }

  revokeRole(principal: Principal, ctx: AuditContext, companyId: string, roleId: string) {
    return inCompany(this.db, principal, companyId, MANAGERS, async (scope) => {
      const { trx } = scope;
      const row = await trx("company_roles").where({ id: roleId }).forUpdate().first();
      if (!row) throw new HttpError(404, "company_role_not_found", `role ${roleId} not found`);
      if (["admin", "accountant", "system_admin"].includes(row.role) && !scope.roles.has("system_admin"))
        throw new HttpError(403, "insufficient_company_role", `only a system_admin revokes ${row.role}`);
      if (row.role === "system_admin") {
        const admins = await trx("company_roles").where({ role: "system_admin" }).count<{ count: string }[]>("* as count");
        if (Number(admins[0]!.count) <= 1) throw new HttpError(422, "last_system_admin", "a company keeps at least one system_admin");
      }
      await trx("company_roles").where({ id: roleId }).delete();
      await auditCompanyChange(trx, ctx, { action: "company_role.revoked", entityType: "company_role", entityId: roleId, companyId, before: row });
    });
  }

  private artistDto(scope: CompanyScope, r: ArtistRow) {
    const full = r.user_id === scope.userId || hasAnyRole(scope, FINANCE_ROLES);
    const taxId = r.tax_id_encrypted ? this.ring.open(r.tax_id_encrypted, TAX_ID).plaintext : null;
    const iban = r.bank_account_encrypted ? this.ring.open(r.bank_account_encrypted, BANK).plaintext : null;
    return {
      id: r.id,
      userId: r.user_id,
      stageName: r.stage_name,
      taxIdCountry: r.tax_id_country,
      taxId: taxId && !full ? maskTail(taxId) : taxId,
      iban: iban && !full ? maskTail(iban) : iban,
      bic: r.bank_bic,
      masked: !full,
      createdAt: r.created_at.toISOString(),
    };
  }

  private personalData(input: z.output<typeof UpdateArtistBody>, country: string | null) {
    const out: Record<string, unknown> = {};
    if (input.taxId !== undefined) {
      if (!country)
        throw new HttpError(400, "invalid_input", "taxIdCountry is required with taxId", [{ field: "body.taxIdCountry", message: "required with taxId" }]);
      const problem = taxIdProblem(country, input.taxId);
      if (problem) throw new HttpError(400, "invalid_tax_id", problem, [{ field: "body.taxId", message: problem }]);
      out.tax_id_country = country;
      out.tax_id_encrypted = this.ring.seal(normalizeTaxId(input.taxId), TAX_ID);
      out.tax_id_sha256 = taxIdHash(country, input.taxId);
    }
    if (input.iban !== undefined) {
      const problem = ibanProblem(input.iban);
      if (problem) throw new HttpError(400, "invalid_iban", problem, [{ field: "body.iban", message: problem }]);
      out.bank_account_encrypted = this.ring.seal(normalizeIban(input.iban), BANK);
    }
    if (input.bic !== undefined) out.bank_bic = input.bic;
    return out;
  }

  /** Adds a person to the company's roster (and gives them the artist role there). */
  createArtist(principal: Principal, ctx: AuditContext, companyId: string, input: z.output<typeof CreateArtistBody>) {
    return inCompany(this.db, principal, companyId, [...MANAGERS, "accountant"], async (scope) => {
      const { trx } = scope;
      const user = await trx("user_accounts").where({ id: input.userId }).whereNull("deleted_at").first("id");
      if (!user) throw new HttpError(422, "user_not_found", "no such user", [{ field: "body.userId", message: "no such user" }]);
      const id = newId();
      const [row] = await trx("company_artists")
        .insert({
          id,
          company_id: companyId,
          user_id: input.userId,
          stage_name: input.stageName,
          ...this.personalData(input, input.taxIdCountry ?? null),
          created_by: principal.userId,
          updated_by: principal.userId,
        })
        .onConflict(["company_id", "user_id"])
        .ignore()
        .returning("*");
      if (!row) throw new HttpError(409, "artist_exists", "this person is already on the company's roster");
      await trx("company_roles")
        .insert({ id: newId(), company_id: companyId, user_id: input.userId, role: "artist", created_by: principal.userId })
        .onConflict(["company_id", "user_id", "role"])
        .ignore();
      await auditCompanyChange(trx, ctx, { action: "company_artist.created", entityType: "company_artist", entityId: id, companyId, after: row });
      return this.artistDto(scope, row);
    });
  }

  listArtists(principal: Principal, companyId: string, page: PageQuery) {
    return inCompany(this.db, principal, companyId, [...MANAGERS, "accountant", "production_manager"], (scope) =>
      paginate(scope.trx("company_artists"), page, { column: "created_at", id: "id", order: "asc" }, (r: ArtistRow) => this.artistDto(scope, r)),
    );
  }

  getArtist(principal: Principal, companyId: string, artistId: string) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => {
      const row: ArtistRow | undefined = await scope.trx("company_artists").where({ id: artistId }).first();
      const staff = hasAnyRole(scope, [...MANAGERS, "accountant", "production_manager"]);
      if (!row || (!staff && row.user_id !== scope.userId)) throw new HttpError(404, "company_artist_not_found", `artist ${artistId} not found`);
      return this.artistDto(scope, row);
    });
  }

  /** The artist changes their own personal data; managers and finance change anyone's. */
  updateArtist(principal: Principal, ctx: AuditContext, companyId: string, artistId: string, input: z.output<typeof UpdateArtistBody>) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => {
      const { trx } = scope;
      const before: ArtistRow | undefined = await trx("company_artists").where({ id: artistId }).forUpdate().first();
      const staff = hasAnyRole(scope, [...MANAGERS, "accountant"]);
      if (!before || (!staff && before.user_id !== scope.userId)) throw new HttpError(404, "company_artist_not_found", `artist ${artistId} not found`);
      const patch: Record<string, unknown> = { updated_by: principal.userId, ...this.personalData(input, input.taxIdCountry ?? before.tax_id_country) };
      if (input.stageName !== undefined) patch.stage_name = input.stageName;
      const [after] = await trx("company_artists").where({ id: artistId }).update(patch).returning("*");
      await auditCompanyChange(trx, ctx, { action: "company_artist.updated", entityType: "company_artist", entityId: artistId, companyId, before, after });
      return this.artistDto(scope, after);
    });
  }

  /** Roster entries with the same tax id, found by its SHA-256 (nothing is decrypted). Finance only. */
  findDuplicates(principal: Principal, companyId: string, country: string, taxId: string) {
    return inCompany(this.db, principal, companyId, FINANCE_ROLES, async (scope) => {
      const rows: ArtistRow[] = await scope
        .trx("company_artists")
        .where({ tax_id_sha256: taxIdHash(country, taxId) })
        .orderBy("created_at");
      return { items: rows.map((r) => this.artistDto(scope, r)), nextCursor: null };
    });
  }

  /** Re-encrypts the company's personal data still under a previous key with the current one. */
  rotateKeys(principal: Principal, ctx: AuditContext, companyId: string) {
    return inCompany(this.db, principal, companyId, ["system_admin"], async ({ trx }) => {
      const result = await reencryptArtists(trx, this.ring);
      await auditCompanyChange(trx, ctx, { action: "company.keys_rotated", entityType: "company", entityId: companyId, companyId, after: result });
      return result;
    });
  }
}

/** One pass over the tenant's roster: what opened under an old key is sealed again under the current one. */
export async function reencryptArtists(trx: Knex.Transaction, ring: KeyRing): Promise<{ reencrypted: number; alreadyCurrent: number }> {
  const rows: ArtistRow[] = await trx("company_artists").forUpdate().select("id", "tax_id_encrypted", "bank_account_encrypted");
  let reencrypted = 0;
  let alreadyCurrent = 0;
  for (const row of rows) {
    const patch: Record<string, Buffer> = {};
    for (const [column, context] of [
      ["tax_id_encrypted", TAX_ID],
      ["bank_account_encrypted", BANK],
    ] as const) {
      const box = row[column];
      if (!box) continue;
      const opened = ring.open(box, context);
      if (opened.stale) patch[column] = ring.seal(opened.plaintext, context);
    }
    if (Object.keys(patch).length) {
      await trx("company_artists").where({ id: row.id }).update(patch);
      reencrypted++;
    } else alreadyCurrent++;
  }
  return { reencrypted, alreadyCurrent };
}

/** Every company, one tenant transaction each (a key rotation run by the operator). */
export async function reencryptAllCompanies(db: Knex, ring: KeyRing): Promise<{ reencrypted: number; alreadyCurrent: number }> {
  const companies: Array<{ id: string }> = await db("organizations").select("id");
  const total = { reencrypted: 0, alreadyCurrent: 0 };
  for (const { id } of companies) {
    await db.transaction(async (trx) => {
      await enterTenant(trx, id);
      const r = await reencryptArtists(trx, ring);
      total.reencrypted += r.reencrypted;
      total.alreadyCurrent += r.alreadyCurrent;
    });
  }
  return total;
}

function assertTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
  } catch {
    throw new HttpError(400, "invalid_timezone", `${timezone} is not an IANA time zone`, [{ field: "body.timezone", message: "not an IANA time zone" }]);
  }
}

function limitColumns(limits: { automaticMinor: number; adminMinor: number; financeMinor: number }) {
  return {
    auto_approve_limit_minor: limits.automaticMinor,
    admin_approval_limit_minor: limits.adminMinor,
    finance_approval_limit_minor: limits.financeMinor,
  };
}

function checkedPayer(payer: { name: string; iban: string; bic?: string }, field: string) {
  const problem = ibanProblem(payer.iban);
  if (problem) throw new HttpError(400, "invalid_iban", problem, [{ field, message: problem }]);
  return { name: payer.name, iban: normalizeIban(payer.iban), bic: payer.bic ?? null };
}

function limitViolation(error: unknown): never {
  if ((error as { constraint?: string }).constraint === "ck_company_settings_limits_ordered")
    throw new HttpError(422, "approval_limits_unordered", "approval limits must grow: automatic <= admin <= finance", [
      { field: "body.approvalLimits", message: "automatic <= admin <= finance" },
    ]);
  throw error;
}
