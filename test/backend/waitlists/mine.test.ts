import assert from "node:assert/strict";
import { useTestApi, call, expectStatus } from "../../support/api-suite.js";
import { createTestUser } from "../../support/auth.js";
import { buildFestival, type FestivalFixture } from "../../support/festival.js";

describe("a fan's own waitlist entries, with the place in the queue", () => {
  const t = useTestApi();
  let f: FestivalFixture;
  let eventId: string;
  before(async () => {
    f = await buildFestival(t.db, t.api, { stages: 1 });
    const event = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/events`, f.owner, {
      name: "Nuit complète",
      slug: `full-${Date.now()}`,
      status: "published",
      soldOut: true,
    });
    eventId = event.id;
  });

  const join = async (email: string, user?: Awaited<ReturnType<typeof createTestUser>>) => {
    const entry = await expectStatus(t.api, 201, "POST", `/api/v1/events/${eventId}/waitlist`, user, { email });
    const mail = await t.db("outbound_emails").where({ to_address: email, template: "waitlist_confirmation" }).orderBy("created_at", "desc").first();
    return { entry, token: mail.data.token as string };
  };

  it("lists only the caller's entries: pending without a place, confirmed with 1 + the confirmed who joined earlier", async () => {
    const first = await join(`early-${Date.now()}@example.test`);
    await expectStatus(t.api, 200, "POST", "/api/v1/waitlist-entries/confirm", undefined, { token: first.token });
    const fan = await createTestUser(t.db);
    const mine = await join(fan.email, fan);

    let list = await expectStatus(t.api, 200, "GET", "/api/v1/me/waitlist-entries", fan);
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].id, mine.entry.id);
    assert.equal(list.items[0].eventName, "Nuit complète");
    assert.equal(list.items[0].status, "pending");
    assert.equal(list.items[0].position, null);

    await expectStatus(t.api, 200, "POST", "/api/v1/waitlist-entries/confirm", undefined, { token: mine.token });
    list = await expectStatus(t.api, 200, "GET", "/api/v1/me/waitlist-entries", fan);
    assert.equal(list.items[0].status, "confirmed");
    assert.equal(list.items[0].position, 2, "one confirmed entry joined before");

    // leaving: cancelled, no place
    await expectStatus(t.api, 200, "POST", `/api/v1/waitlist-entries/${mine.entry.id}/cancel`, fan);
    list = await expectStatus(t.api, 200, "GET", "/api/v1/me/waitlist-entries", fan);
    assert.equal(list.items[0].status, "cancelled");
    assert.equal(list.items[0].position, null);

    // someone else sees none of them; without a session, 401
    const other = await createTestUser(t.db);
    assert.deepEqual((await expectStatus(t.api, 200, "GET", "/api/v1/me/waitlist-entries", other)).items, []);
    assert.equal((await call(t.api, "GET", "/api/v1/me/waitlist-entries", undefined)).status, 401);
  });
});
