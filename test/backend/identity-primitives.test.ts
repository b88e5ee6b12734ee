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
    await assert.rejects(
      assertFestivalAccess(db, await principal(scheduler), festivalId, { level: "manager", scope: "venues" }),
      (e: HttpError) => e.status === 403,
    );
    await assert.rejects(
      assertFestivalAccess(db, await principal(scheduler), festivalId, { level: "administrator", scope: "schedule" }),
      (e: HttpError) => e.status === 403,
    );
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
    assert.ok(doc.body.paths["/api/v1/auth/siwe/verify"].post.requestBody);
    const docs = await fetch(`${api.base}/docs/`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger-ui/);
    assert.ok(docs.headers.get("content-security-policy"), "security headers");
    const bad = await api.request("PATCH", "/api/v1/me", { headers: (await createTestUser(db)).headers, body: { timezone: "Mars/Base", extra: 1 } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ["body", "body.timezone"]);
  });
});

describe("Idempotency-Key", () => {
  it("replays the first response, refuses a different request with the same key", async () => {
    const { ApiRouter } = await import("../../backend/src/http/route.js");
    const { IdempotencyStore } = await import("../../backend/src/http/idempotency.js");
    const { requireAuth } = await import("../../backend/src/http/auth.js");
    const { z } = await import("../../backend/src/http/zod.js");
    const db = await testDatabase();
    const api = await startTestApi(db);
    // a money-moving route, as a module would declare it
    const router = new ApiRouter(new IdempotencyStore(db));
    let charges = 0;
    router.route({
      method: "post",
      path: "/test/charges",
      summary: "charge",
      access: requireAuth,
      idempotent: true,
      body: z.object({ amount: z.string() }),
      response: z.object({ chargeNo: z.number(), amount: z.string() }),
      handler: async ({ body }) => ({ chargeNo: ++charges, amount: body.amount }),
    });
    const { default: express } = await import("express");
    const { createServer } = await import("node:http");
    const { authenticate } = await import("../../backend/src/http/auth.js");
    const { errorHandler } = await import("../../backend/src/http/errors.js");
    const { createLogger } = await import("../../lib/logger.js");
    const app = express()
      .use(express.json())
      .use(authenticate(api.app.locals.routeDeps.principals))
      .use(router.router)
      .use(errorHandler(createLogger("t", "silent")));
    const server = createServer(app).listen(0);
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const user = await createTestUser(db);
      const post = (body: unknown, key: string) =>
        fetch(`${base}/test/charges`, {
          method: "POST",
          headers: { ...user.headers, "content-type": "application/json", "idempotency-key": key },
          body: JSON.stringify(body),
        });
      const first = await post({ amount: "1000" }, "charge-0001");
      assert.equal(first.status, 201);
      assert.equal(first.headers.get("idempotent-replayed"), "false");
      const again = await post({ amount: "1000" }, "charge-0001");
      assert.equal(again.status, 201);
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(await again.json(), { chargeNo: 1, amount: "1000" });
      assert.equal(charges, 1);
      assert.equal((await post({ amount: "9999" }, "charge-0001")).status, 422);
      assert.equal((await post({ amount: "1000" }, "bad")).status, 400);
      assert.equal((await post({ amount: "1000" }, "charge-0002")).status, 201);
      assert.equal(charges, 2);

      // a key left in progress by a process that died: a retry waits while it may still run, then takes it over
      const { sha256Hex } = await import("../../backend/src/security/tokens.js");
      const { newId } = await import("../../lib/ids.js");
      const abandoned = {
        id: newId(),
        principal: `user:${user.userId}`,
        key: "charge-0003",
        method: "POST",
        path: "/test/charges",
        request_hash: sha256Hex(`POST /test/charges\n${JSON.stringify({ amount: "1000" })}`),
        expires_at: db.raw("now() + interval '1 day'"),
      };
      await db("idempotency_keys").insert(abandoned);
      const waiting = await post({ amount: "1000" }, "charge-0003");
      assert.equal(waiting.status, 409);
      assert.equal(((await waiting.json()) as { code: string }).code, "idempotency_in_progress");
      assert.equal(charges, 2);
      await db("idempotency_keys")
        .where({ id: abandoned.id })
        .update({ created_at: db.raw("now() - interval '3 minutes'") });
      const [retried, raced] = await Promise.all([post({ amount: "1000" }, "charge-0003"), post({ amount: "1000" }, "charge-0003")]);
      assert.deepEqual([retried.status, raced.status].sort(), [201, 409], "one retry takes the key over, the other waits");
      assert.equal(charges, 3);
      const replay = await post({ amount: "1000" }, "charge-0003");
      assert.equal(replay.headers.get("idempotent-replayed"), "true");
      assert.equal(charges, 3);
    } finally {
      server.close();
      await api.close();
    }
  });
});
