import assert from "node:assert/strict";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { testDatabaseUrl } from "../../support/database.js";
import { RecordingPushDelivery } from "../../../backend/src/modules/notifications/delivery.js";
import { runNotificationJobsOnce } from "../../../backend/src/modules/notifications/jobs.js";
import type { ScheduleDocument } from "../../../backend/src/modules/schedule/schemas.js";
import { useTestApi, call, expectStatus } from "../../support/api-suite.js";
import { buildFestival, createPerformance, type FestivalFixture } from "../../support/festival.js";

describe("schedule versions, diffs, personal schedules and notifications", () => {
  const t = useTestApi();
  let f: FestivalFixture;
  let a: Awaited<ReturnType<typeof createPerformance>>;
  let b: Awaited<ReturnType<typeof createPerformance>>;
  let c: Awaited<ReturnType<typeof createPerformance>>;
  let d: Awaited<ReturnType<typeof createPerformance>>;

  before(async () => {
    f = await buildFestival(t.db, t.api);
    a = await createPerformance(t.api, f, 0, "2025-07-04T18:00", "2025-07-04T19:00", "Artist A");
    b = await createPerformance(t.api, f, 0, "2025-07-04T19:30", "2025-07-04T20:30", "Artist B");
    c = await createPerformance(t.api, f, 1, "2025-07-04T18:30", "2025-07-04T19:45", "Artist C");
    d = await createPerformance(t.api, f, 1, "2025-07-04T21:00", "2025-07-04T22:00", "Artist D");
  });

  it("publishes numbered versions with their diff; the public read is cacheable (ETag, 304)", async () => {
    const before = await call(t.api, "GET", `/api/v1/editions/${f.editionId}/schedule`, undefined);
    assert.equal(before.status, 404);

    const draft = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${f.editionId}/schedule/draft`, f.owner);
    assert.equal(draft.latestVersion, null);
    assert.equal(draft.pendingChanges.added.length, 4);

    const v1 = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, { notes: "first lineup" });
    assert.equal(v1.number, 1);
    assert.deepEqual(v1.changes, { added: 4, moved: 0, cancelled: 0 });
    assert.equal(v1.notificationsQueued, false);

    const again = await call(t.api, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, {});
    assert.equal(again.status, 422);
    assert.equal(again.body.code, "nothing_to_publish");

    const res = await fetch(`${t.api.base}/api/v1/editions/${f.editionId}/schedule`);
    assert.equal(res.status, 200);
    const etag = res.headers.get("etag")!;
    assert.equal(etag, v1.etag);
    assert.match(res.headers.get("cache-control")!, /public/);
    const doc = (await res.json()) as ScheduleDocument;
    assert.equal(doc.version!.number, 1);
    assert.equal(doc.slots.length, 4);
    assert.equal(doc.slots[0]!.startsAt, "2025-07-04T16:00:00.000Z");
    assert.equal(doc.slots[0]!.startsAtLocal, "2025-07-04T18:00:00+02:00");
    assert.equal(doc.slots[0]!.performances[0]!.artistName, "Artist A");

    const notModified = await fetch(`${t.api.base}/api/v1/editions/${f.editionId}/schedule`, { headers: { "if-none-match": etag } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.get("etag"), etag);
    const gzipped = await fetch(`${t.api.base}/api/v1/editions/${f.editionId}/schedule`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(gzipped.headers.get("content-encoding"), "gzip");
    assert.deepEqual(await gzipped.json(), doc);
    // brotli is made in the background once the version is cached, then preferred to gzip
    const scheduleUrl = `${t.api.base}/api/v1/editions/${f.editionId}/schedule`;
    let brotli = await fetch(scheduleUrl, { headers: { "accept-encoding": "gzip, br" } });
    for (let i = 0; i < 100 && brotli.headers.get("content-encoding") !== "br"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      brotli = await fetch(scheduleUrl, { headers: { "accept-encoding": "gzip, br" } });
    }
    assert.equal(brotli.headers.get("content-encoding"), "br");
    assert.deepEqual(await brotli.json(), doc);
    const brRefused = await fetch(scheduleUrl, { headers: { "accept-encoding": "br;q=0, gzip" } });
    assert.equal(brRefused.headers.get("content-encoding"), "gzip");
    const openApi = await expectStatus(t.api, 200, "GET", "/openapi.json", undefined);
    for (const path of ["/api/v1/editions/{editionId}/schedule", "/api/v1/editions/{editionId}/time-slots", "/api/v1/me/schedules/{editionId}/calendar.ics"]) {
      assert.ok(openApi.paths[path], path);
    }
    const pinned = await fetch(`${t.api.base}/api/v1/editions/${f.editionId}/schedule/versions/1`);
    assert.equal(pinned.status, 200);
    assert.match(pinned.headers.get("cache-control")!, /immutable/);
  });

  it("a published version is immutable in the database", async () => {
    const v = await t.db("schedule_versions").where({ edition_id: f.editionId, number: 1 }).first("id");
    await assert.rejects(t.db("schedule_versions").where({ id: v.id }).update({ notes: "rewritten" }), /immutable/);
    await assert.rejects(t.db("schedule_versions").where({ id: v.id }).delete(), /immutable/);
  });

  it("attendees pick performances, see clashes, export iCalendar", async () => {
    const fan = await createTestUser(t.db, { roles: ["fan"] });
    await expectStatus(t.api, 200, "PUT", `/api/v1/me/schedules/${f.editionId}/entries/${a.engagementId}`, fan);
    const mine = await expectStatus(t.api, 200, "PUT", `/api/v1/me/schedules/${f.editionId}/entries/${c.engagementId}`, fan);
    await expectStatus(t.api, 200, "PUT", `/api/v1/me/schedules/${f.editionId}/entries/${c.engagementId}`, fan); // idempotent
    assert.deepEqual(
      mine.entries.map((e: { artistName: string }) => e.artistName),
      ["Artist A", "Artist C"],
    );
    assert.equal(mine.clashes.length, 1);
    assert.deepEqual(mine.clashes[0].engagementIds, [a.engagementId, c.engagementId]);
    assert.equal(mine.clashes[0].overlapMinutes, 30);
    assert.equal(mine.clashes[0].fromLocal, "2025-07-04T18:30:00+02:00");

    const ics = await fetch(`${t.api.base}/api/v1/me/schedules/${f.editionId}/calendar.ics`, { headers: fan.headers });
    assert.equal(ics.status, 200);
    assert.match(ics.headers.get("content-type")!, /^text\/calendar/);
    const text = await ics.text();
    assert.match(text, /^BEGIN:VCALENDAR\r\n/);
    assert.equal(text.match(/BEGIN:VEVENT/g)?.length, 2);
    assert.match(text, /DTSTART:20250704T160000Z\r\n/);
    assert.match(text, /SUMMARY:Artist A @ Stage 1\r\n/);
    assert.ok(text.split("\r\n").every((line) => Buffer.byteLength(line) <= 75));

    await expectStatus(t.api, 204, "DELETE", `/api/v1/me/schedules/${f.editionId}/entries/${a.engagementId}`, fan);
    const after = await expectStatus(t.api, 200, "GET", `/api/v1/me/schedules/${f.editionId}`, fan);
    assert.equal(after.entries.length, 1);
    assert.equal(after.clashes.length, 0);
    const unknown = await call(t.api, "PUT", `/api/v1/me/schedules/${f.editionId}/entries/${f.stageIds[0]}`, fan);
    assert.equal(unknown.status, 422);
  });

  it("publishing a move and a cancellation notifies exactly the affected attendees", async () => {
    // attendees: picks[i] are the performances in their schedule
    const picks: Array<[string, string[]]> = [
      ["moved only", [a.engagementId]],
      ["cancelled only", [b.engagementId]],
      ["both", [a.engagementId, b.engagementId, d.engagementId]],
      ["unaffected", [c.engagementId, d.engagementId]],
      ["nothing", []],
    ];
    const users = new Map<string, TestUser>();
    for (const [name, ids] of picks) {
      const user = await createTestUser(t.db, { roles: ["fan"] });
      users.set(name, user);
      for (const id of ids) await expectStatus(t.api, 200, "PUT", `/api/v1/me/schedules/${f.editionId}/entries/${id}`, user);
      if (name !== "cancelled only") {
        await expectStatus(t.api, 201, "POST", "/api/v1/me/device-tokens", user, { platform: "ios", token: `apns-${user.userId}` });
      }
    }
    await expectStatus(t.api, 201, "POST", "/api/v1/me/device-tokens", users.get("both")!, { platform: "web", token: `webpush-${users.get("both")!.userId}` });

    // move A to stage 2 later, cancel B, add E: a new draft
    await expectStatus(t.api, 200, "PATCH", `/api/v1/time-slots/${a.slotId}`, f.owner, {
      stageId: f.stageIds[1],
      startsAt: "2025-07-04T23:00",
      endsAt: "2025-07-05T00:00",
    });
    await expectStatus(t.api, 200, "PATCH", `/api/v1/engagements/${b.engagementId}`, f.owner, { status: "cancelled" });
    const e = await createPerformance(t.api, f, 0, "2025-07-05T15:00", "2025-07-05T16:00", "Artist E");
    const pending = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${f.editionId}/schedule/draft`, f.owner);
    assert.ok(pending.draft);

    const v2 = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, {});
    assert.equal(v2.number, 2);
    assert.equal(v2.notificationsQueued, true);
    assert.deepEqual(
      v2.diff.added.map((x: { engagementId: string }) => x.engagementId),
      [e.engagementId],
    );
    assert.deepEqual(
      v2.diff.moved.map((x: { engagementId: string }) => x.engagementId),
      [a.engagementId],
    );
    assert.deepEqual(
      v2.diff.cancelled.map((x: { engagementId: string }) => x.engagementId),
      [b.engagementId],
    );
    assert.equal(v2.diff.moved[0].from.startsAtLocal, "2025-07-04T18:00:00+02:00");
    assert.equal(v2.diff.moved[0].to.startsAtLocal, "2025-07-04T23:00:00+02:00");
    assert.equal(v2.diff.moved[0].to.stageName, "Stage 2");
    const diff = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${f.editionId}/schedule/versions/2/diff`, undefined);
    assert.deepEqual(diff, v2.diff);
    const versions = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${f.editionId}/schedule/versions`, undefined);
    assert.deepEqual(
      versions.items.map((v: { number: number }) => v.number),
      [2, 1],
    );

    const delivery = new RecordingPushDelivery();
    const connectionString = await testDatabaseUrl();
    await runNotificationJobsOnce({ connectionString, db: t.db, delivery });

    const expected = new Set(["moved only", "cancelled only", "both"].map((n) => users.get(n)!.userId));
    const log = await t.db("notification_log").where({ schedule_version_id: v2.id });
    assert.deepEqual(new Set(log.map((l) => l.user_id)), expected);
    assert.deepEqual(new Set(delivery.sent.map((s) => s.target.userId)), new Set(["moved only", "both"].map((n) => users.get(n)!.userId)));
    assert.equal(delivery.sent.length, 3); // "both" has two devices
    const noDevice = log.filter((l) => l.status === "no_device");
    assert.deepEqual(
      noDevice.map((l) => l.user_id),
      [users.get("cancelled only")!.userId],
    );
    assert.ok(log.filter((l) => l.status === "delivered").every((l) => l.delivered_at instanceof Date));
    const both = log.find((l) => l.user_id === users.get("both")!.userId)!;
    assert.match(both.body, /Artist A moved to Stage 2, 2025-07-04 23:00/);
    assert.match(both.body, /Artist B is cancelled/);
    assert.deepEqual([...both.data.engagementIds].sort(), [a.engagementId, b.engagementId].sort());

    // a retried job sends nothing twice
    await t.db.raw("select graphile_worker.add_job('notify_schedule_change', json_build_object('scheduleVersionId', ?::text))", [v2.id]);
    await runNotificationJobsOnce({ connectionString, db: t.db, delivery });
    assert.equal(delivery.sent.length, 3);
    assert.equal((await t.db("notification_log").where({ schedule_version_id: v2.id })).length, log.length);

    // the attendee sees it in the app, and their cancelled pick shows as cancelled
    const feed = await expectStatus(t.api, 200, "GET", "/api/v1/me/notifications", users.get("both")!);
    assert.equal(feed.items.length, 2);
    const mine = await expectStatus(t.api, 200, "GET", `/api/v1/me/schedules/${f.editionId}`, users.get("both")!);
    assert.equal(mine.scheduleVersion, 2);
    assert.equal(mine.entries.find((x: { engagementId: string }) => x.engagementId === b.engagementId).status, "cancelled");
    assert.equal(mine.entries.find((x: { engagementId: string }) => x.engagementId === a.engagementId).startsAtLocal, "2025-07-04T23:00:00+02:00");

    // version 1 is still served as it was
    const v1 = (await (await fetch(`${t.api.base}/api/v1/editions/${f.editionId}/schedule/versions/1`)).json()) as ScheduleDocument;
    assert.equal(v1.slots.find((s) => s.id === a.slotId)!.startsAtLocal, "2025-07-04T18:00:00+02:00");
  });
});
