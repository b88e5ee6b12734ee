import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { loadConfig } from "../../../lib/config.js";
import { createTestApiKey, createTestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";

/** Two API processes on one database (two apps sharing the rate-limit namespace, as a deployment's processes do): one limit, not one each. */
describe("http: rate limits hold across API processes", () => {
  let a: TestApi;
  let b: TestApi;

  before(async () => {
    const db = await testDatabase();
    const rateLimitNamespace = `shared-${randomUUID()}`;
    const config = loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "4" });
    [a, b] = await Promise.all([startTestApi(db, { config, rateLimitNamespace }), startTestApi(db, { config, rateLimitNamespace })]);
  });
  after(() => Promise.all([a?.close(), b?.close()]));

  it("sign-in attempts from one address count together in every process", async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? b : a).post("/api/v1/auth/siwe/nonce")).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
    const refused = await b.post("/api/v1/auth/siwe/nonce");
    assert.equal(refused.body.code, "rate_limited");
    assert.ok(refused.headers.get("ratelimit"), "the RateLimit header says when the window ends");
  });

  it("an API key's limit is one budget across processes", async () => {
    const db = await testDatabase();
    const owner = await createTestUser(db);
    const key = await createTestApiKey(db, owner, ["profile:read"], { rateLimitPerMinute: 3 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await (i % 2 ? b : a).get("/api/v1/me", key.headers)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  });
});
