import assert from "node:assert/strict";
import { testDatabase } from "../support/database.js";
import { createTestApiKey, createTestFestival, createTestOrganization, createTestUser, grantFestivalAccess } from "../support/auth.js";
import { startTestApi, type TestApi } from "../support/http.js";
import { assertFestivalAccess } from "../../backend/src/modules/festival-access/service.js";
import { recordAudit, systemAuditContext } from "../../backend/src/modules/audit/service.js";
import { HttpError } from "../../backend/src/http/errors.js";
import type { Knex } from "knex";

describe("identity primitives", () => {
  let db: Knex;
  let api: TestApi;
  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db);
  });
  after(() => api.close());

  it("authenticates access tokens and API keys, refuses bad ones", async () => {
    const alice = await createTestUser(db, { roles: ["organizer"] });
    const me = await api.get("/api/v1/me", alice.headers);
    assert.equal(me.status, 200);
    assert.equal(me.body.id, alice.userId);
    assert.deepEqual(me.body.roles, ["organizer"]);

    assert.equal((await api.get("/api/v1/me")).status, 401);
    assert.equal((await api.get("/api/v1/me", { authorization: "Bearer nope" })).status, 401);

    const key = await createTestApiKey(db, alice, ["profile:read"]);
    const viaKey = await api.get("/api/v1/me", key.headers);
    assert.equal(viaKey.status, 200);
    assert.deepEqual(viaKey.body.roles, []);
    const narrow = await createTestApiKey(db, alice, ["festivals:read"]);
    assert.equal((await api.get("/api/v1/me", narrow.headers)).status, 403);
  });

  it("checks festival access: 404 without access, 403 below level or outside scope", async () => {
    const owner = await createTestUser(db);
    const outsider = await createTestUser(db);
    const scheduler = await createTestUser(db);
    const { organizationId } = await createTestOrganization(db, [[owner, "owner"]]);
    const { festivalId } = await createTestFestival(db, organizationId);
    await grantFestivalAccess(db, festivalId, scheduler, "manager", "schedule");
    const principal = async (u: { accessToken: string }) => (await api.app.locals.routeDeps.principals.fromAccessToken(u.accessToken))!;

    await assertFestivalAccess(db, await principal(owner), festivalId, { level: "owner" });
    await assertFestivalAccess(db, await principal(scheduler), festivalId, { level: "manager", scope: "schedule" });
    await assert.rejects(assertFestivalAccess(db, await principal(scheduler), festivalId, { level: "manager", scope: "venues" }), (e: HttpError) => e.status === 403);
    await assert.rejects(assertFestivalAccess(db, await principal(scheduler), festivalId, { level: "administrator", scope: "schedule" }), (e: HttpError) => e.status === 403);
    await assert.rejects(assertFestivalAccess(db, await principal(outsider), festivalId, { level: "viewer" }), (e: HttpError) => e.status === 404);
  });

  it("writes audit rows that the database refuses to change", async () => {
    const ctx = systemAuditContext();
    await recordAudit(db, ctx, { action: "thing.created", entityType: "thing", entityId: null, after: { name: "x", password_hash: "secret" } });
    const row = await db("audit_log").where({ action: "thing.created" }).first();
    assert.deepEqual(row.after, { name: "x", password_hash: "[redacted]" });
    await assert.rejects(db("audit_log").update({ action: "thing.changed" }), /append-only/);
    await assert.rejects(db("audit_log").delete(), /append-only/);
  });

  it("serves an OpenAPI 3.1 document and validation errors name the field", async () => {
    const doc = await api.get("/openapi.json");
    assert.equal(doc.body.openapi, "3.1.0");
    assert.ok(doc.body.paths["/api/v1/me"].get);
  });
});
