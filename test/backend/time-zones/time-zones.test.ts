import assert from "node:assert/strict";
import { offsetMinutes, parseInstant, toLocalIso } from "../../../backend/src/modules/time-zones/time-zones.js";
import type { ScheduleDocument } from "../../../backend/src/modules/schedule/schemas.js";
import { useTestApi, call, expectStatus } from "../../support/api-suite.js";
import { buildFestival, createPerformance } from "../../support/festival.js";

describe("time zones around daylight-saving changes (Europe/Amsterdam)", () => {
  const t = useTestApi();

  it("renders UTC instants on the local wall clock with the right offset", () => {
    const tz = "Europe/Amsterdam";
    // spring forward: Sunday 30 March 2025, 02:00 local (01:00Z) becomes 03:00
    assert.equal(toLocalIso(new Date("2025-03-30T00:59:59Z"), tz), "2025-03-30T01:59:59+01:00");
    assert.equal(toLocalIso(new Date("2025-03-30T01:00:00Z"), tz), "2025-03-30T03:00:00+02:00");
    // fall back: Sunday 26 October 2025, 03:00 local (01:00Z) becomes 02:00 again
    assert.equal(toLocalIso(new Date("2025-10-26T00:30:00Z"), tz), "2025-10-26T02:30:00+02:00");
    assert.equal(toLocalIso(new Date("2025-10-26T01:30:00Z"), tz), "2025-10-26T02:30:00+01:00");
    assert.equal(offsetMinutes(new Date("2025-07-01T12:00:00Z"), "America/St_Johns"), -150);
    assert.equal(toLocalIso(new Date("2025-07-01T12:00:00Z"), "Asia/Kolkata"), "2025-07-01T17:30:00+05:30");
  });

  it("reads local input in the zone: refuses the skipped hour and the repeated one without an offset", () => {
    const tz = "Europe/Amsterdam";
    assert.equal(parseInstant("2025-03-30T01:30", tz, "f").toISOString(), "2025-03-30T00:30:00.000Z");
    assert.equal(parseInstant("2025-03-30T03:30", tz, "f").toISOString(), "2025-03-30T01:30:00.000Z");
    assert.throws(
      () => parseInstant("2025-03-30T02:30", tz, "f"),
      (e: { status: number; code: string }) => e.status === 422 && e.code === "nonexistent_local_time",
    );
    assert.throws(
      () => parseInstant("2025-10-26T02:30", tz, "f"),
      (e: { status: number; code: string }) => e.status === 422 && e.code === "ambiguous_local_time",
    );
    assert.equal(parseInstant("2025-10-26T02:30+02:00", tz, "f").toISOString(), "2025-10-26T00:30:00.000Z");
    assert.equal(parseInstant("2025-10-26T02:30+01:00", tz, "f").toISOString(), "2025-10-26T01:30:00.000Z");
    assert.throws(
      () => parseInstant("2025-02-30T10:00", tz, "f"),
      (e: { status: number }) => e.status === 400,
    );
  });

  it("a night across the spring-forward change: stored UTC, shown local, durations true", async () => {
    const f = await buildFestival(t.db, t.api, { startsAt: "2025-03-29T12:00", endsAt: "2025-03-30T12:00" });
    const edition = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${f.editionId}`, f.owner);
    assert.equal(edition.startsAt, "2025-03-29T11:00:00.000Z");
    assert.equal(edition.startsAtLocal, "2025-03-29T12:00:00+01:00");
    assert.equal(edition.endsAtLocal, "2025-03-30T12:00:00+02:00");

    // 01:30 to 03:30 local is one real hour
    const p = await createPerformance(t.api, f, 0, "2025-03-30T01:30", "2025-03-30T03:30", "Night set");
    const row = await t.db("time_slots").where({ id: p.slotId }).first();
    assert.equal(row.starts_at.toISOString(), "2025-03-30T00:30:00.000Z");
    assert.equal(row.ends_at.toISOString(), "2025-03-30T01:30:00.000Z");
    // the next slot at 03:30 local touches it, no overlap
    await createPerformance(t.api, f, 0, "2025-03-30T03:30", "2025-03-30T04:30", "Sunrise");

    const gap = await call(t.api, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
      stageId: f.stageIds[1],
      startsAt: "2025-03-30T02:15",
      endsAt: "2025-03-30T04:00",
    });
    assert.equal(gap.status, 422);
    assert.equal(gap.body.code, "nonexistent_local_time");
    assert.equal(gap.body.errors[0].field, "body.startsAt");

    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, {});
    const doc = (await (await fetch(`${t.api.base}/api/v1/editions/${f.editionId}/schedule`)).json()) as ScheduleDocument;
    const night = doc.slots.find((s) => s.id === p.slotId)!;
    assert.equal(night.startsAtLocal, "2025-03-30T01:30:00+01:00");
    assert.equal(night.endsAtLocal, "2025-03-30T03:30:00+02:00");
    assert.equal(night.startsAt, "2025-03-30T00:30:00.000Z");
    assert.equal(doc.edition.timezone, "Europe/Amsterdam");
  });

  it("the repeated hour of the fall-back change needs an offset; both 02:30s can be booked", async () => {
    const f = await buildFestival(t.db, t.api, { startsAt: "2025-10-25T12:00", endsAt: "2025-10-26T12:00" });
    const ambiguous = await call(t.api, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
      stageId: f.stageIds[0],
      startsAt: "2025-10-26T02:30",
      endsAt: "2025-10-26T04:00",
    });
    assert.equal(ambiguous.status, 422);
    assert.equal(ambiguous.body.code, "ambiguous_local_time");
    const first = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
      stageId: f.stageIds[0],
      startsAt: "2025-10-26T02:00+02:00",
      endsAt: "2025-10-26T02:45+02:00",
    });
    const second = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
      stageId: f.stageIds[0],
      startsAt: "2025-10-26T02:00+01:00",
      endsAt: "2025-10-26T02:45+01:00",
    });
    assert.equal(first.startsAtLocal, "2025-10-26T02:00:00+02:00");
    assert.equal(second.startsAtLocal, "2025-10-26T02:00:00+01:00");
    assert.equal(Date.parse(second.startsAt) - Date.parse(first.startsAt), 3_600_000);
    const wrongZone = await call(t.api, "POST", `/api/v1/festivals/${f.festivalId}/editions`, f.owner, {
      name: "x",
      slug: "x",
      timezone: "Europe/Atlantis",
      startsAt: "2026-07-01T10:00",
      endsAt: "2026-07-02T10:00",
    });
    assert.equal(wrongZone.status, 400);
    assert.equal(wrongZone.body.errors[0].field, "body.timezone");
  });
});
