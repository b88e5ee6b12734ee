import assert from "node:assert/strict";
import type { Knex } from "knex";
import { createTestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { seedEvent, type SeededEvent } from "./fixtures.js";

describe("gate: scanner devices report their state; organizers see the offline ones", () => {
  let db: Knex;
  let api: TestApi;
  let event: SeededEvent;
  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db);
    event = await seedEvent(db);
  });
  after(() => api.close());

  const report = (device: string, headers: Record<string, string>, body: unknown, eventContractId = event.eventContractId) =>
    api.request("PUT", `/api/v1/gate/event-contracts/${eventContractId}/devices/${device}`, { headers, body });
  const list = (headers: Record<string, string>) => api.get(`/api/v1/event-contracts/${event.eventContractId}/gate/devices`, headers);

  it("lists a device offline when it says so, has scans queued, or has gone silent; online ones after", async () => {
    assert.equal((await report("dev-online", event.scanner.headers, { mode: "online", queuedScans: 0, zoneId: event.zones.gate })).status, 200);
    const queued = await report("dev-queue", event.scanner.headers, { mode: "offline", queuedScans: 4, snapshotIssuedAt: new Date().toISOString() });
    assert.equal(queued.status, 200, JSON.stringify(queued.body));
    assert.equal((await report("dev-silent", event.scanner.headers, { mode: "online", queuedScans: 0 })).status, 200);
    await db("gate_devices")
      .where({ device_id: "dev-silent" })
      .update({ last_seen_at: new Date(Date.now() - 10 * 60_000) });

    const res = await list(event.organizer.headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const byId = Object.fromEntries(res.body.items.map((d: { deviceId: string }) => [d.deviceId, d]));
    assert.equal(byId["dev-online"].offline, false);
    assert.equal(byId["dev-online"].zoneName, "MAIN-GATE");
    assert.equal(byId["dev-queue"].offline, true);
    assert.equal(byId["dev-queue"].queuedScans, 4);
    assert.equal(byId["dev-silent"].offline, true);
    assert.equal(byId["dev-silent"].stale, true);
    assert.equal(res.body.items.at(-1).deviceId, "dev-online", "offline devices come first");

    // a later report overwrites the device's state: it uploaded and is back online
    assert.equal((await report("dev-queue", event.scanner.headers, { mode: "online", queuedScans: 0 })).status, 200);
    const again = await list(event.organizer.headers);
    assert.equal(again.body.items.find((d: { deviceId: string }) => d.deviceId === "dev-queue").offline, false);
    assert.equal((await db("gate_devices").where({ event_contract_id: event.eventContractId, device_id: "dev-queue" })).length, 1);
  });

  it("refuses reports from staff not assigned to the festival, from non-scanners, and with another event's zone", async () => {
    const stranger = await createTestUser(db, { roles: ["security"] });
    const refused = await report("dev-x", stranger.headers, { mode: "online", queuedScans: 0 });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, "scanner_not_assigned");
    const fan = await createTestUser(db, { roles: ["fan"] });
    assert.equal((await report("dev-x", fan.headers, { mode: "online", queuedScans: 0 })).status, 403);

    const other = await seedEvent(db);
    const badZone = await report("dev-x", event.scanner.headers, { mode: "online", queuedScans: 0, zoneId: other.zones.gate });
    assert.equal(badZone.status, 400);
    assert.equal(badZone.body.errors[0].field, "body.zoneId");
    const badBody = await report("dev-x", event.scanner.headers, { mode: "sleeping", queuedScans: -1 });
    assert.equal(badBody.status, 400);
    assert.equal(await db("gate_devices").where({ device_id: "dev-x" }).first(), undefined);
  });

  it("shows an event's devices only to its festival's people (404 for another organizer)", async () => {
    const other = await seedEvent(db);
    const res = await list(other.organizer.headers);
    assert.equal(res.status, 404);
    assert.equal((await list(event.scanner.headers)).status, 404);
  });
});
