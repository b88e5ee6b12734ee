import assert from "node:assert/strict";
import type { Knex } from "knex";
import { API_SCOPES } from "../../../backend/src/http/auth.js";
import { createTestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";

describe("API key scopes", () => {
  let db: Knex;
  let api: TestApi;
  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db);
  });
  after(() => api.close());

  it("an unknown scope name is a 400 naming it, and no key is made", async () => {
    const alice = await createTestUser(db);
    const res = await api.post("/api/v1/api-keys", { name: "too much", scopes: ["festivals:read", "admin:all"] }, alice.headers);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.code, "invalid_input");
    assert.equal(res.body.errors.length, 1);
    assert.equal(res.body.errors[0].field, "body.scopes.1");
    assert.match(res.body.errors[0].message, /unknown scope "admin:all"/);
    assert.equal((await db("api_keys").where({ user_id: alice.userId })).length, 0);
  });

  it("every known scope is accepted, and /openapi.json lists them", async () => {
    const alice = await createTestUser(db);
    const res = await api.post("/api/v1/api-keys", { name: "all of them", scopes: [...API_SCOPES] }, alice.headers);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual([...res.body.scopes].sort(), [...API_SCOPES].sort());
    const doc = (await api.get("/openapi.json")).body;
    const body = doc.paths["/api/v1/api-keys"].post.requestBody.content["application/json"].schema;
    const scopes = body.$ref ? doc.components.schemas[body.$ref.split("/").pop()].properties.scopes : body.properties.scopes;
    assert.deepEqual([...scopes.items.enum].sort(), [...API_SCOPES].sort());
  });
});
