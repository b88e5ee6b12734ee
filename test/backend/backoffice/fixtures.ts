import assert from "node:assert/strict";
import type { Knex } from "knex";
import { createTestOrganization, createTestUser, type TestUser } from "../../support/auth.js";
import type { TestApi } from "../../support/http.js";

export interface TestCompany {
  companyId: string;
  owner: TestUser;
  admin: TestUser;
  accountant: TestUser;
  manager: TestUser;
  artist: TestUser;
  artistId: string;
}

/**
 * A company through the API: its owner (system_admin), an admin, an accountant, a production
 * manager and one artist on the roster with a tax id and an IBAN.
 */
export async function buildCompany(db: Knex, api: TestApi, opts: { currency?: string; name?: string } = {}): Promise<TestCompany> {
  const [owner, admin, accountant, manager, artist] = await Promise.all(
    ["Owner", "Admin", "Accountant", "Manager", "Artist"].map((displayName) => createTestUser(db, { displayName })),
  );
  const { organizationId } = await createTestOrganization(db, [[owner!, "owner"]], opts.name ?? "Company");
  const created = await api.post(
    "/api/v1/companies",
    {
      organizationId,
      timezone: "Europe/Berlin",
      fiscalYearStartMonth: 4,
      defaultCurrency: opts.currency ?? "EUR",
      expenseCategories: ["travel", "meals", "costumes"],
      approvalLimits: { automaticMinor: 10_000, adminMinor: 50_000, financeMinor: 100_000 },
      payer: { name: "BIG Live GmbH", iban: "DE89370400440532013000", bic: "COBADEFFXXX" },
    },
    owner!.headers,
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (const [user, role] of [
    [admin, "admin"],
    [accountant, "accountant"],
    [manager, "production_manager"],
  ] as const) {
    const granted = await api.post(`/api/v1/companies/${organizationId}/roles`, { userId: user!.userId, role }, owner!.headers);
    assert.equal(granted.status, 201, JSON.stringify(granted.body));
  }
  const roster = await api.post(
    `/api/v1/companies/${organizationId}/artists`,
    { userId: artist!.userId, stageName: "The Artist", taxIdCountry: "DE", taxId: "12345678901", iban: "DE02120300000000202051", bic: "BYLADEM1001" },
    owner!.headers,
  );
  assert.equal(roster.status, 201, JSON.stringify(roster.body));
  return { companyId: organizationId, owner: owner!, admin: admin!, accountant: accountant!, manager: manager!, artist: artist!, artistId: roster.body.id };
}
