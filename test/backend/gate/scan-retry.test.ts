import assert from "node:assert/strict";
import type { Knex } from "knex";
import { loadConfig } from "../../../lib/config.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { createFan, holderPass, seedEvent, seedTicket, type SeededEvent } from "./fixtures.js";

/**
 * A scan whose answer was lost on the network is sent again with the same pass (same nonce):
 * the scanner that sent it gets the first verdict again, and the ticket is admitted once (one
 * check-in, one admitting access-log row, occupancy counted once). Anyone else showing that
 * pass is refused as before.
 */
describe("gate: a resent scan (same pass nonce, same scanner) gets its first verdict", () => {
  const config = loadConfig({});
  let db: Knex;
  let api: TestApi;
  let event: SeededEvent;
  let otherScanner: TestUser;

  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db, { config });
    event = await seedEvent(db, { loungeCapacity: 10 });
    otherScanner = await createTestUser(db, { roles: ["security"] });
    const assigned = await api.post(`/api/v1/festivals/${event.festivalId}/gate/scanners`, { userId: otherScanner.userId }, event.organizer.headers);
    assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
  });
  after(() => api.close());

  const scan = async (payload: string, zoneId: string, as: { authorization: string } = event.scanner.headers, direction: "in" | "out" = "in") => {
    const res = await api.post("/api/v1/gate/scan", { payload, zoneId, direction, deviceId: "lane-1" }, as);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { verdict: string; admitted: boolean; zone: { occupancy: number | null }; ticket: { holderDisplayName: string | null } };
  };
  const admissions = async (tokenId: bigint, zoneId: string) => ({
    checkIns: (await db("gate_check_ins").where({ contract_address: event.contract, token_id: tokenId.toString() })).length,
    admittedLog: (await db("gate_scans").where({ zone_id: zoneId, token_id: tokenId.toString(), verdict: "admitted" })).length,
  });

  it("at a plain entrance: the resend is admitted again, once in the database; another scanner or a fresh pass is refused", async () => {
    const fan = await createFan(db, "Lost Answer");
    const tokenId = await seedTicket(db, event, fan.address);
    const payload = await holderPass(fan.account, event.contract, tokenId);
    const first = await scan(payload, event.zones.gate);
    assert.equal(first.verdict, "admitted");
    const resent = await scan(payload, event.zones.gate);
    assert.equal(resent.verdict, "admitted");
    assert.equal(resent.admitted, true);
    assert.equal(resent.ticket.holderDisplayName, "Lost Answer");
    assert.equal((await scan(payload, event.zones.gate, otherScanner.headers)).verdict, "already_admitted");
    assert.equal((await scan(await holderPass(fan.account, event.contract, tokenId), event.zones.gate)).verdict, "already_admitted");
    assert.deepEqual(await admissions(tokenId, event.zones.gate), { checkIns: 1, admittedLog: 1 });
  });

  it("at a plain entrance, concurrently: every resend of the scanner that won is admitted, the other scanner is refused", async () => {
    const fan = await createFan(db);
    const tokenId = await seedTicket(db, event, fan.address);
    const payload = await holderPass(fan.account, event.contract, tokenId);
    const scanners = Array.from({ length: 10 }, (_, i) => (i % 5 === 4 ? otherScanner.headers : event.scanner.headers));
    const verdicts = await Promise.all(scanners.map((as) => scan(payload, event.zones.gate, as).then((r) => r.verdict)));
    const of = (as: { authorization: string }) => new Set(verdicts.filter((_, i) => scanners[i] === as));
    const mine = of(event.scanner.headers);
    const theirs = of(otherScanner.headers);
    assert.equal(mine.size, 1, `one verdict per scanner: ${verdicts}`);
    assert.equal(theirs.size, 1, `one verdict per scanner: ${verdicts}`);
    assert.deepEqual([...mine, ...theirs].sort(), ["admitted", "already_admitted"]);
    assert.deepEqual(await admissions(tokenId, event.zones.gate), { checkIns: 1, admittedLog: 1 });
  });

  it("in an area with a capacity: the resend is admitted again and occupies one place; after an exit the same pass is a replay", async () => {
    const fan = await createFan(db);
    const tokenId = await seedTicket(db, event, fan.address, { tierId: 2 });
    const payload = await holderPass(fan.account, event.contract, tokenId);
    const occupancy = async () => (await db("gate_zones").where({ id: event.zones.lounge }).first()).occupancy as number;
    const before = await occupancy();
    assert.equal((await scan(payload, event.zones.lounge)).verdict, "admitted");
    const resent = await scan(payload, event.zones.lounge);
    assert.equal(resent.verdict, "admitted");
    assert.equal(await occupancy(), before + 1);
    assert.equal((await scan(payload, event.zones.lounge, otherScanner.headers)).verdict, "already_admitted");
    assert.deepEqual(await admissions(tokenId, event.zones.lounge), { checkIns: 0, admittedLog: 1 });
    assert.equal((await scan(payload, event.zones.lounge, event.scanner.headers, "out")).verdict, "exited");
    assert.equal((await scan(payload, event.zones.lounge)).verdict, "replayed_pass");
    assert.equal(await occupancy(), before);
  });

  it("in an area with a capacity, concurrently: the scanner's resends are all admitted, one place is taken", async () => {
    const fan = await createFan(db);
    const tokenId = await seedTicket(db, event, fan.address, { tierId: 2 });
    const payload = await holderPass(fan.account, event.contract, tokenId);
    const before = (await db("gate_zones").where({ id: event.zones.lounge }).first()).occupancy as number;
    const verdicts = await Promise.all(Array.from({ length: 6 }, () => scan(payload, event.zones.lounge).then((r) => r.verdict)));
    assert.deepEqual(verdicts, Array(6).fill("admitted"));
    assert.equal((await db("gate_zones").where({ id: event.zones.lounge }).first()).occupancy, before + 1);
    assert.deepEqual(await admissions(tokenId, event.zones.lounge), { checkIns: 0, admittedLog: 1 });
  });
});
