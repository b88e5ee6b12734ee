import assert from "node:assert/strict";
import type { Knex } from "knex";
import { newId } from "../../../lib/ids.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { CHAIN_ID, createFan, seedEvent, seedTicket, type SeededEvent } from "../gate/fixtures.js";

describe("tickets: my tickets and a ticket's public page", () => {
  let db: Knex;
  let api: TestApi;
  let event: SeededEvent;

  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db);
    event = await seedEvent(db);
  });
  after(() => api.close());

  it("lists tickets across all of a fan's wallets, with tier, check-in, resale and transfer history, paginated", async () => {
    const fan = await createFan(db, "Multi-wallet fan");
    const second = "0x9999999999999999999999999999999999999999";
    await db("wallets").insert({ id: newId(), user_id: fan.user.userId, network: "evm", address: second, is_primary: false, verified_at: new Date() });
    const a = await seedTicket(db, event, fan.address, { tierId: 2 });
    const b = await seedTicket(db, event, second);
    const c = await seedTicket(db, event, fan.address);
    const other = await createFan(db);
    await seedTicket(db, event, other.address);
    await db("chain_ticket_transfers").insert({
      chain_id: CHAIN_ID,
      block_number: 10,
      block_hash: `0x${"12".repeat(32)}`,
      log_index: 1,
      tx_hash: `0x${"34".repeat(32)}`,
      contract_address: event.contract,
      from_address: other.address,
      to_address: second,
      token_id: b.toString(),
      block_timestamp: new Date(),
    });
    await db("chain_tickets").where({ contract_address: event.contract, token_id: c.toString() }).update({ resale_listed: true, resale_price: "1100" });

    const first = await api.get("/api/v1/me/tickets?limit=2", fan.user.headers);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.nextCursor);
    const rest = await api.get(`/api/v1/me/tickets?limit=2&cursor=${first.body.nextCursor}`, fan.user.headers);
    const all = [...first.body.items, ...rest.body.items];
    assert.deepEqual(all.map((t: { tokenId: string }) => t.tokenId).sort(), [a, b, c].map(String).sort());
    const vip = all.find((t: { tokenId: string }) => t.tokenId === a.toString());
    assert.equal(vip.category, "VIP");
    assert.equal(vip.tierName, "VIP");
    assert.equal(vip.state, "valid");
    assert.equal(vip.event.eventContractId, event.eventContractId);
    const transferred = all.find((t: { tokenId: string }) => t.tokenId === b.toString());
    assert.equal(transferred.owner, second);
    assert.deepEqual(
      transferred.transfers.map((x: { from: string; to: string }) => [x.from, x.to]),
      [[other.address, second]],
    );
    assert.deepEqual(all.find((t: { tokenId: string }) => t.tokenId === c.toString()).resale, { listed: true, price: "1100" });
    assert.equal((await api.get("/api/v1/me/tickets?cursor=garbage", fan.user.headers)).status, 400);
    assert.equal((await api.get("/api/v1/me/tickets")).status, 401);
  });

  it("serves a ticket's public page by contract and token id", async () => {
    const fan = await createFan(db);
    const tokenId = await seedTicket(db, event, fan.address);
    const page = await api.get(`/api/v1/tickets/${event.contract}/${tokenId}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.owner, fan.address);
    assert.equal(page.body.checkIn.onChain, false);
    assert.equal((await api.get(`/api/v1/tickets/${event.contract}/999`)).status, 404);
    assert.equal((await api.get(`/api/v1/tickets/not-an-address/1`)).status, 400);
  });
});
