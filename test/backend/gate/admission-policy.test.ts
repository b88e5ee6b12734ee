import assert from "node:assert/strict";
import type { Knex } from "knex";
import { decideTicket, ticketDecisionSql, type ScanFacts, type ScanIdentity, type TicketFacts } from "../../../backend/src/modules/gate/admission-policy.js";
import { testDatabase } from "../../support/database.js";

/** The admission policy's TypeScript rules and their SQL twins decide every combination of facts alike. */
describe("gate: one admission policy, in TypeScript and SQL", () => {
  let db: Knex;
  before(async () => {
    db = await testDatabase();
  });

  it("decides all combinations of ticket and scan facts the same way in both", async () => {
    const scan: ScanIdentity = {
      passNonce: "42",
      scannerUserId: "0190a0b0-0000-7000-8000-000000000001",
      zoneId: "0190a0b0-0000-7000-8000-000000000002",
      deviceId: "lane-1",
    };
    const checkIns: Array<ScanIdentity | null> = [
      null,
      scan,
      { ...scan, passNonce: "43" },
      { ...scan, scannerUserId: "0190a0b0-0000-7000-8000-000000000003" },
      { ...scan, zoneId: "0190a0b0-0000-7000-8000-000000000004" },
      { ...scan, deviceId: null },
    ];
    const cases: Array<{ ticket: TicketFacts | null; scan: ScanFacts }> = [];
    for (const singleEntry of [true, false]) {
      const facts: ScanFacts = { ...scan, holder: "0xaa", singleEntry };
      cases.push({ ticket: null, scan: facts });
      for (const owner of ["0xaa", "0xbb", null])
        for (const burned of [false, true])
          for (const refundState of ["none", "refundable", "refunded"])
            for (const cancelled of [false, true])
              for (const checkedIn of [false, true])
                for (const checkIn of checkIns) cases.push({ ticket: { owner, burned, refundState, cancelled, checkedIn, checkIn }, scan: facts });
    }
    const rows = cases.map(({ ticket, scan: s }) => [
      ticket !== null,
      ticket?.owner ?? null,
      ticket?.burned ?? false,
      ticket?.refundState ?? "none",
      ticket?.cancelled ?? false,
      ticket?.checkedIn ?? false,
      ticket?.checkIn ? "x" : null,
      ticket?.checkIn?.passNonce ?? null,
      ticket?.checkIn?.scannerUserId ?? null,
      ticket?.checkIn?.zoneId ?? null,
      ticket?.checkIn?.deviceId ?? null,
      s.passNonce,
      s.scannerUserId,
      s.zoneId,
      s.deviceId,
      s.holder,
      s.singleEntry,
    ]);
    const sql = ticketDecisionSql({
      owner: "f.owner",
      burned: "f.burned",
      refundState: "f.refund_state",
      cancelled: "f.cancelled",
      checkedIn: "f.checked_in",
      checkInId: "f.check_in",
      checkIn: { passNonce: "f.g_nonce", scannerUserId: "f.g_scanner", zoneId: "f.g_zone", deviceId: "f.g_device" },
      scan: { passNonce: "f.nonce", scannerUserId: "f.scanner", zoneId: "f.zone", deviceId: "f.device" },
      holder: "f.holder",
      singleEntry: "f.single_entry",
    });
    const { rows: decided } = await db.raw(
      `select f.n, case when f.exists then ${sql} else 'unknown_ticket' end as decision
         from unnest(?::boolean[], ?::text[], ?::boolean[], ?::text[], ?::boolean[], ?::boolean[], ?::text[], ?::numeric[], ?::uuid[], ?::uuid[],
                     ?::text[], ?::numeric[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::boolean[])
              with ordinality as f(exists, owner, burned, refund_state, cancelled, checked_in, check_in, g_nonce, g_scanner, g_zone, g_device,
                                   nonce, scanner, zone, device, holder, single_entry, n)
        order by f.n`,
      rows[0]!.map((_, column) => rows.map((r) => r[column])) as Knex.RawBinding[],
    );
    assert.equal(decided.length, cases.length);
    const expected = cases.map((c) => decideTicket(c.ticket, c.scan));
    assert.deepEqual(
      decided.map((r: { decision: string }) => r.decision),
      expected,
    );
    // and the policy is not trivial: every decision occurs
    assert.deepEqual([...new Set(expected)].sort(), ["already_admitted", "cancelled", "not_holder", "ok", "refunded", "retry", "unknown_ticket"]);
  });
});
