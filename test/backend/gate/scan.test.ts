import assert from "node:assert/strict";
import type { Knex } from "knex";
import { createPublicClient, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { loadConfig } from "../../../lib/config.js";
import { platformPassAccount } from "../../../backend/src/modules/gate/keys.js";
import { decodePass, encodePass } from "../../../backend/src/modules/gate/pass.js";
import { issuePlatformPass } from "../../../backend/src/modules/gate/passes.js";
import { createTestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { CHAIN_ID, createFan, holderPass, seedEvent, seedTicket, type SeededEvent } from "./fixtures.js";

describe("gate: POST /api/v1/gate/scan", () => {
  const config = loadConfig({});
  let db: Knex;
  let api: TestApi;
  let event: SeededEvent;
  // A chain client that is never reached: the fixtures' mirror is at the head, so ownership comes from it.
  const chain = { client: createPublicClient({ transport: http("http://127.0.0.1:9", { retryCount: 0 }) }), chainId: CHAIN_ID };

  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db, { config, chain });
    event = await seedEvent(db, { loungeCapacity: 2 });
  });
  after(() => api.close());

  const scan = async (payload: string, zoneId = event.zones.gate, opts: { direction?: "in" | "out"; as?: { authorization: string } } = {}) => {
    const res = await api.post("/api/v1/gate/scan", { payload, zoneId, direction: opts.direction ?? "in" }, opts.as ?? event.scanner.headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  it("admits a valid holder-signed pass once, with what the steward needs", async () => {
    const fan = await createFan(db, "Ada");
    const tokenId = await seedTicket(db, event, fan.address, { tierId: 2 });
    const payload = await holderPass(fan.account, event.contract, tokenId);
    const first = await scan(payload);
    assert.equal(first.verdict, "admitted");
    assert.equal(first.admitted, true);
    assert.equal(first.ticket.category, "VIP");
    assert.equal(first.ticket.holderDisplayName, "Ada");
    assert.equal(first.ownership, "mirror");
    const second = await scan(await holderPass(fan.account, event.contract, tokenId));
    assert.equal(second.verdict, "already_admitted");
    assert.equal(second.admitted, false);
    const checkIns = await db("gate_check_ins").where({ contract_address: event.contract, token_id: tokenId.toString() });
    assert.equal(checkIns.length, 1);
    assert.equal(checkIns[0].anchor_status, "pending");
    const log = await api.get(`/api/v1/gate/zones/${event.zones.gate}/scans?limit=10`, event.organizer.headers);
    assert.equal(log.status, 200);
    assert.deepEqual(
      log.body.items.filter((s: { tokenId: string }) => s.tokenId === tokenId.toString()).map((s: { verdict: string }) => s.verdict),
      ["already_admitted", "admitted"],
    );
  });

  it("refuses a pass replayed after it expired", async () => {
    const fan = await createFan(db);
    const tokenId = await seedTicket(db, event, fan.address);
    const payload = await holderPass(fan.account, event.contract, tokenId, { seconds: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    const replay = await scan(payload);
    assert.equal(replay.verdict, "expired_pass");
    assert.equal(await db("gate_check_ins").where({ contract_address: event.contract, token_id: tokenId.toString() }).first(), undefined);
    // and one claiming more than 60 s of validity
    assert.equal((await scan(await holderPass(fan.account, event.contract, tokenId, { seconds: 600 }))).verdict, "validity_too_long");
  });

  it("refuses a pass signed by the previous holder after a transfer (holder-signed and platform-signed)", async () => {
    const seller = await createFan(db, "Seller");
    const buyer = await createFan(db, "Buyer");
    const tokenId = await seedTicket(db, event, seller.address);
    const oldPass = await holderPass(seller.account, event.contract, tokenId);
    const issued = await api.post("/api/v1/gate/passes", { contract: event.contract, tokenId: tokenId.toString() }, seller.user.headers);
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    // the mirror sees the transfer
    await db("chain_tickets")
      .where({ chain_id: CHAIN_ID, contract_address: event.contract, token_id: tokenId.toString() })
      .update({ owner_address: buyer.address, transfer_count: 1 });
    const refused = await scan(oldPass);
    assert.equal(refused.verdict, "not_holder");
    assert.equal((await scan(issued.body.payload)).verdict, "not_holder");
    // the seller can no longer get a pass; the buyer can, and gets in
    assert.equal((await api.post("/api/v1/gate/passes", { contract: event.contract, tokenId: tokenId.toString() }, seller.user.headers)).status, 404);
    const buyerPass = await api.post("/api/v1/gate/passes", { contract: event.contract, tokenId: tokenId.toString() }, buyer.user.headers);
    assert.equal(buyerPass.status, 201);
    assert.ok(buyerPass.body.qrSvg.startsWith("<svg"));
    assert.ok(buyerPass.body.validUntil - Date.now() / 1000 <= 60);
    const admitted = await scan(buyerPass.body.payload);
    assert.equal(admitted.verdict, "admitted");
    assert.equal(admitted.ticket.holderDisplayName, "Buyer");
  });

  it("refuses forged signatures", async () => {
    const fan = await createFan(db);
    const thief = privateKeyToAccount(generatePrivateKey());
    const tokenId = await seedTicket(db, event, fan.address);
    // signed by someone else, claiming to be the holder
    assert.equal((await scan(await holderPass(thief, event.contract, tokenId, { holder: fan.account.address }))).verdict, "bad_signature");
    // a genuine pass with its token id changed
    const genuine = decodePass(await holderPass(fan.account, event.contract, tokenId));
    const other = await seedTicket(db, event, fan.address);
    assert.equal((await scan(encodePass({ ...genuine, tokenId: other }))).verdict, "bad_signature");
    // a "platform" pass signed by a key that is not the platform's
    const fake = await issuePlatformPass(thief, { chainId: CHAIN_ID, contract: event.contract, tokenId, holder: fan.account.address });
    assert.equal((await scan(fake.payload)).verdict, "bad_signature");
    // the real platform key works
    const real = await issuePlatformPass(platformPassAccount(config), { chainId: CHAIN_ID, contract: event.contract, tokenId, holder: fan.account.address });
    assert.equal((await scan(real.payload)).verdict, "admitted");
    assert.equal((await scan("FP1.not-a-pass")).verdict, "malformed_pass");
  });

  it("refuses a pass for another event, and a category outside its zones", async () => {
    const other = await seedEvent(db);
    const fan = await createFan(db);
    const tokenId = await seedTicket(db, other, fan.address);
    assert.equal((await scan(await holderPass(fan.account, other.contract, tokenId))).verdict, "wrong_event");
    const standard = await seedTicket(db, event, fan.address, { tierId: 1 });
    assert.equal((await scan(await holderPass(fan.account, event.contract, standard), event.zones.vip)).verdict, "wrong_zone");
    const unknown = 1_000_000n + 999_999n;
    assert.equal((await scan(await holderPass(fan.account, event.contract, unknown))).verdict, "unknown_ticket");
  });

  it("admits exactly one of two concurrent scans of one ticket", async () => {
    const fan = await createFan(db);
    const tokenId = await seedTicket(db, event, fan.address);
    const secondScanner = await createTestUser(db, { roles: ["security"] });
    await api.post(`/api/v1/festivals/${event.festivalId}/gate/scanners`, { userId: secondScanner.userId }, event.organizer.headers);
    const payloads = await Promise.all(Array.from({ length: 8 }, () => holderPass(fan.account, event.contract, tokenId)));
    const verdicts = await Promise.all(payloads.map((p, i) => scan(p, event.zones.gate, { as: i % 2 ? secondScanner.headers : event.scanner.headers })));
    assert.equal(verdicts.filter((v) => v.verdict === "admitted").length, 1);
    assert.equal(verdicts.filter((v) => v.verdict === "already_admitted").length, 7);
  });

  it("keeps a zone's occupancy within its capacity under concurrent entries; exits free places", async () => {
    const fans = await Promise.all(Array.from({ length: 5 }, () => createFan(db)));
    const tokens = await Promise.all(fans.map((f) => seedTicket(db, event, f.address)));
    const verdicts = await Promise.all(fans.map(async (f, i) => scan(await holderPass(f.account, event.contract, tokens[i]!), event.zones.lounge)));
    assert.equal(verdicts.filter((v) => v.verdict === "admitted").length, 2);
    assert.equal(verdicts.filter((v) => v.verdict === "zone_full").length, 3);
    const zone = await db("gate_zones").where({ id: event.zones.lounge }).first();
    assert.equal(zone.occupancy, 2);
    const inside = fans.findIndex((_, i) => verdicts[i]!.verdict === "admitted");
    const outside = fans.findIndex((_, i) => verdicts[i]!.verdict === "zone_full");
    const exitPass = await holderPass(fans[inside]!.account, event.contract, tokens[inside]!);
    const exit = await scan(exitPass, event.zones.lounge, { direction: "out" });
    assert.equal(exit.verdict, "exited");
    assert.equal(exit.zone.occupancy, 1);
    assert.equal((await scan(exitPass, event.zones.lounge, { direction: "out" })).verdict, "not_inside");
    // the exit pass cannot be used to come back in (its nonce already admitted once? no: it exited) -- a fresh entry works
    assert.equal((await scan(await holderPass(fans[outside]!.account, event.contract, tokens[outside]!), event.zones.lounge)).verdict, "admitted");
    const full = await scan(await holderPass(fans[inside]!.account, event.contract, tokens[inside]!), event.zones.lounge);
    assert.equal(full.verdict, "zone_full");
    assert.equal((await db("gate_zones").where({ id: event.zones.lounge }).first()).occupancy, 2);
  });

  it("refuses a pass used twice where re-entry is possible (nonce replay)", async () => {
    const fan = await createFan(db);
    const tokenId = await seedTicket(db, event, fan.address, { tierId: 2 });
    const payload = await holderPass(fan.account, event.contract, tokenId);
    assert.equal((await scan(payload, event.zones.vip)).verdict, "admitted");
    assert.equal((await scan(payload, event.zones.vip, { direction: "out" })).verdict, "exited");
    assert.equal((await scan(payload, event.zones.vip)).verdict, "replayed_pass");
    assert.equal((await scan(await holderPass(fan.account, event.contract, tokenId), event.zones.vip)).verdict, "admitted");
  });

  it("refuses a refunded ticket and a cancelled event's tickets", async () => {
    const fan = await createFan(db);
    const refunded = await seedTicket(db, event, fan.address, { burned: true, refundState: "refunded" });
    assert.equal((await scan(await holderPass(fan.account, event.contract, refunded))).verdict, "refunded");
    const cancelledEvent = await seedEvent(db, { cancelled: true });
    const ticket = await seedTicket(db, cancelledEvent, fan.address, { refundState: "refundable" });
    const res = await api.post(
      "/api/v1/gate/scan",
      { payload: await holderPass(fan.account, cancelledEvent.contract, ticket), zoneId: cancelledEvent.zones.gate },
      cancelledEvent.scanner.headers,
    );
    assert.equal(res.body.verdict, "cancelled");
  });

  it("lets only assigned security staff scan", async () => {
    const fan = await createFan(db);
    const tokenId = await seedTicket(db, event, fan.address);
    const payload = await holderPass(fan.account, event.contract, tokenId);
    const res = await api.post("/api/v1/gate/scan", { payload, zoneId: event.zones.gate }, fan.user.headers);
    assert.equal(res.status, 403);
    const stranger = await createTestUser(db, { roles: ["security"] });
    const notAssigned = await api.post("/api/v1/gate/scan", { payload, zoneId: event.zones.gate }, stranger.headers);
    assert.equal(notAssigned.status, 403);
    assert.equal(notAssigned.body.code, "scanner_not_assigned");
    const bad = await api.post("/api/v1/gate/scan", { payload, zoneId: "not-a-uuid" }, event.scanner.headers);
    assert.equal(bad.status, 400);
    assert.equal(await db("gate_check_ins").where({ contract_address: event.contract, token_id: tokenId.toString() }).first(), undefined);
  });

  it("renders a pass as PNG and SVG", async () => {
    const fan = await createFan(db);
    const tokenId = await seedTicket(db, event, fan.address);
    const payload = await holderPass(fan.account, event.contract, tokenId);
    const png = await fetch(`${api.base}/api/v1/gate/qr?format=png&payload=${encodeURIComponent(payload)}`);
    assert.equal(png.headers.get("content-type"), "image/png");
    assert.deepEqual([...new Uint8Array(await png.arrayBuffer()).subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const svg = await fetch(`${api.base}/api/v1/gate/qr?format=svg&payload=${encodeURIComponent(payload)}`);
    assert.match(await svg.text(), /^<svg/);
    assert.equal((await fetch(`${api.base}/api/v1/gate/qr?payload=nope`)).status, 400);
  });
});
