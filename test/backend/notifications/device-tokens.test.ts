import assert from "node:assert/strict";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { useTestApi } from "../../support/api-suite.js";

describe("device tokens: register, move, list, revoke", () => {
  const t = useTestApi();
  let first: TestUser, second: TestUser;

  before(async () => {
    [first, second] = await Promise.all([createTestUser(t.db), createTestUser(t.db)]);
  });

  it("a token registered again by another account moves to it; a revoked token is gone", async () => {
    const token = `apns-device-${Date.now()}-abcdef`;
    const registered = await t.api.post("/api/v1/me/device-tokens", { platform: "ios", token }, first.headers);
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.equal(registered.body.tokenPreview, "…abcdef");

    const moved = await t.api.post("/api/v1/me/device-tokens", { platform: "web", token }, second.headers);
    assert.equal(moved.status, 201, JSON.stringify(moved.body));
    assert.equal(moved.body.id, registered.body.id);
    const row = await t.db("device_tokens").where({ token }).first();
    assert.equal(row.user_id, second.userId);
    assert.equal(row.platform, "web");
    assert.deepEqual(await t.db("audit_log").where({ entity_id: registered.body.id }).orderBy("created_at").pluck("action"), [
      "device_token.registered",
      "device_token.reregistered",
    ]);

    assert.deepEqual((await t.api.get("/api/v1/me/device-tokens", first.headers)).body.items, []);
    const mine = await t.api.get("/api/v1/me/device-tokens", second.headers);
    assert.deepEqual(
      mine.body.items.map((t: { id: string }) => t.id),
      [registered.body.id],
    );

    assert.equal((await t.api.request("DELETE", `/api/v1/me/device-tokens/${registered.body.id}`, { headers: first.headers })).status, 404);
    assert.equal((await t.api.request("DELETE", `/api/v1/me/device-tokens/${registered.body.id}`, { headers: second.headers })).status, 204);
    assert.notEqual((await t.db("device_tokens").where({ token }).first()).revoked_at, null);
    const again = await t.api.request("DELETE", `/api/v1/me/device-tokens/${registered.body.id}`, { headers: second.headers });
    assert.equal(again.status, 404);
    assert.equal(again.body.code, "device_token_not_found");
  });
});
