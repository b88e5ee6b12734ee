import { z } from "../../http/zod.js";

export const CompanyRole = z.enum(["artist", "admin", "accountant", "production_manager", "system_admin"]);
export const CompanyIdParams = z.object({ companyId: z.uuid() });
export const CompanyRoleParams = z.object({ companyId: z.uuid(), roleId: z.uuid() });
export const CompanyArtistParams = z.object({ companyId: z.uuid(), artistId: z.uuid() });

const Currency = z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code, e.g. EUR");
const Minor = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const Settings = {
  timezone: z.string().min(1).max(64),
  fiscalYearStartMonth: z.number().int().min(1).max(12),
  defaultCurrency: Currency,
  expenseCategories: z.array(z.string().trim().min(1).max(60)).min(1).max(50),
  approvalLimits: z.strictObject({
    automaticMinor: Minor.openapi({ description: "expenses up to this (base currency, minor units) approve themselves" }),
    adminMinor: Minor.openapi({ description: "an admin's approval covers up to this" }),
    financeMinor: Minor.openapi({ description: "an accountant's approval covers up to this; above it a system_admin's" }),
  }),
  payer: z.strictObject({ name: z.string().trim().min(1).max(70), iban: z.string().max(40), bic: z.string().max(11).optional() }).nullable(),
};

export const Company = z
  .object({
    id: z.uuid(),
    name: z.string(),
    timezone: z.string(),
    fiscalYearStartMonth: z.number(),
    defaultCurrency: z.string(),
    expenseCategories: z.array(z.string()),
    approvalLimits: z.object({ automaticMinor: z.number(), adminMinor: z.number(), financeMinor: z.number() }),
    payer: z.object({ name: z.string(), iban: z.string(), bic: z.string().nullable() }).nullable(),
    myRoles: z.array(CompanyRole),
  })
  .openapi("Company");

export const CreateCompanyBody = z.strictObject({
  organizationId: z.uuid(),
  timezone: Settings.timezone.default("UTC"),
  fiscalYearStartMonth: Settings.fiscalYearStartMonth.default(1),
  defaultCurrency: Settings.defaultCurrency.default("EUR"),
  expenseCategories: Settings.expenseCategories.optional(),
  approvalLimits: Settings.approvalLimits.optional(),
  payer: Settings.payer.optional(),
});
export const UpdateCompanyBody = z.strictObject(Settings).partial();

export const CompanyRoleGrant = z
  .object({ id: z.uuid(), userId: z.uuid(), role: CompanyRole, displayName: z.string().nullable(), createdAt: z.string() })
  .openapi("CompanyRoleGrant");
export const GrantRoleBody = z.strictObject({ userId: z.uuid(), role: CompanyRole });

export const CompanyArtist = z
  .object({
    id: z.uuid(),
    userId: z.uuid(),
    stageName: z.string(),
    taxIdCountry: z.string().nullable(),
    taxId: z.string().nullable().openapi({ description: "full value for the artist and finance roles, masked for everyone else" }),
    iban: z.string().nullable().openapi({ description: "full value for the artist and finance roles, masked for everyone else" }),
    bic: z.string().nullable(),
    masked: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("CompanyArtist");
export const CreateArtistBody = z.strictObject({
  userId: z.uuid(),
  stageName: z.string().trim().min(1).max(200),
  taxIdCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  taxId: z.string().trim().min(4).max(40).optional(),
  iban: z.string().trim().min(15).max(40).optional(),
  bic: z
    .string()
    .regex(/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/, "8 or 11 character BIC")
    .optional(),
});
export const UpdateArtistBody = CreateArtistBody.omit({ userId: true }).partial();
export const DuplicateQuery = z.object({ taxIdCountry: z.string().regex(/^[A-Z]{2}$/), taxId: z.string().min(4).max(40) });
export const RotationResult = z.object({ reencrypted: z.number(), alreadyCurrent: z.number() }).openapi("KeyRotationResult");
