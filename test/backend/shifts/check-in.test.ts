import assert from "node:assert/strict";
import { createTestUser } from "../../support/auth.js";
import { testDatabaseUrl } from "../../support/database.js";
import { call, expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { RecordingPushDelivery } from "../../../backend/src/modules/notifications/delivery.js";
import { enqueueShiftSweep, remindSignup, runShiftJobsOnce, startShiftWorker } from "../../../backend/src/modules/shifts/jobs.js";
import { verifyEd25519 } from "../../../backend/src/modules/gate/keys.js";
import { badgeHash } from "../../../backend/src/modules/shifts/offline.js";
import { addMember, createShift, inMinutes, operationsWorld, type OperationsWorld } from "../staff/fixtures.js";

describe("shifts: check-in, no-shows, reminders and the coverage board", () => {
  const t = useTestApi();
  let w: OperationsWorld;
  const delivery = new RecordingPushDelivery();
  before(async () => {
    w = await operationsWorld(t.db, t.api);
  });

  const signUp = async (shiftId: string, user: Parameters<typeof call>[3]) => expectStatus(t.api, 201, "POST", `/api/v1/shifts/${shiftId}/signups`, user);
  const badgeOf = async (user: Parameters<typeof call>[3]) =>
    (await expectStatus(t.api, 200, "GET", `/api/v1/editions/${w.editionId}/me/staff`, user)).badgeQr as string;
  const checkIn = (operator: Parameters<typeof call>[3], body: unknown) =>
    call(t.api, "POST", `/api/v1/editions/${w.editionId}/shift-check-ins`, operator, body);

  it("checks a member in by badge at a kiosk (once) or by a shift lead; refuses strangers and forged badges", async () => {
    const lead = await addMember(t.db, t.api, w, w.roles.lead);
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    const b = await addMember(t.db, t.api, w, w.roles.steward);
    const shift = await createShift(t.api, w, w.roles.steward, { startMinutes: 30, lengthMinutes: 120 });
    const mine = await signUp(shift.id, a.user);
    await signUp(shift.id, b.user);
    const badge = await badgeOf(a.user);

    const first = await checkIn(lead.user, { badge });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.verdict, "checked_in");
    assert.equal(first.body.signup.id, mine.id);
    assert.equal(first.body.signup.status, "IN_PROGRESS");
    assert.equal(first.body.signup.checkInSource, "kiosk");
    assert.equal(first.body.shift.id, shift.id);
    const again = await checkIn(lead.user, { badge });
    assert.equal(again.body.verdict, "already_checked_in");

    const byLead = await checkIn(w.manager, { memberId: b.memberId });
    assert.equal(byLead.body.verdict, "checked_in");
    assert.equal(byLead.body.signup.checkInSource, "lead");

    const forged = badge.slice(0, -4) + (badge.endsWith("AAAA") ? "BBBB" : "AAAA");
    await expectProblem(
      t.api,
      { status: 422, code: "badge_not_recognised", fields: ["body.badge"] },
      "POST",
      `/api/v1/editions/${w.editionId}/shift-check-ins`,
      lead.user,
      {
        badge: forged,
      },
    );
    await expectProblem(t.api, { status: 400, code: "invalid_input" }, "POST", `/api/v1/editions/${w.editionId}/shift-check-ins`, lead.user, {
      badge,
      memberId: a.memberId,
    });
    // a steward is not a lead, a stranger has no access at all
    assert.equal((await checkIn(a.user, { badge })).status, 404);
    assert.equal((await checkIn(await createTestUser(t.db), { badge })).status, 404);
    // a badge of another edition is not staff here
    const other = await operationsWorld(t.db, t.api);
    const stranger = await addMember(t.db, t.api, other, other.roles.steward);
    const otherBadge = (await expectStatus(t.api, 200, "GET", `/api/v1/editions/${other.editionId}/me/staff`, stranger.user)).badgeQr;
    await expectProblem(t.api, { status: 404, code: "staff_member_not_found" }, "POST", `/api/v1/editions/${w.editionId}/shift-check-ins`, lead.user, {
      badge: otherBadge,
    });
    // nothing to check in to
    const idle = await addMember(t.db, t.api, w, w.roles.steward);
    await expectProblem(t.api, { status: 422, code: "no_shift_now" }, "POST", `/api/v1/editions/${w.editionId}/shift-check-ins`, lead.user, {
      memberId: idle.memberId,
    });
  });

  it("checks a member in by the cashless wristband linked to their account; a band nobody on staff wears is a 404", async () => {
    const lead = await addMember(t.db, t.api, w, w.roles.lead);
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    const shift = await createShift(t.api, w, w.roles.steward, { startMinutes: 20, lengthMinutes: 60 });
    const mine = await signUp(shift.id, a.user);
    const tag = `04A1${Date.now().toString(16).toUpperCase().slice(-8)}`;
    await expectStatus(t.api, 200, "PUT", `/api/v1/editions/${w.editionId}/cashless-settings`, w.manager, {
      currency: "EUR",
      balanceCap: 50_000,
      topupMax: 50_000,
    });
    await expectStatus(t.api, 200, "POST", `/api/v1/editions/${w.editionId}/wristbands/link`, a.user, { tagId: tag });
    const first = await checkIn(lead.user, { wristband: tag.toLowerCase() });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.signup.id, mine.id);
    assert.equal(first.body.signup.checkInSource, "wristband");
    assert.equal((await checkIn(lead.user, { wristband: tag })).body.verdict, "already_checked_in");
    await expectProblem(
      t.api,
      { status: 404, code: "wristband_not_staff", fields: ["body.wristband"] },
      "POST",
      `/api/v1/editions/${w.editionId}/shift-check-ins`,
      lead.user,
      {
        wristband: "04FFFFFFFFFFFF",
      },
    );
    await expectProblem(t.api, { status: 400, code: "invalid_input" }, "POST", `/api/v1/editions/${w.editionId}/shift-check-ins`, lead.user, {
      wristband: tag,
      memberId: a.memberId,
    });
  });

  it("serves an offline kiosk a signed snapshot and takes its scans back once, at their scan time", async () => {
    const world = await operationsWorld(t.db, t.api);
    const lead = await addMember(t.db, t.api, world, world.roles.lead);
    const a = await addMember(t.db, t.api, world, world.roles.steward);
    const shift = await createShift(t.api, world, world.roles.steward, { startMinutes: 45, lengthMinutes: 120 });
    const later = await createShift(t.api, world, world.roles.steward, { startMinutes: 6 * 60, lengthMinutes: 60 });
    const now = await signUp(shift.id, a.user);
    const notYet = await signUp(later.id, a.user);
    const badge = (await expectStatus(t.api, 200, "GET", `/api/v1/editions/${world.editionId}/me/staff`, a.user)).badgeQr;

    const signed = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${world.editionId}/shift-check-ins/snapshot`, lead.user);
    assert.ok(verifyEd25519(signed.publicKey, Buffer.from(signed.data, "base64url"), signed.signature), "signature verifies");
    const snapshot = JSON.parse(Buffer.from(signed.data, "base64url").toString("utf8"));
    const entry = snapshot.members.find((m: [string, string]) => m[1] === a.memberId);
    assert.equal(entry[0], badgeHash(badge));
    assert.deepEqual(
      entry[3].map((s: string[]) => s[0]),
      [now.id, notYet.id],
    );
    await expectProblem(t.api, { status: 404, code: "edition_not_found" }, "GET", `/api/v1/editions/${world.editionId}/shift-check-ins/snapshot`, a.user);

    const scannedAt = new Date().toISOString();
    const upload = {
      deviceId: "kiosk-1",
      scans: [
        { signupId: now.id, scannedAt },
        { signupId: notYet.id, scannedAt },
      ],
    };
    const first = await expectStatus(t.api, 200, "POST", `/api/v1/editions/${world.editionId}/shift-check-ins/offline`, lead.user, upload);
    assert.deepEqual(
      first.results.map((r: { result: string }) => r.result),
      ["checked_in", "refused"],
    );
    const again = await expectStatus(t.api, 200, "POST", `/api/v1/editions/${world.editionId}/shift-check-ins/offline`, lead.user, upload);
    assert.deepEqual(
      again.results.map((r: { result: string }) => r.result),
      ["already_checked_in", "refused"],
    );
    const row = await t.db("shift_signups").where({ id: now.id }).first();
    assert.equal(row.check_in_source, "offline");
    assert.equal(row.checked_in_at.toISOString(), scannedAt);
  });

  it("marks no-shows after the grace period (a job), enforces the no-show limit at sign-up, and takes a no-show back on a late check-in", async () => {
    const world = await operationsWorld(t.db, t.api);
    await expectStatus(t.api, 200, "PATCH", `/api/v1/editions/${world.editionId}/shift-settings`, world.manager, { noShowLimit: 1, noShowGraceMinutes: 15 });
    const a = await addMember(t.db, t.api, world, world.roles.steward);
    const present = await addMember(t.db, t.api, world, world.roles.steward);
    const lead = await addMember(t.db, t.api, world, world.roles.lead);
    const shift = await createShift(t.api, world, world.roles.steward, { startMinutes: 24 * 60, needed: 3 });
    const missed = await signUp(shift.id, a.user);
    const kept = await signUp(shift.id, present.user);
    // the shift is moved to have started 20 minutes ago; `present` was checked in
    await t
      .db("shifts")
      .where({ id: shift.id })
      .update({ starts_at: new Date(Date.now() - 20 * 60_000), ends_at: new Date(Date.now() + 60 * 60_000) });
    const checked = await call(t.api, "POST", `/api/v1/editions/${world.editionId}/shift-check-ins`, lead.user, { memberId: present.memberId });
    assert.equal(checked.body.verdict, "checked_in", JSON.stringify(checked.body));

    await enqueueShiftSweep(t.db);
    await runShiftJobsOnce({ connectionString: await testDatabaseUrl(), db: t.db, delivery });
    const rows = await t.db("shift_signups").whereIn("id", [missed.id, kept.id]).select("id", "status");
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.id, r.status])), { [missed.id]: "NO_SHOW", [kept.id]: "IN_PROGRESS" });
    assert.equal((await t.db("shifts").where({ id: shift.id }).first("signed_up")).signed_up, 1);
    assert.ok(await t.db("audit_log").where({ entity_id: missed.id, action: "shift_signup.no_show" }).first());

    const next = await createShift(t.api, world, world.roles.steward, { startMinutes: 3 * 24 * 60 });
    await expectProblem(t.api, { status: 422, code: "no_show_limit_reached" }, "POST", `/api/v1/shifts/${next.id}/signups`, a.user);
    assert.deepEqual((await expectStatus(t.api, 200, "GET", `/api/v1/editions/${world.editionId}/me/eligible-shifts`, a.user)).items, []);

    // turning up late, before the shift ends, takes the no-show back
    const late = await call(t.api, "POST", `/api/v1/editions/${world.editionId}/shift-check-ins`, lead.user, { memberId: a.memberId });
    assert.equal(late.body.verdict, "checked_in", JSON.stringify(late.body));
    assert.equal(late.body.signup.noShowAt, null);
    await signUp(next.id, a.user);

    // a second sweep after the shift ended completes who was there
    await t
      .db("shifts")
      .where({ id: shift.id })
      .update({ starts_at: new Date(Date.now() - 3 * 3600_000), ends_at: new Date(Date.now() - 60_000) });
    await enqueueShiftSweep(t.db);
    await runShiftJobsOnce({ connectionString: await testDatabaseUrl(), db: t.db, delivery });
    assert.equal((await t.db("shift_signups").where({ id: kept.id }).first("status")).status, "COMPLETED");
  });

  it("runs as the API process runs it: a worker with the every-minute sweep on its crontab, stopped cleanly", async () => {
    const worker = await startShiftWorker({ connectionString: await testDatabaseUrl(), db: t.db, delivery });
    await worker.stop();
  });

  it("queues a reminder with the sign-up, removes it on leaving, and pushes it once through notifications", async () => {
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    await expectStatus(t.api, 201, "POST", "/api/v1/me/device-tokens", a.user, { platform: "ios", token: `apns-${a.user.userId}` });
    const shift = await createShift(t.api, w, w.roles.steward, { startMinutes: 5 * 24 * 60 });
    const signup = await signUp(shift.id, a.user);
    const job = await t
      .db("graphile_worker.jobs")
      .where({ key: `shift_reminder:${signup.id}` })
      .first("run_at");
    assert.ok(job, "reminder queued");
    assert.equal(new Date(job.run_at).getTime(), Date.parse(shift.startsAt) - 60 * 60_000);

    await remindSignup(t.db, delivery, signup.id);
    await remindSignup(t.db, delivery, signup.id); // a retried job pushes nothing twice
    const log = await t.db("notification_log").where({ reference: `shift_signup:${signup.id}` });
    assert.equal(log.length, 1);
    assert.equal(log[0].kind, "shift_reminder");
    assert.equal(log[0].status, "delivered");
    const mine = await expectStatus(t.api, 200, "GET", "/api/v1/me/notifications", a.user);
    assert.equal(mine.items[0].kind, "shift_reminder");

    await expectStatus(t.api, 200, "POST", `/api/v1/shift-signups/${signup.id}/leave`, a.user);
    assert.equal(
      await t
        .db("graphile_worker.jobs")
        .where({ key: `shift_reminder:${signup.id}` })
        .first(),
      undefined,
    );
  });

  it("shows needed vs signed up vs present per zone and department, with the gate's occupancy beside it", async () => {
    const world = await operationsWorld(t.db, t.api);
    const lead = await addMember(t.db, t.api, world, world.roles.lead);
    const people = await Promise.all([0, 1, 2].map(() => addMember(t.db, t.api, world, world.roles.steward)));
    const atGate = await createShift(t.api, world, world.roles.steward, { startMinutes: 20, lengthMinutes: 180, needed: 4, zoneId: world.event.zones.gate });
    const roaming = await createShift(t.api, world, world.roles.steward, { startMinutes: 30, lengthMinutes: 180, needed: 2 });
    await createShift(t.api, world, world.roles.steward, { startMinutes: 600, needed: 9, zoneId: world.event.zones.gate }); // not under way then
    await signUp(atGate.id, people[0]!.user);
    await signUp(atGate.id, people[1]!.user);
    await signUp(roaming.id, people[2]!.user);
    await call(t.api, "POST", `/api/v1/editions/${world.editionId}/shift-check-ins`, lead.user, { memberId: people[0]!.memberId });
    await t.db("gate_zones").where({ id: world.event.zones.gate }).update({ occupancy: 37 });

    const board = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${world.editionId}/coverage?at=${encodeURIComponent(inMinutes(60))}`, world.manager);
    assert.deepEqual(board.rows, [
      { zoneId: null, departmentId: world.departmentId, shifts: 1, needed: 2, signedUp: 1, present: 0, zone: null },
      {
        zoneId: world.event.zones.gate,
        departmentId: world.departmentId,
        shifts: 1,
        needed: 4,
        signedUp: 2,
        present: 1,
        zone: { code: "main-gate", name: "MAIN-GATE", capacity: null, occupancy: 37 },
      },
    ]);
    const byLead = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${world.editionId}/coverage?at=${encodeURIComponent(inMinutes(60))}`, lead.user);
    assert.deepEqual(byLead.rows, board.rows);
    await expectProblem(t.api, { status: 404, code: "edition_not_found" }, "GET", `/api/v1/editions/${world.editionId}/coverage`, people[0]!.user);
    await expectProblem(t.api, { status: 404, code: "edition_not_found" }, "GET", `/api/v1/editions/${world.editionId}/coverage`, await createTestUser(t.db));
  });
});
