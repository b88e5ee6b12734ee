import assert from "node:assert/strict";
import type { Knex } from "knex";
import { createTestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { CHAIN_ID, createFan, seedEvent } from "../gate/fixtures.js";

const ETH = "0x0000000000000000000000000000000000000000";

describe("attributions: what the splits owe my wallets (GET /me/payouts)", () => {
  let db: Knex;
  let api: TestApi;
  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db);
  });
  after(() => api.close());

  /** The mirror's rows of a split with `account` as payee 1, as the indexer writes them. */
  async function mirrorSplit(ticket: string, split: string, account: string, balance?: { entitled: string; released: string }) {
    await db("chain_event_creations").insert({
      chain_id: CHAIN_ID,
      block_number: 1,
      block_hash: `0x${"11".repeat(32)}`,
      log_index: Math.floor(Math.random() * 1e9),
      tx_hash: `0x${"22".repeat(32)}`,
      contract_address: "0x00000000000000000000000000000000000000fa",
      event_id: String(Date.now()),
      organizer: account,
      ticket_address: ticket,
      split_address: split,
      config: "{}",
      platform_fee_recipient: ETH,
      platform_fee_bps: 250,
    });
    await db("chain_split_payees").insert({
      chain_id: CHAIN_ID,
      split_address: split,
      position: 1,
      account,
      share_bps: 4000,
      fixed_amount: 0,
      fixed_token: ETH,
    });
    if (balance) {
      const claimable = (BigInt(balance.entitled) - BigInt(balance.released)).toString();
      await db("chain_split_balances").insert({ chain_id: CHAIN_ID, split_address: split, token_address: ETH, account, ...balance, claimable });
    }
  }

  it("lists each split naming one of my wallets: the event, my share, entitled, claimed and claimable", async () => {
    const event = await seedEvent(db);
    const fan = await createFan(db, "Artist");
    const split = (await db("event_contracts").where({ id: event.eventContractId }).first("split_address")).split_address;
    await mirrorSplit(event.contract, split, fan.address, { entitled: "5000", released: "1000" });
    const res = await api.get("/api/v1/me/payouts", fan.user.headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.wallets, [fan.address]);
    assert.equal(res.body.items.length, 1);
    const [item] = res.body.items;
    assert.equal(item.eventContractId, event.eventContractId);
    assert.equal(item.eventName, "Test Fest");
    assert.equal(item.splitAddress, split);
    assert.equal(item.shareBps, 4000);
    assert.deepEqual(item.balances, [{ currency: "ETH", token: ETH, entitled: "5000", released: "1000", claimable: "4000" }]);
  });

  it("shows a payee with nothing received yet, and nothing of other people's splits", async () => {
    const event = await seedEvent(db);
    const payee = await createFan(db, "Sponsor");
    const other = await createFan(db, "Someone else");
    const split = (await db("event_contracts").where({ id: event.eventContractId }).first("split_address")).split_address;
    await mirrorSplit(event.contract, split, payee.address);
    const mine = await api.get("/api/v1/me/payouts", payee.user.headers);
    assert.equal(mine.body.items.length, 1);
    assert.deepEqual(mine.body.items[0].balances, []);
    assert.deepEqual((await api.get("/api/v1/me/payouts", other.user.headers)).body.items, []);
  });

  it("answers an empty list to an account without wallets, and 401 without sign-in", async () => {
    const user = await createTestUser(db);
    assert.deepEqual((await api.get("/api/v1/me/payouts", user.headers)).body, { items: [], wallets: [] });
    assert.equal((await api.get("/api/v1/me/payouts")).status, 401);
  });
});
