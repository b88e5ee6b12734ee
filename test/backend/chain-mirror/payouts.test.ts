import assert from "node:assert/strict";
import type { Knex } from "knex";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { newId } from "../../../lib/ids.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { CHAIN_ID, seedEvent, type SeededEvent } from "../gate/fixtures.js";

const randomAddress = () => privateKeyToAccount(generatePrivateKey()).address.toLowerCase();
const ETH = "0x0000000000000000000000000000000000000000";

describe("chain mirror: a payee's claim history", () => {
  let db: Knex;
  let api: TestApi;
  let event: SeededEvent;
  let split: string;
  let payee: TestUser;
  let wallets: [string, string];
  let block = 1_000_000;

  /** A RevenueSplit Claimed log as the indexer mirrors it. */
  const claim = (account: string, amount: bigint, contract = split) =>
    db("chain_split_claims").insert({
      chain_id: CHAIN_ID,
      block_number: ++block,
      block_hash: `0x${block.toString(16).padStart(64, "0")}`,
      log_index: 0,
      tx_hash: `0x${(block + 7).toString(16).padStart(64, "0")}`,
      contract_address: contract,
      payee: account,
      paid_to: account,
      token_address: ETH,
      amount: amount.toString(),
      block_timestamp: new Date(),
    });

  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db);
    event = await seedEvent(db);
    split = (await db("event_contracts").where({ id: event.eventContractId }).first("split_address")).split_address;
    payee = await createTestUser(db, { displayName: "Payee" });
    wallets = [randomAddress(), randomAddress()];
    for (const [i, address] of wallets.entries()) {
      await db("wallets").insert({ id: newId(), user_id: payee.userId, network: "evm", address, is_primary: i === 0, verified_at: new Date() });
    }
    await claim(wallets[0], 10n);
    await claim(wallets[1], 20n);
    await claim(wallets[0], 30n, randomAddress()); // a split no event of the platform links
  });
  after(() => api.close());

  it("pages through every claim of the user's wallets, newest first, with the event's name where the split is linked", async () => {
    const first = await api.get("/api/v1/me/payouts/claims?limit=2", payee.headers);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      first.body.items.map((c: { amount: string }) => c.amount),
      ["30", "20"],
    );
    assert.equal(first.body.items[0].eventName, null);
    assert.equal(first.body.items[1].eventContractId, event.eventContractId);
    assert.equal(first.body.items[1].currency, "ETH");
    assert.ok(first.body.nextCursor);
    const second = await api.get(`/api/v1/me/payouts/claims?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, payee.headers);
    assert.deepEqual(
      second.body.items.map((c: { amount: string; payee: string }) => [c.amount, c.payee]),
      [["10", wallets[0]]],
    );
    assert.equal(second.body.nextCursor, null);

    const one = await api.get(`/api/v1/me/payouts/claims?account=${wallets[1].toUpperCase().replace("0X", "0x")}`, payee.headers);
    assert.deepEqual(
      one.body.items.map((c: { amount: string }) => c.amount),
      ["20"],
    );
  });

  it("never shows another person's claims: their address gives an empty page; bad input is a 400; no token a 401", async () => {
    const other = await createTestUser(db);
    assert.deepEqual((await api.get("/api/v1/me/payouts/claims", other.headers)).body.items, []);
    assert.deepEqual((await api.get(`/api/v1/me/payouts/claims?account=${wallets[0]}`, other.headers)).body.items, []);
    const bad = await api.get("/api/v1/me/payouts/claims?account=nope", payee.headers);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].field, "query.account");
    assert.equal((await api.get("/api/v1/me/payouts/claims")).status, 401);
  });

  it("shows an event's split per payee to its festival's people only", async () => {
    const res = await api.get(`/api/v1/event-contracts/${event.eventContractId}/payees`, event.organizer.headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.splitAddress, split);
    assert.equal((await api.get(`/api/v1/event-contracts/${event.eventContractId}/payees`, payee.headers)).status, 404);
  });
});
