import assert from "node:assert/strict";
import type { Knex } from "knex";
import { loadConfig } from "../../../lib/config.js";
import { snapshotSigner } from "../../../backend/src/modules/gate/keys.js";
import { verifyPassOffline, verifySnapshot, type OfflineGateState } from "../../../backend/src/modules/gate/offline.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { createFan, holderPass, seedEvent, seedTicket, type SeededEvent } from "./fixtures.js";

describe("gate: offline mode", () => {
  const config = loadConfig({});
  const trustedKey = snapshotSigner(config).publicKey; // pinned on the device at enrolment
  let db: Knex;
  let api: TestApi;
  let event: SeededEvent;

  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db, { config });
    event = await seedEvent(db);
  });
  after(() => api.close());

  it("downloads a signed snapshot, verifies passes offline, uploads idempotently and reports conflicts", async () => {
    const ada = await createFan(db, "Ada");
    const bob = await createFan(db, "Bob");
    const adaTicket = await seedTicket(db, event, ada.address, { tierId: 2 });
    const bobTicket = await seedTicket(db, event, bob.address);
    const refunded = await seedTicket(db, event, null, { burned: true, refundState: "refunded" });

    const res = await api.get(`/api/v1/gate/event-contracts/${event.eventContractId}/snapshot`, event.scanner.headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const snapshot = verifySnapshot(res.body, trustedKey);
    assert.equal(snapshot.contract, event.contract);
    assert.ok(snapshot.tickets.some(([id, owner, state]) => id === adaTicket.toString() && owner === ada.address && state === "valid"));
    assert.ok(snapshot.tickets.some(([id, , state]) => id === refunded.toString() && state === "refunded"));
    // a tampered snapshot is refused
    const tampered = {
      ...res.body,
      data: Buffer.from(Buffer.from(res.body.data, "base64url").toString().replace(ada.address, bob.address)).toString("base64url"),
    };
    assert.throws(() => verifySnapshot(tampered, trustedKey), /signature/);
    // fans cannot download it
    assert.equal((await api.get(`/api/v1/gate/event-contracts/${event.eventContractId}/snapshot`, ada.user.headers)).status, 403);

    // two gates offline, both see Ada
    const gateA: OfflineGateState = { admitted: new Set() };
    const gateB: OfflineGateState = { admitted: new Set() };
    const adaPassA = await holderPass(ada.account, event.contract, adaTicket);
    const adaPassB = await holderPass(ada.account, event.contract, adaTicket);
    assert.equal(verifyPassOffline(snapshot, adaPassA, { zoneId: event.zones.gate, state: gateA }).verdict, "admitted");
    assert.equal(verifyPassOffline(snapshot, adaPassA, { zoneId: event.zones.gate, state: gateA }).verdict, "already_admitted");
    assert.equal(verifyPassOffline(snapshot, adaPassB, { zoneId: event.zones.gate, state: gateB }).verdict, "admitted");
    const bobPass = await holderPass(bob.account, event.contract, bobTicket);
    assert.equal(verifyPassOffline(snapshot, bobPass, { zoneId: event.zones.vip, state: gateA }).verdict, "wrong_zone");
    assert.equal(verifyPassOffline(snapshot, bobPass, { zoneId: event.zones.gate, state: gateA }).verdict, "admitted");
    const forged = await holderPass(bob.account, event.contract, adaTicket, { holder: ada.account.address });
    assert.equal(verifyPassOffline(snapshot, forged, { zoneId: event.zones.gate, state: gateA }).verdict, "bad_signature");

    const now = new Date().toISOString();
    const uploadA = {
      deviceId: "gate-a",
      scans: [
        { nonce: "a-1", zoneId: event.zones.gate, payload: adaPassA, scannedAt: now, verdict: "admitted" },
        { nonce: "a-2", zoneId: event.zones.gate, payload: bobPass, scannedAt: now, verdict: "admitted" },
        { nonce: "a-3", zoneId: event.zones.gate, payload: forged, scannedAt: now, verdict: "bad_signature" },
      ],
    };
    const first = await api.post(`/api/v1/gate/event-contracts/${event.eventContractId}/offline-scans`, uploadA, event.scanner.headers);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      first.body.results.map((r: { result: string }) => r.result),
      ["admitted", "admitted", "refused"],
    );
    assert.deepEqual(first.body.conflicts, []);

    // the same upload again (a retry after a lost response): same answers, nothing changes
    const countRows = async () => ({
      checkIns: (await db("gate_check_ins").where({ event_contract_id: event.eventContractId }).count({ n: "*" }))[0]!.n,
      offline: (await db("gate_offline_scans").where({ event_contract_id: event.eventContractId }).count({ n: "*" }))[0]!.n,
      log: (await db("gate_scans").where({ event_contract_id: event.eventContractId }).count({ n: "*" }))[0]!.n,
    });
    const before = await countRows();
    const again = await api.post(`/api/v1/gate/event-contracts/${event.eventContractId}/offline-scans`, uploadA, event.scanner.headers);
    assert.equal(again.status, 200);
    assert.deepEqual(
      again.body.results.map((r: { result: string }) => r.result),
      ["admitted", "admitted", "refused"],
    );
    assert.ok(again.body.results.every((r: { replayed: boolean }) => r.replayed));
    assert.deepEqual(await countRows(), before);

    // gate B admitted Ada too: a conflict, reported with where she entered first
    const uploadB = { deviceId: "gate-b", scans: [{ nonce: "b-1", zoneId: event.zones.gate, payload: adaPassB, scannedAt: now, verdict: "admitted" }] };
    const conflict = await api.post(`/api/v1/gate/event-contracts/${event.eventContractId}/offline-scans`, uploadB, event.scanner.headers);
    assert.equal(conflict.status, 200);
    assert.equal(conflict.body.conflicts.length, 1);
    assert.equal(conflict.body.conflicts[0].tokenId, adaTicket.toString());
    assert.equal(conflict.body.conflicts[0].conflictWith, "device:gate-a");
    const checkIn = await db("gate_check_ins").where({ contract_address: event.contract, token_id: adaTicket.toString() }).first();
    assert.equal(checkIn.source, "offline");
    assert.equal(checkIn.device_id, "gate-a");

    // online, the gate now refuses Ada: she is in
    const online = await api.post(
      "/api/v1/gate/scan",
      { payload: await holderPass(ada.account, event.contract, adaTicket), zoneId: event.zones.gate },
      event.scanner.headers,
    );
    assert.equal(online.body.verdict, "already_admitted");
  });
});
