import assert from "node:assert/strict";
import { newId } from "../../../lib/ids.js";
import { useTestApi, call, expectStatus } from "../../support/api-suite.js";
import { buildFestival, createSlot } from "../../support/festival.js";

describe("time slots never overlap on a stage", () => {
  const t = useTestApi();

  it("the database refuses an overlapping slot (exclusion constraint), touching slots are fine", async () => {
    const f = await buildFestival(t.db, t.api);
    const slot = (starts: string, ends: string) => ({
      id: newId(),
      edition_id: f.editionId,
      stage_id: f.stageIds[0],
      starts_at: starts,
      ends_at: ends,
      kind: "performance",
    });
    await t.db("time_slots").insert(slot("2025-07-04T12:00:00Z", "2025-07-04T13:00:00Z"));
    await assert.rejects(
      t.db("time_slots").insert(slot("2025-07-04T12:30:00Z", "2025-07-04T13:30:00Z")),
      (e: { constraint?: string }) => e.constraint === "ex_time_slots_no_overlap_per_stage",
    );
    await t.db("time_slots").insert(slot("2025-07-04T13:00:00Z", "2025-07-04T14:00:00Z")); // [) ranges: back to back is allowed
    await t.db("time_slots").insert({ ...slot("2025-07-04T12:30:00Z", "2025-07-04T13:30:00Z"), stage_id: f.stageIds[1] }); // another stage
    await assert.rejects(
      t.db("time_slots").insert(slot("2025-07-04T15:00:00Z", "2025-07-04T15:00:00Z")),
      (e: { constraint?: string }) => e.constraint === "ck_time_slots_end_after_start",
    );
    await assert.rejects(
      t.db("time_slots").insert(slot("2025-07-10T15:00:00Z", "2025-07-10T16:00:00Z")),
      (e: { constraint?: string }) => e.constraint === "ck_time_slots_within_edition",
    );
    // a soft-deleted slot no longer blocks its time
    const gone = slot("2025-07-05T12:00:00Z", "2025-07-05T13:00:00Z");
    await t.db("time_slots").insert(gone);
    await t.db("time_slots").where({ id: gone.id }).update({ deleted_at: t.db.fn.now() });
    await t.db("time_slots").insert(slot("2025-07-05T12:00:00Z", "2025-07-05T13:00:00Z"));
  });

  it("the API answers 409 naming the slot in the way, and 422 for the other rules", async () => {
    const f = await buildFestival(t.db, t.api);
    const first = await createSlot(t.api, f, 0, "2025-07-04T20:00", "2025-07-04T21:00", "Headliner");
    const res = await call(t.api, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
      stageId: f.stageIds[0],
      startsAt: "2025-07-04T20:30",
      endsAt: "2025-07-04T21:30",
    });
    assert.equal(res.status, 409);
    assert.equal(res.headers.get("content-type")?.startsWith("application/problem+json"), true);
    assert.equal(res.body.code, "time_slot_overlap");
    assert.equal(res.body.conflictingTimeSlot.id, first.id);
    assert.equal(res.body.conflictingTimeSlot.startsAtLocal, "2025-07-04T20:00:00+02:00");
    assert.match(res.body.detail, new RegExp(first.id));

    // moving another slot onto it is refused the same way
    const other = await createSlot(t.api, f, 0, "2025-07-04T22:00", "2025-07-04T23:00");
    const move = await call(t.api, "PATCH", `/api/v1/time-slots/${other.id}`, f.owner, { startsAt: "2025-07-04T20:59" });
    assert.equal(move.status, 409);
    assert.equal(move.body.conflictingTimeSlot.id, first.id);

    const backwards = await call(t.api, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
      stageId: f.stageIds[1],
      startsAt: "2025-07-04T20:00",
      endsAt: "2025-07-04T19:00",
    });
    assert.equal(backwards.status, 422);
    assert.equal(backwards.body.code, "time_slot_ends_before_start");
    const outside = await call(t.api, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
      stageId: f.stageIds[1],
      startsAt: "2025-07-08T20:00",
      endsAt: "2025-07-08T21:00",
    });
    assert.equal(outside.status, 422);
    assert.equal(outside.body.code, "time_slot_outside_edition");
    const garbage = await call(t.api, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
      stageId: "nope",
      startsAt: "tomorrow",
      endsAt: "2025-07-04T19:00",
    });
    assert.equal(garbage.status, 400);
    assert.deepEqual(garbage.body.errors.map((e: { field: string }) => e.field).sort(), ["body.stageId", "body.startsAt"]);

    // and an edition cannot shrink past its slots
    const shrink = await call(t.api, "PATCH", `/api/v1/editions/${f.editionId}`, f.owner, { endsAt: "2025-07-04T21:00" });
    assert.equal(shrink.status, 422);
    assert.equal(shrink.body.code, "edition_dates_exclude_time_slots");
    const inverted = await call(t.api, "PATCH", `/api/v1/editions/${f.editionId}`, f.owner, { startsAt: "2025-07-08T10:00" });
    assert.equal(inverted.status, 422);
  });

  it("two concurrent inserts of overlapping slots: exactly one succeeds", async () => {
    const f = await buildFestival(t.db, t.api);
    for (let round = 0; round < 5; round++) {
      const hour = 10 + round * 2;
      const results = await Promise.all(
        [0, 1, 2].map((i) =>
          call(t.api, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
            stageId: f.stageIds[0],
            startsAt: `2025-07-05T${hour}:${String(i * 10).padStart(2, "0")}`,
            endsAt: `2025-07-05T${hour + 1}:${String(i * 10).padStart(2, "0")}`,
          }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 409, 409], JSON.stringify(results.map((r) => r.body)));
      const winner = results.find((r) => r.status === 201)!.body.id;
      for (const loser of results.filter((r) => r.status === 409)) assert.equal(loser.body.conflictingTimeSlot.id, winner);
    }
    const live = await t.db("time_slots").where({ edition_id: f.editionId }).whereNull("deleted_at").count<{ count: string }[]>("* as count");
    assert.equal(Number(live[0]!.count), 5);
  });

  it("a slot needs a stage at a venue of its edition", async () => {
    const f = await buildFestival(t.db, t.api);
    const venue = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/venues`, f.owner, { name: "Elsewhere" });
    const stage = await expectStatus(t.api, 201, "POST", `/api/v1/venues/${venue.id}/stages`, f.owner, { name: "Tent" });
    const res = await call(t.api, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, {
      stageId: stage.id,
      startsAt: "2025-07-04T20:00",
      endsAt: "2025-07-04T21:00",
    });
    assert.equal(res.status, 422);
    assert.equal(res.body.code, "stage_not_in_edition");
  });
});
