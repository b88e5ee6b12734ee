import assert from "node:assert/strict";
import type { Knex } from "knex";
import { createTestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { seedEvent, type SeededEvent } from "./fixtures.js";

describe("gate: scanner accounts of a festival", () => {
  let db: Knex;
  let api: TestApi;
  let event: SeededEvent;
  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db);
    event = await seedEvent(db);
  });
  after(() => api.close());

  const path = () => `/api/v1/festivals/${event.festivalId}/gate/scanners`;

  it("assigns security staff only, lists them with name and email, and revokes", async () => {
    const steward = await createTestUser(db, { roles: ["security"], displayName: "Night steward" });
    assert.equal((await api.post(path(), { userId: steward.userId }, event.organizer.headers)).status, 201);
    const listed = await api.get(path(), event.organizer.headers);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const mine = listed.body.items.find((s: { userId: string }) => s.userId === steward.userId);
    assert.equal(mine.displayName, "Night steward");
    assert.equal(mine.email, steward.email);
    assert.ok(listed.body.items.some((s: { displayName: string }) => s.displayName === "Gate steward")); // the fixture's scanner

    const fan = await createTestUser(db, { roles: ["fan"] });
    const refused = await api.post(path(), { userId: fan.userId }, event.organizer.headers);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.code, "not_security_staff");
    assert.equal(refused.body.errors[0].field, "body.userId");

    assert.equal((await api.request("DELETE", `${path()}/${steward.userId}`, { headers: event.organizer.headers })).status, 204);
    const after = await api.get(path(), event.organizer.headers);
    assert.equal(
      after.body.items.some((s: { userId: string }) => s.userId === steward.userId),
      false,
    );
  });
});
