import assert from "node:assert/strict";
import { createTestUser } from "../../support/auth.js";
import { testDatabase, testDatabaseUrl } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";

/**
 * Two API processes on one database (two apps, each with its own session cache and its own
 * invalidation listener, as server.ts starts them): a sign-out in one is refused by the other
 * at once, not after the 30 s the cache would otherwise keep the session.
 */
describe("auth: a sign-out in one API process takes effect in every other one", () => {
  let a: TestApi;
  let b: TestApi;
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    const db = await testDatabase();
    [a, b] = await Promise.all([startTestApi(db), startTestApi(db)]);
    for (const api of [a, b]) stops.push(await api.app.locals.routeDeps.principals.listenForInvalidations(await testDatabaseUrl()));
  });
  after(async () => {
    for (const stop of stops) await stop();
    await Promise.all([a?.close(), b?.close()]);
  });

  it("logout through A is refused by B within a second, and its cached session is gone", async () => {
    const user = await createTestUser(await testDatabase());
    assert.equal((await b.get("/api/v1/auth/session", user.headers)).status, 200, "B has the session cached now");
    assert.equal((await a.post("/api/v1/auth/logout", undefined, user.headers)).status, 204);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 5_000) {
      status = (await b.get("/api/v1/auth/session", user.headers)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 10));
    }
    const visibleMs = Date.now() - started;
    assert.equal(status, 401, "B refuses the signed-out session");
    assert.ok(visibleMs < 1000, `refused by B after ${visibleMs} ms`);
  });

  it("a role taken away through A is gone in B at once", async () => {
    const db = await testDatabase();
    const admin = await createTestUser(db, { roles: ["admin"] });
    const user = await createTestUser(db, { roles: ["organizer"] });
    const before = await b.get("/api/v1/auth/session", user.headers);
    assert.ok(JSON.stringify(before.body).includes("organizer"), JSON.stringify(before.body));
    const res = await a.request("DELETE", `/api/v1/users/${user.userId}/roles/organizer`, { headers: admin.headers });
    assert.ok(res.status === 200 || res.status === 204, JSON.stringify(res.body));
    const deadline = Date.now() + 1000;
    let after = await b.get("/api/v1/auth/session", user.headers);
    while (JSON.stringify(after.body).includes("organizer") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      after = await b.get("/api/v1/auth/session", user.headers);
    }
    assert.ok(!JSON.stringify(after.body).includes("organizer"), "B no longer grants the role");
  });
});
