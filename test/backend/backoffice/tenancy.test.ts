import assert from "node:assert/strict";
import { expectProblem, useTestApi } from "../../support/api-suite.js";
import { createTestUser } from "../../support/auth.js";
import { buildCompany, type TestCompany } from "./fixtures.js";

describe("back office: companies as tenants under row-level security", () => {
  const t = useTestApi();
  let a: TestCompany, b: TestCompany;

  before(async () => {
    a = await buildCompany(t.db, t.api, { name: "Company A" });
    b = await buildCompany(t.db, t.api, { name: "Company B" });
  });

  it("gives the company its settings and the caller their roles", async () => {
    const res = await t.api.get(`/api/v1/companies/${a.companyId}`, a.owner.headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.timezone, "Europe/Berlin");
    assert.equal(res.body.fiscalYearStartMonth, 4);
    assert.deepEqual(res.body.approvalLimits, { automaticMinor: 10_000, adminMinor: 50_000, financeMinor: 100_000 });
    assert.deepEqual(res.body.myRoles, ["system_admin"]);
    const asArtist = await t.api.get(`/api/v1/companies/${a.companyId}`, a.artist.headers);
    assert.deepEqual(asArtist.body.myRoles, ["artist"]);
  });

  it("lets an artist work for several companies", async () => {
    const added = await t.api.post(`/api/v1/companies/${b.companyId}/artists`, { userId: a.artist.userId, stageName: "Guest" }, b.owner.headers);
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const mine = await t.api.get("/api/v1/companies", a.artist.headers);
    assert.deepEqual(mine.body.items.map((c: { companyId: string }) => c.companyId).sort(), [a.companyId, b.companyId].sort());
  });

  it("sees no row at all without the company setting, and only its own with it", async () => {
    await t.db.transaction(async (trx) => {
      await trx.raw("set local role backoffice_tenant");
      for (const table of ["company_settings", "company_roles", "company_artists", "expenses", "artist_contracts", "productions"]) {
        const rows = await trx(table).select("company_id");
        assert.equal(rows.length, 0, `${table} without app.company_id`);
      }
    });
    await t.db.transaction(async (trx) => {
      await trx.raw("select set_config('role', 'backoffice_tenant', true), set_config('app.company_id', ?, true)", [a.companyId]);
      const companies = await trx("company_artists").distinct("company_id");
      assert.deepEqual(
        companies.map((r) => r.company_id),
        [a.companyId],
      );
      // and it cannot write another company's rows
      await assert.rejects(
        trx("company_roles").insert({ id: crypto.randomUUID(), company_id: b.companyId, user_id: a.owner.userId, role: "admin" }),
        /row-level security/,
      );
    });
  });

  it("answers 404 to company B's users on every route of company A, and changes nothing", async () => {
    const before = await t.db("company_settings").where({ company_id: a.companyId }).first();
    const path = `/api/v1/companies/${a.companyId}`;
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "GET", path, b.owner);
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "PATCH", path, b.owner, { timezone: "UTC" });
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "GET", `${path}/roles`, b.owner);
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "POST", `${path}/roles`, b.owner, { userId: b.owner.userId, role: "admin" });
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "GET", `${path}/artists`, b.accountant);
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "GET", `${path}/artists/${a.artistId}`, b.accountant);
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "PATCH", `${path}/artists/${a.artistId}`, b.owner, { stageName: "x" });
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "POST", `${path}/artists/rotate-keys`, b.owner);
    // a company-B id under company A's path is a 404 as well
    await expectProblem(t.api, { status: 404, code: "company_artist_not_found" }, "GET", `${path}/artists/${b.artistId}`, a.owner);
    assert.deepEqual(await t.db("company_settings").where({ company_id: a.companyId }).first(), before);
  });

  it("masks personal data for everyone but the artist and finance roles, and finds duplicates by hash", async () => {
    const path = `/api/v1/companies/${a.companyId}/artists/${a.artistId}`;
    assert.equal((await t.api.get(path, a.artist.headers)).body.taxId, "12345678901");
    assert.equal((await t.api.get(path, a.accountant.headers)).body.iban, "DE02120300000000202051");
    const masked = (await t.api.get(path, a.manager.headers)).body;
    assert.equal(masked.taxId, "••••8901");
    assert.equal(masked.iban, "••••2051");
    assert.equal(masked.masked, true);
    const stored = await t.db("company_artists").where({ id: a.artistId }).first();
    assert.ok(!stored.tax_id_encrypted.toString("latin1").includes("12345678901"));

    const dup = await t.api.get(`/api/v1/companies/${a.companyId}/artists/duplicates?taxIdCountry=DE&taxId=123-456-789-01`, a.accountant.headers);
    assert.equal(dup.status, 200, JSON.stringify(dup.body));
    assert.deepEqual(
      dup.body.items.map((r: { id: string }) => r.id),
      [a.artistId],
    );
    await expectProblem(
      t.api,
      { status: 403, code: "insufficient_company_role" },
      "GET",
      `/api/v1/companies/${a.companyId}/artists/duplicates?taxIdCountry=DE&taxId=12345678901`,
      a.manager,
    );
  });

  it("refuses a tax id that is not in its country's format, naming the field", async () => {
    const person = await createTestUser(t.db);
    const path = `/api/v1/companies/${a.companyId}/artists`;
    await expectProblem(t.api, { status: 400, code: "invalid_tax_id", fields: ["body.taxId"] }, "POST", path, a.owner, {
      userId: person.userId,
      stageName: "X",
      taxIdCountry: "NL",
      taxId: "123456789",
    });
    await expectProblem(t.api, { status: 400, code: "invalid_iban", fields: ["body.iban"] }, "POST", path, a.owner, {
      userId: person.userId,
      stageName: "X",
      iban: "DE00370400440532013000",
    });
    assert.equal(await t.db("company_artists").where({ user_id: person.userId }).first(), undefined);
  });

  it("writes audit rows with old and new values and the changed fields", async () => {
    const res = await t.api.request("PATCH", `/api/v1/companies/${a.companyId}`, { headers: a.owner.headers, body: { timezone: "Europe/Paris" } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const row = await t.db("audit_log").where({ action: "company.updated", entity_id: a.companyId }).orderBy("created_at", "desc").first();
    assert.equal(row.before.timezone, "Europe/Berlin");
    assert.equal(row.after.timezone, "Europe/Paris");
    assert.ok(row.changed_fields.includes("timezone"), JSON.stringify(row.changed_fields));
    assert.ok(!row.changed_fields.includes("default_currency"));
  });

  it("refuses approval limits that do not grow and a role only a system_admin grants", async () => {
    await expectProblem(t.api, { status: 422, code: "approval_limits_unordered" }, "PATCH", `/api/v1/companies/${a.companyId}`, a.owner, {
      approvalLimits: { automaticMinor: 90_000, adminMinor: 50_000, financeMinor: 100_000 },
    });
    await expectProblem(t.api, { status: 403, code: "insufficient_company_role" }, "POST", `/api/v1/companies/${a.companyId}/roles`, a.admin, {
      userId: a.artist.userId,
      role: "accountant",
    });
  });
});
