import assert from "node:assert/strict";
import type { Knex } from "knex";
import { createTestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { seedEvent, type SeededEvent } from "./fixtures.js";

describe("gate: where a scanner scans (GET /me/gate/assignments)", () => {
  let db: Knex;
  let api: TestApi;
  let event: SeededEvent;
  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db);
    event = await seedEvent(db);
  });
  after(() => api.close());

  it("lists the scanner's festivals with their linked events and zones", async () => {
    const res = await api.get("/api/v1/me/gate/assignments", event.scanner.headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.items.length, 1);
    const [festival] = res.body.items;
    assert.equal(festival.festivalId, event.festivalId);
    assert.equal(festival.name, "Test festival");
    assert.equal(festival.events.length, 1);
    assert.equal(festival.events[0].eventContractId, event.eventContractId);
    const codes = festival.events[0].zones.map((z: { code: string }) => z.code);
    assert.deepEqual(codes, ["main-gate", "lounge", "vip"]); // the entrance first
  });

  it("forgets a revoked assignment at once", async () => {
    const other = await seedEvent(db);
    const steward = await createTestUser(db, { roles: ["security"] });
    const path = `/api/v1/festivals/${other.festivalId}/gate/scanners`;
    assert.equal((await api.post(path, { userId: steward.userId }, other.organizer.headers)).status, 201);
    assert.equal((await api.get("/api/v1/me/gate/assignments", steward.headers)).body.items.length, 1);
    assert.equal((await api.request("DELETE", `${path}/${steward.userId}`, { headers: other.organizer.headers })).status, 204);
    assert.deepEqual((await api.get("/api/v1/me/gate/assignments", steward.headers)).body.items, []);
  });

  it("refuses an account without the security role, and anonymous callers", async () => {
    const fan = await createTestUser(db, { roles: ["fan"] });
    const refused = await api.get("/api/v1/me/gate/assignments", fan.headers);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal((await api.get("/api/v1/me/gate/assignments")).status, 401);
  });
});
