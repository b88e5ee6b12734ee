import assert from "node:assert/strict";
import { createTestUser } from "../../support/auth.js";
import { call, expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { addMember, createShift, inMinutes, operationsWorld, type OperationsWorld } from "../staff/fixtures.js";

describe("shifts: planning and signing up, every rule named", () => {
  const t = useTestApi();
  let w: OperationsWorld;
  before(async () => {
    w = await operationsWorld(t.db, t.api);
  });

  const signUp = (shiftId: string, user: Parameters<typeof call>[3]) => call(t.api, "POST", `/api/v1/shifts/${shiftId}/signups`, user);

  it("refuses bad shift plans: times, window, role or department of another edition, a zone of another festival", async () => {
    const other = await operationsWorld(t.db, t.api);
    const path = `/api/v1/editions/${w.editionId}/shifts`;
    const body = { roleId: w.roles.steward, departmentId: w.departmentId, title: "Gate", startsAt: inMinutes(60), endsAt: inMinutes(120), needed: 2 };
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.endsAt"] }, "POST", path, w.manager, { ...body, endsAt: inMinutes(30) });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.needed"] }, "POST", path, w.manager, { ...body, needed: 0 });
    await expectProblem(t.api, { status: 422, code: "signup_window_reversed" }, "POST", path, w.manager, {
      ...body,
      signupOpensAt: inMinutes(20),
      signupClosesAt: inMinutes(10),
    });
    await expectProblem(t.api, { status: 422, code: "role_not_in_edition", fields: ["body.roleId"] }, "POST", path, w.manager, {
      ...body,
      roleId: other.roles.steward,
    });
    await expectProblem(t.api, { status: 422, code: "zone_not_in_festival", fields: ["body.zoneId"] }, "POST", path, w.manager, {
      ...body,
      zoneId: other.event.zones.gate,
    });
    const atGate = await expectStatus(t.api, 201, "POST", path, w.manager, { ...body, zoneId: w.event.zones.gate });
    assert.equal(atGate.zoneId, w.event.zones.gate);
    assert.equal(atGate.signedUp, 0);
    const member = await addMember(t.db, t.api, w, w.roles.steward);
    await expectProblem(t.api, { status: 404, code: "edition_not_found" }, "POST", path, member.user, body);
  });

  it("admits a member once, refuses a full shift, an overlapping one, a wrong role and a missing prerequisite", async () => {
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    const b = await addMember(t.db, t.api, w, w.roles.steward);
    const c = await addMember(t.db, t.api, w, w.roles.steward);
    const shift = await createShift(t.api, w, w.roles.steward, { startMinutes: 2 * 24 * 60, needed: 2 });
    const first = await signUp(shift.id, a.user);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.status, "SCHEDULED");
    assert.equal(first.body.startsAt, shift.startsAt);
    assert.equal((await signUp(shift.id, a.user)).body.code, "already_signed_up");
    assert.equal((await signUp(shift.id, b.user)).status, 201);
    const full = await signUp(shift.id, c.user);
    assert.equal(full.status, 409);
    assert.equal(full.body.code, "shift_full");
    const now = await expectStatus(t.api, 200, "GET", `/api/v1/shifts/${shift.id}`, w.manager);
    assert.equal(now.signedUp, 2);

    // overlapping: starts an hour into a's shift
    const overlapping = await createShift(t.api, w, w.roles.steward, { startMinutes: 2 * 24 * 60 + 60 });
    const clash = await signUp(overlapping.id, a.user);
    assert.equal(clash.status, 409);
    assert.equal(clash.body.code, "shift_overlaps");
    assert.equal(clash.body.conflictingShiftId, shift.id);
    // back to back is not an overlap
    const after = await createShift(t.api, w, w.roles.steward, { startMinutes: 2 * 24 * 60 + 120 });
    assert.equal((await signUp(after.id, a.user)).status, 201);

    const driving = await createShift(t.api, w, w.roles.driver, { startMinutes: 3 * 24 * 60 });
    assert.equal((await signUp(driving.id, c.user)).body.code, "wrong_role");
    const driver = await addMember(t.db, t.api, w, w.roles.driver);
    const missing = await signUp(driving.id, driver.user);
    assert.equal(missing.status, 422);
    assert.equal(missing.body.code, "missing_prerequisite");
    assert.deepEqual(missing.body.missing, ["driver-licence"]);
    // a licence that expires before the shift ends is not enough
    await expectStatus(t.api, 200, "PUT", `/api/v1/staff-members/${driver.memberId}/qualifications/${w.licenceId}`, w.manager, {
      validUntil: inMinutes(3 * 24 * 60 + 30),
    });
    assert.equal((await signUp(driving.id, driver.user)).body.code, "missing_prerequisite");
    await expectStatus(t.api, 200, "PUT", `/api/v1/staff-members/${driver.memberId}/qualifications/${w.licenceId}`, w.manager, { validUntil: null });
    assert.equal((await signUp(driving.id, driver.user)).status, 201);

    const stranger = await createTestUser(t.db);
    assert.equal((await signUp(shift.id, stranger)).body.code, "shift_not_found");
  });

  it("signs up only inside the window, before the start, not on a cancelled shift", async () => {
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    const notYet = await createShift(t.api, w, w.roles.steward, { startMinutes: 5 * 24 * 60, extra: { signupOpensAt: inMinutes(60) } });
    const early = await signUp(notYet.id, a.user);
    assert.equal(early.status, 422);
    assert.equal(early.body.code, "outside_signup_window");
    assert.equal(early.body.signupOpensAt, notYet.signupOpensAt);
    const closed = await createShift(t.api, w, w.roles.steward, {
      startMinutes: 6 * 24 * 60,
      extra: { signupOpensAt: inMinutes(-120), signupClosesAt: inMinutes(-60) },
    });
    assert.equal((await signUp(closed.id, a.user)).body.code, "outside_signup_window");
    const started = await createShift(t.api, w, w.roles.steward, { startMinutes: -10, lengthMinutes: 60 });
    assert.equal((await signUp(started.id, a.user)).body.code, "shift_started");
    const cancelled = await createShift(t.api, w, w.roles.steward, { startMinutes: 7 * 24 * 60 });
    await expectStatus(t.api, 200, "PATCH", `/api/v1/shifts/${cancelled.id}`, w.manager, { status: "cancelled" });
    assert.equal((await signUp(cancelled.id, a.user)).body.code, "shift_cancelled");
  });

  it("lets a member leave until the cut-off, which frees the place", async () => {
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    const b = await addMember(t.db, t.api, w, w.roles.steward);
    const shift = await createShift(t.api, w, w.roles.steward, { startMinutes: 8 * 24 * 60, needed: 1, extra: { leaveCutoffMinutes: 60 } });
    const mine = (await signUp(shift.id, a.user)).body;
    await expectProblem(t.api, { status: 404, code: "shift_signup_not_found" }, "POST", `/api/v1/shift-signups/${mine.id}/leave`, b.user);
    assert.equal((await expectStatus(t.api, 200, "POST", `/api/v1/shift-signups/${mine.id}/confirm`, a.user)).status, "CONFIRMED");
    const left = await expectStatus(t.api, 200, "POST", `/api/v1/shift-signups/${mine.id}/leave`, a.user);
    assert.equal(left.status, "CANCELLED");
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/shifts/${shift.id}`, w.manager)).signedUp, 0);
    await expectProblem(t.api, { status: 422, code: "signup_not_leavable" }, "POST", `/api/v1/shift-signups/${mine.id}/leave`, a.user);
    assert.equal((await signUp(shift.id, b.user)).status, 201);
    assert.equal((await signUp(shift.id, a.user)).body.code, "shift_full");

    // a shift two hours away with a three-hour cut-off: too late to leave
    const soon = await createShift(t.api, w, w.roles.steward, { startMinutes: 120, extra: { leaveCutoffMinutes: 180 } });
    const signed = (await signUp(soon.id, a.user)).body;
    const late = await expectProblem(t.api, { status: 422, code: "leave_cutoff_passed" }, "POST", `/api/v1/shift-signups/${signed.id}/leave`, a.user);
    assert.ok(Date.parse(late.cutoffAt) < Date.now());
  });

  it("admits exactly one of many concurrent sign-ups for the last place", async () => {
    const shift = await createShift(t.api, w, w.roles.steward, { startMinutes: 9 * 24 * 60, needed: 3 });
    const early = await Promise.all([0, 1].map(() => addMember(t.db, t.api, w, w.roles.steward)));
    for (const m of early) assert.equal((await signUp(shift.id, m.user)).status, 201);
    const racers = await Promise.all(Array.from({ length: 12 }, () => addMember(t.db, t.api, w, w.roles.steward)));
    const results = await Promise.all(racers.map((m) => signUp(shift.id, m.user)));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, ...Array(11).fill(409)], JSON.stringify(results.map((r) => r.body.code)));
    assert.ok(results.filter((r) => r.status === 409).every((r) => r.body.code === "shift_full"));
    const row = await t.db("shifts").where({ id: shift.id }).first("signed_up");
    assert.equal(row.signed_up, 3);
    const holding = await t.db("shift_signups").where({ shift_id: shift.id }).whereIn("status", ["SCHEDULED", "CONFIRMED"]).count<{ n: string }[]>({ n: "*" });
    assert.equal(Number(holding[0]!.n), 3);
    await expectProblem(t.api, { status: 409, code: "needed_below_signed_up", fields: ["body.needed"] }, "PATCH", `/api/v1/shifts/${shift.id}`, w.manager, {
      needed: 2,
    });
  });

  it("holds the rules in the database even past the service", async () => {
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    const b = await addMember(t.db, t.api, w, w.roles.steward);
    const shift = await createShift(t.api, w, w.roles.steward, { startMinutes: 10 * 24 * 60, needed: 1 });
    const overlapping = await createShift(t.api, w, w.roles.steward, { startMinutes: 10 * 24 * 60 + 30 });
    const { newId } = await import("../../../lib/ids.js");
    await t
      .db("shift_signups")
      .insert({ id: newId(), shift_id: shift.id, member_id: a.memberId, edition_id: w.editionId, starts_at: new Date(), ends_at: new Date() });
    await assert.rejects(
      t
        .db("shift_signups")
        .insert({ id: newId(), shift_id: shift.id, member_id: b.memberId, edition_id: w.editionId, starts_at: new Date(), ends_at: new Date() }),
      /ck_shifts_signed_up_within_needed/,
    );
    await assert.rejects(
      t
        .db("shift_signups")
        .insert({ id: newId(), shift_id: overlapping.id, member_id: a.memberId, edition_id: w.editionId, starts_at: new Date(), ends_at: new Date() }),
      /ex_shift_signups_no_overlap/,
    );
    // the trigger copied the shift's times over whatever the insert said
    const row = await t.db("shift_signups").where({ shift_id: shift.id, member_id: a.memberId }).first();
    assert.equal(row.starts_at.toISOString(), shift.startsAt);
    // moving a shift moves its sign-ups, and a move into someone's other shift is refused
    const later = await createShift(t.api, w, w.roles.steward, { startMinutes: 20 * 24 * 60 });
    assert.equal((await signUp(later.id, a.user)).status, 201);
    await expectProblem(t.api, { status: 409, code: "move_overlaps_signups" }, "PATCH", `/api/v1/shifts/${later.id}`, w.manager, {
      startsAt: overlapping.startsAt,
      endsAt: overlapping.endsAt,
    });
    const moved = await expectStatus(t.api, 200, "PATCH", `/api/v1/shifts/${later.id}`, w.manager, {
      startsAt: inMinutes(21 * 24 * 60),
      endsAt: inMinutes(21 * 24 * 60 + 60),
    });
    const follows = await t.db("shift_signups").where({ shift_id: later.id, member_id: a.memberId }).first();
    assert.equal(follows.starts_at.toISOString(), moved.startsAt);
  });

  it("lists the shifts I am eligible for: my role, prerequisites, window, not full, no overlap; paginated", async () => {
    const world = await operationsWorld(t.db, t.api);
    const me = await addMember(t.db, t.api, world, world.roles.steward);
    const other = await addMember(t.db, t.api, world, world.roles.steward);
    const open1 = await createShift(t.api, world, world.roles.steward, { startMinutes: 24 * 60 });
    const open2 = await createShift(t.api, world, world.roles.steward, { startMinutes: 2 * 24 * 60 });
    const open3 = await createShift(t.api, world, world.roles.steward, { startMinutes: 3 * 24 * 60 });
    const fullShift = await createShift(t.api, world, world.roles.steward, { startMinutes: 4 * 24 * 60, needed: 1 });
    assert.equal((await signUp(fullShift.id, other.user)).status, 201);
    await createShift(t.api, world, world.roles.steward, { startMinutes: 5 * 24 * 60, extra: { signupOpensAt: inMinutes(60) } });
    await createShift(t.api, world, world.roles.driver, { startMinutes: 6 * 24 * 60 });
    const mine = await createShift(t.api, world, world.roles.steward, { startMinutes: 7 * 24 * 60 });
    assert.equal((await signUp(mine.id, me.user)).status, 201);
    await createShift(t.api, world, world.roles.steward, { startMinutes: 7 * 24 * 60 + 30 }); // overlaps mine

    const path = `/api/v1/editions/${world.editionId}/me/eligible-shifts`;
    const page1 = await expectStatus(t.api, 200, "GET", `${path}?limit=2`, me.user);
    assert.equal(page1.items.length, 2);
    assert.ok(page1.nextCursor);
    const page2 = await expectStatus(t.api, 200, "GET", `${path}?limit=2&cursor=${page1.nextCursor}`, me.user);
    assert.deepEqual(
      [...page1.items, ...page2.items].map((s: { id: string }) => s.id),
      [open1.id, open2.id, open3.id],
    );
    assert.equal(page2.nextCursor, null);
    await expectProblem(t.api, { status: 404, code: "not_staff" }, "GET", path, world.manager);
    await expectProblem(t.api, { status: 400, code: "invalid_cursor" }, "GET", `${path}?cursor=nope`, me.user);

    // a driver with the licence sees driver shifts
    const driver = await addMember(t.db, t.api, world, world.roles.driver);
    assert.equal((await expectStatus(t.api, 200, "GET", path, driver.user)).items.length, 0);
    await expectStatus(t.api, 200, "PUT", `/api/v1/staff-members/${driver.memberId}/qualifications/${world.licenceId}`, world.manager, {});
    assert.equal((await expectStatus(t.api, 200, "GET", path, driver.user)).items.length, 1);
  });

  it("puts my shifts in my personal iCalendar feed", async () => {
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    const shift = await createShift(t.api, w, w.roles.steward, { startMinutes: 11 * 24 * 60 });
    assert.equal((await signUp(shift.id, a.user)).status, 201);
    // the feed needs the edition's published schedule
    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${w.editionId}/schedule/publish`, w.manager, {});
    const res = await fetch(`${t.api.base}/api/v1/me/schedules/${w.editionId}/calendar.ics`, { headers: a.user.headers });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /SUMMARY:Shift: Shift at/);
    assert.match(text, /UID:shift-/);
  });
});
