import assert from "node:assert/strict";
import { createTestApiKey, createTestUser, grantFestivalAccess } from "../../support/auth.js";
import { useTestApi, call, expectStatus } from "../../support/api-suite.js";
import { buildFestival, createPerformance } from "../../support/festival.js";

describe("festival access: scopes, tenants and the audit trail", () => {
  const t = useTestApi();

  it("a manager scoped to venues edits venues but not the schedule, and the other way round", async () => {
    const f = await buildFestival(t.db, t.api);
    const venues = await createTestUser(t.db);
    const scheduler = await createTestUser(t.db);
    const viewer = await createTestUser(t.db);
    await grantFestivalAccess(t.db, f.festivalId, venues, "manager", "venues");
    await grantFestivalAccess(t.db, f.festivalId, scheduler, "manager", "schedule");
    await grantFestivalAccess(t.db, f.festivalId, viewer, "viewer", "all");
    const slotBody = { stageId: f.stageIds[0], startsAt: "2025-07-04T20:00", endsAt: "2025-07-04T21:00" };

    await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/venues`, venues, { name: "Hall" });
    await expectStatus(t.api, 200, "PATCH", `/api/v1/stages/${f.stageIds[0]}`, venues, { name: "Main" });
    const denied = await call(t.api, "POST", `/api/v1/editions/${f.editionId}/time-slots`, venues, slotBody);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.code, "insufficient_festival_access");
    assert.equal((await call(t.api, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, venues, {})).status, 403);
    assert.equal((await call(t.api, "POST", `/api/v1/festivals/${f.festivalId}/artists`, venues, { name: "X" })).status, 403);

    const slot = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/time-slots`, scheduler, slotBody);
    assert.equal((await call(t.api, "POST", `/api/v1/festivals/${f.festivalId}/venues`, scheduler, { name: "Nope" })).status, 403);
    assert.equal((await call(t.api, "PATCH", `/api/v1/editions/${f.editionId}`, scheduler, { name: "Nope" })).status, 403);

    // viewers read, never write
    await expectStatus(t.api, 200, "GET", `/api/v1/editions/${f.editionId}/time-slots`, viewer);
    await expectStatus(t.api, 200, "GET", `/api/v1/editions/${f.editionId}/schedule/draft`, viewer);
    assert.equal((await call(t.api, "PATCH", `/api/v1/time-slots/${slot.id}`, viewer, { title: "x" })).status, 403);
    assert.equal((await call(t.api, "DELETE", `/api/v1/festivals/${f.festivalId}`, viewer)).status, 403);

    // API keys: read scope reads, cannot write
    const key = await createTestApiKey(t.db, f.owner, ["festivals:read"]);
    assert.equal((await t.api.request("GET", `/api/v1/festivals/${f.festivalId}`, { headers: key.headers })).status, 200);
    assert.equal((await t.api.request("POST", `/api/v1/festivals/${f.festivalId}/venues`, { headers: key.headers, body: { name: "K" } })).status, 403);
    assert.equal((await call(t.api, "POST", `/api/v1/festivals/${f.festivalId}/venues`, undefined, { name: "anon" })).status, 401);
  });

  it("organization A cannot see or change organization B's festival objects (404)", async () => {
    const a = await buildFestival(t.db, t.api);
    const b = await buildFestival(t.db, t.api, { publishEdition: false });
    const p = await createPerformance(t.api, b, 0, "2025-07-04T20:00", "2025-07-04T21:00", "B's artist");
    const event = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${b.festivalId}/events`, b.owner, {
      name: "Night",
      slug: "night",
      tags: ["techno"],
    });
    const category = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${b.festivalId}/event-categories`, b.owner, { name: "Club" });
    const reads = [
      `/api/v1/festivals/${b.festivalId}`,
      `/api/v1/festivals/${b.festivalId}/editions`,
      `/api/v1/editions/${b.editionId}`,
      `/api/v1/editions/${b.editionId}/time-slots`,
      `/api/v1/editions/${b.editionId}/schedule/draft`,
      `/api/v1/editions/${b.editionId}/venues`,
      `/api/v1/festivals/${b.festivalId}/venues`,
      `/api/v1/venues/${b.venueId}`,
      `/api/v1/venues/${b.venueId}/stages`,
      `/api/v1/artists/${p.artistId}`,
      `/api/v1/festivals/${b.festivalId}/artists`,
      `/api/v1/events/${event.id}`,
      `/api/v1/festivals/${b.festivalId}/events`,
      `/api/v1/festivals/${b.festivalId}/tags`,
      `/api/v1/events/${event.id}/waitlist`,
    ];
    for (const path of reads) assert.equal((await call(t.api, "GET", path, a.owner)).status, 404, path);
    const writes: Array<[string, string, unknown]> = [
      ["PATCH", `/api/v1/festivals/${b.festivalId}`, { name: "mine" }],
      ["PATCH", `/api/v1/editions/${b.editionId}`, { name: "mine" }],
      ["POST", `/api/v1/editions/${b.editionId}/time-slots`, { stageId: b.stageIds[0], startsAt: "2025-07-04T10:00", endsAt: "2025-07-04T11:00" }],
      ["PATCH", `/api/v1/time-slots/${p.slotId}`, { title: "mine" }],
      ["DELETE", `/api/v1/time-slots/${p.slotId}`, undefined],
      ["PATCH", `/api/v1/engagements/${p.engagementId}`, { status: "cancelled" }],
      ["POST", `/api/v1/time-slots/${p.slotId}/engagements`, { artistId: p.artistId }],
      ["PATCH", `/api/v1/venues/${b.venueId}`, { name: "mine" }],
      ["PATCH", `/api/v1/stages/${b.stageIds[0]}`, { name: "mine" }],
      ["PATCH", `/api/v1/artists/${p.artistId}`, { name: "mine" }],
      ["PATCH", `/api/v1/events/${event.id}`, { name: "mine" }],
      ["PATCH", `/api/v1/event-categories/${category.id}`, { name: "mine" }],
      ["POST", `/api/v1/editions/${b.editionId}/schedule/publish`, {}],
      ["PUT", `/api/v1/editions/${b.editionId}/venues/${a.venueId}`, undefined],
      ["PUT", `/api/v1/editions/${a.editionId}/venues/${b.venueId}`, undefined],
    ];
    for (const [method, path, body] of writes) assert.equal((await call(t.api, method, path, a.owner, body)).status, 404, `${method} ${path}`);
    // B's edition is a draft: its schedule is not public either
    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${b.editionId}/schedule/publish`, b.owner, {});
    assert.equal((await call(t.api, "GET", `/api/v1/editions/${b.editionId}/schedule`, undefined)).status, 404);
    // A's festival list does not include B's
    const list = await expectStatus(t.api, 200, "GET", "/api/v1/festivals", a.owner);
    assert.deepEqual(
      list.items.map((x: { id: string }) => x.id),
      [a.festivalId],
    );
    // nothing changed
    assert.equal((await t.db("festivals").where({ id: b.festivalId }).first()).name.startsWith("Fest"), true);
  });

  it("every mutation writes exactly one audit row, in its transaction", async () => {
    const f = await buildFestival(t.db, t.api);
    const count = async () => Number((await t.db("audit_log").where({ festival_id: f.festivalId }).count<{ n: string }[]>("* as n"))[0]!.n);
    const artist = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/artists`, f.owner, { name: "Audited" });
    const steps: Array<() => Promise<{ id?: string } | undefined>> = [];
    let slotId = "";
    let engagementId = "";
    let eventId = "";
    steps.push(async () => {
      const s = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
        stageId: f.stageIds[0],
        startsAt: "2025-07-04T20:00",
        endsAt: "2025-07-04T21:00",
      });
      slotId = s.id;
      return s;
    });
    steps.push(() => expectStatus(t.api, 200, "PATCH", `/api/v1/time-slots/${slotId}`, f.owner, { title: "Renamed" }));
    steps.push(async () => {
      const e = await expectStatus(t.api, 201, "POST", `/api/v1/time-slots/${slotId}/engagements`, f.owner, { artistId: artist.id });
      engagementId = e.id;
      return e;
    });
    steps.push(() => expectStatus(t.api, 200, "PATCH", `/api/v1/engagements/${engagementId}`, f.owner, { notes: "rider ok" }));
    steps.push(() => expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, {}));
    steps.push(() => expectStatus(t.api, 200, "PATCH", `/api/v1/artists/${artist.id}`, f.owner, { bio: "bio" }));
    steps.push(() => expectStatus(t.api, 200, "PATCH", `/api/v1/venues/${f.venueId}`, f.owner, { city: "Utrecht" }));
    steps.push(() => expectStatus(t.api, 200, "PATCH", `/api/v1/editions/${f.editionId}`, f.owner, { ticketUrl: "https://tickets.example/x" }));
    steps.push(() => expectStatus(t.api, 200, "PATCH", `/api/v1/festivals/${f.festivalId}`, f.owner, { description: "hello" }));
    steps.push(async () => {
      const e = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/events`, f.owner, {
        name: "Gig",
        slug: "gig",
        tags: ["a", "b"],
        status: "published",
        soldOut: true,
      });
      eventId = e.id;
      return e;
    });
    steps.push(() => expectStatus(t.api, 201, "POST", `/api/v1/events/${eventId}/waitlist`, undefined, { email: "fan@example.test" }));
    steps.push(() => expectStatus(t.api, 204, "DELETE", `/api/v1/engagements/${engagementId}`, f.owner));
    steps.push(() => expectStatus(t.api, 204, "DELETE", `/api/v1/time-slots/${slotId}`, f.owner));
    for (const [i, step] of steps.entries()) {
      const before = await count();
      await step();
      assert.equal(await count(), before + 1, `step ${i} wrote one audit row`);
    }
    // a refused write leaves no audit row
    const before = await count();
    await call(t.api, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
      stageId: f.stageIds[0],
      startsAt: "2025-07-09T20:00",
      endsAt: "2025-07-09T21:00",
    });
    assert.equal(await count(), before);
    const row = await t.db("audit_log").where({ festival_id: f.festivalId, action: "time_slot.updated" }).first();
    assert.equal(row.actor_user_id, f.owner.userId);
    assert.deepEqual(row.after, { title: "Renamed" });
    // tags count their uses; the waitlist holds one entry per email
    const tags = await expectStatus(t.api, 200, "GET", `/api/v1/festivals/${f.festivalId}/tags`, f.owner);
    assert.deepEqual(tags.items.map((t: { name: string; usageCount: number }) => [t.name, t.usageCount]).sort(), [
      ["a", 1],
      ["b", 1],
    ]);
    const dup = await call(t.api, "POST", `/api/v1/events/${eventId}/waitlist`, undefined, { email: "FAN@example.test" });
    assert.equal(dup.status, 201, "a pending entry gets a fresh confirmation mail");
    assert.equal((await t.db("waitlist_entries").where({ event_id: eventId })).length, 1);
  });
});
