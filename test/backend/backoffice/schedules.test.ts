import assert from "node:assert/strict";
import { RecordingPushDelivery } from "../../../backend/src/modules/notifications/delivery.js";
import { remindSession } from "../../../backend/src/modules/productions/jobs.js";
import { occurrences } from "../../../backend/src/modules/productions/recurrence.js";
import { reminderKey } from "../../../backend/src/modules/productions/schedule.js";
import { expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { buildCompany, type TestCompany } from "./fixtures.js";

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe("back office: production schedules, recurrence, assignments, attendance and reminders", () => {
  const t = useTestApi();
  const delivery = new RecordingPushDelivery();
  let c: TestCompany, other: TestCompany, productionId: string;

  before(async () => {
    c = await buildCompany(t.db, t.api, { name: "Schedules A" });
    other = await buildCompany(t.db, t.api, { name: "Schedules B" });
    const p = await expectStatus(t.api, 201, "POST", `/api/v1/companies/${c.companyId}/productions`, c.manager, {
      name: "Run",
      startsOn: day(-1),
      endsOn: day(30),
    });
    productionId = p.id;
  });

  const base = () => `/api/v1/companies/${c.companyId}`;

  it("expands an RRULE in the company's time zone, keeping the local time across a DST change", () => {
    // 19:30 in Berlin on Mondays across the end of summer time (2027-10-31)
    const starts = occurrences(new Date("2027-10-18T17:30:00Z"), "FREQ=WEEKLY;COUNT=4", "Europe/Berlin", new Date("2027-12-31T00:00:00Z"));
    assert.deepEqual(
      starts.map((d) => d.toISOString()),
      ["2027-10-18T17:30:00.000Z", "2027-10-25T17:30:00.000Z", "2027-11-01T18:30:00.000Z", "2027-11-08T18:30:00.000Z"],
    );
  });

  it("schedules recurring rehearsals inside the production and refuses sessions outside it", async () => {
    const startsAt = new Date(Date.now() + 3 * 86_400_000);
    const item = await expectStatus(t.api, 201, "POST", `${base()}/productions/${productionId}/schedule`, c.manager, {
      kind: "rehearsal",
      title: "Blocking",
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * 3600_000).toISOString(),
      rrule: "FREQ=DAILY;INTERVAL=7",
    });
    // weekly until the production's end (day 30): days 3, 10, 17, 24
    assert.equal(item.sessions.length, 4);
    await expectProblem(
      t.api,
      { status: 422, code: "schedule_outside_production", fields: ["body.startsAt"] },
      "POST",
      `${base()}/productions/${productionId}/schedule`,
      c.manager,
      {
        kind: "meeting",
        title: "Too late",
        startsAt: new Date(Date.now() + 40 * 86_400_000).toISOString(),
        endsAt: new Date(Date.now() + 40 * 86_400_000 + 3600_000).toISOString(),
      },
    );
    await expectProblem(
      t.api,
      { status: 400, code: "invalid_rrule", fields: ["body.rrule"] },
      "POST",
      `${base()}/productions/${productionId}/schedule`,
      c.manager,
      {
        kind: "fitting",
        title: "Bad rule",
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 3600_000).toISOString(),
        rrule: "FREQ=SOMETIMES",
      },
    );
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "POST", `${base()}/productions/${productionId}/schedule`, other.manager, {
      kind: "meeting",
      title: "x",
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3600_000).toISOString(),
    });
  });

  it("assigns an artist who confirms: reminders 24 h and 2 h before go on the queue and out through notifications", async () => {
    await expectStatus(t.api, 201, "POST", "/api/v1/me/device-tokens", c.artist, { platform: "ios", token: `apns-${c.artist.userId}` });
    const startsAt = new Date(Date.now() + 30 * 3600_000);
    const item = await expectStatus(t.api, 201, "POST", `${base()}/productions/${productionId}/schedule`, c.manager, {
      kind: "photo_call",
      title: "Press photos",
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3600_000).toISOString(),
    });
    const session = item.sessions[0];
    const assignment = await expectStatus(t.api, 201, "POST", `${base()}/schedule-items/${item.id}/assignments`, c.manager, { artistId: c.artistId });
    assert.equal(assignment.status, "invited");
    await expectProblem(t.api, { status: 404, code: "assignment_not_found" }, "POST", `${base()}/assignments/${assignment.id}/confirm`, c.manager);
    const confirmed = await expectStatus(t.api, 200, "POST", `${base()}/assignments/${assignment.id}/confirm`, c.artist);
    assert.equal(confirmed.status, "confirmed");
    for (const [lead, hours] of [
      ["24h", 24],
      ["2h", 2],
    ] as const) {
      const job = await t
        .db("graphile_worker.jobs")
        .where({ key: reminderKey(session.id, c.artistId, lead) })
        .first("run_at");
      assert.ok(job, `${lead} reminder queued`);
      assert.equal(new Date(job.run_at).getTime(), Date.parse(session.startsAt) - hours * 3600_000);
    }
    const payload = { companyId: c.companyId, sessionId: session.id, artistId: c.artistId, lead: "24h" };
    await remindSession(t.db, delivery, payload);
    await remindSession(t.db, delivery, payload);
    const log = await t.db("notification_log").where({ reference: `production_session:${session.id}:24h` });
    assert.equal(log.length, 1);
    assert.equal(log[0].kind, "production_reminder");
    assert.equal(log[0].status, "delivered");

    await expectStatus(t.api, 200, "POST", `${base()}/assignments/${assignment.id}/decline`, c.artist);
    assert.equal(
      await t
        .db("graphile_worker.jobs")
        .where({ key: reminderKey(session.id, c.artistId, "2h") })
        .first(),
      undefined,
    );
  });

  it("checks a confirmed artist in and out of a session, only while check-in is open", async () => {
    const soon = new Date(Date.now() + 3600_000);
    const later = new Date(Date.now() + 5 * 86_400_000);
    const make = async (at: Date, kind: string) =>
      expectStatus(t.api, 201, "POST", `${base()}/productions/${productionId}/schedule`, c.manager, {
        kind,
        title: kind,
        startsAt: at.toISOString(),
        endsAt: new Date(at.getTime() + 2 * 3600_000).toISOString(),
      });
    const now = await make(soon, "performance");
    const future = await make(later, "meeting");
    for (const item of [now, future]) {
      const a = await expectStatus(t.api, 201, "POST", `${base()}/schedule-items/${item.id}/assignments`, c.manager, { artistId: c.artistId });
      if (item === now) {
        await expectProblem(
          t.api,
          { status: 422, code: "assignment_not_confirmed" },
          "POST",
          `${base()}/sessions/${item.sessions[0].id}/check-in`,
          c.artist,
          {},
        );
      }
      await expectStatus(t.api, 200, "POST", `${base()}/assignments/${a.id}/confirm`, c.artist);
    }
    await expectProblem(t.api, { status: 422, code: "check_in_closed" }, "POST", `${base()}/sessions/${future.sessions[0].id}/check-in`, c.artist, {});
    await expectProblem(t.api, { status: 422, code: "not_checked_in" }, "POST", `${base()}/sessions/${now.sessions[0].id}/check-out`, c.artist, {});
    // an active contract for this production: the check-in at the performance confirms it (paid on performance)
    const contract = await expectStatus(t.api, 201, "POST", `${base()}/contracts`, c.manager, {
      artistId: c.artistId,
      productionId,
      feeMinor: 100_000,
      currency: "EUR",
      startsOn: day(0),
      endsOn: day(10),
      document: Buffer.from("contract").toString("base64"),
    });
    const sent = await expectStatus(t.api, 200, "POST", `${base()}/contracts/${contract.id}/send`, c.manager, { version: 1 });
    await expectStatus(t.api, 200, "POST", `${base()}/contracts/${contract.id}/signature-requests/${sent.signatureRequests[0].id}/sign`, c.artist);
    const inside = await expectStatus(t.api, 200, "POST", `${base()}/sessions/${now.sessions[0].id}/check-in`, c.artist, {});
    assert.ok(inside.checkedInAt);
    const confirmed = await expectStatus(t.api, 200, "GET", `${base()}/contracts/${contract.id}`, c.manager);
    assert.equal(confirmed.performance.status, "confirmed");
    assert.equal((await t.db("artist_contracts").where({ id: contract.id }).first()).performance_source, "check_in");
    await expectProblem(t.api, { status: 409, code: "performance_decided" }, "POST", `${base()}/contracts/${contract.id}/performance`, c.manager, {
      outcome: "cancelled",
    });
    const out = await expectStatus(t.api, 200, "POST", `${base()}/sessions/${now.sessions[0].id}/check-out`, c.artist, {});
    assert.ok(out.checkedOutAt);
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "POST", `${base()}/sessions/${now.sessions[0].id}/check-in`, other.artist, {});
    const listed = await expectStatus(t.api, 200, "GET", `${base()}/productions/${productionId}/sessions`, c.artist);
    assert.ok(listed.items.some((s: { id: string }) => s.id === now.sessions[0].id));
  });
});
