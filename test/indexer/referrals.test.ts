import assert from "node:assert/strict";
import type { Address } from "viem";
import { eventTicketAbi } from "../../lib/abis/EventTicket.js";
import { revenueSplitAbi } from "../../lib/abis/RevenueSplit.js";
import type { Knex } from "../../lib/database.js";
import type { Indexer } from "../../indexer/src/indexer.js";
import { testDatabase } from "../support/database.js";
import { createEvent, ETH, startTestChain, type TestChain } from "./support/platform.js";
import { assertMirrorEqualsChain, resetMirror, startIndexer, syncedTo } from "./support/mirror.js";
import { send } from "./support/scenario.js";

const PRICE = 10n ** 15n;

/** Referral credits, shares and claims are mirrored; the split's referral and organizer balances equal the contract's. */
describe("indexer: referrals", function () {
  let t: TestChain;
  let db: Knex;
  let indexer: Indexer | undefined;

  before(async function () {
    this.timeout(120_000);
    [t, db] = await Promise.all([startTestChain(), testDatabase()]);
    await resetMirror(db, t.chainId);
  });
  after(async function () {
    await indexer?.stop();
    await t?.stop();
  });

  it("mirrors credits, shares and claims; referral and organizer balances equal the contract's views", async function () {
    const [, organizer, artist, creator, fan1, fan2, sponsor] = t.accounts as Address[] as [Address, Address, Address, Address, Address, Address, Address];
    const e = await createEvent(t, { organizer, payees: [{ account: artist, shareBps: 3000 }] });
    const cancelled = await createEvent(t, { organizer, tiers: [{ name: "GA", price: PRICE }] });
    await send(t, organizer, e.split, revenueSplitAbi, "setReferralShare", [1n, 1000]);
    await send(t, organizer, cancelled.split, revenueSplitAbi, "setReferralShare", [1n, 500]);
    await send(t, fan1, e.ticket, eventTicketAbi, "purchaseWithReferrer", [1n, 2n, fan1, creator], 2n * PRICE);
    await send(t, fan2, e.ticket, eventTicketAbi, "purchaseWithReferrer", [1n, 1n, fan2, sponsor], PRICE);
    await send(t, fan2, e.ticket, eventTicketAbi, "purchase", [2n, 1n, fan2], 3n * PRICE); // VIP: no referral share
    await send(t, fan1, cancelled.ticket, eventTicketAbi, "purchaseWithReferrer", [1n, 1n, fan1, creator], PRICE);
    await send(t, organizer, cancelled.ticket, eventTicketAbi, "cancelEvent", []);

    indexer = await startIndexer(t);
    await syncedTo(t, indexer);
    const credits = await db("chain_referral_credits").where({ chain_id: t.chainId, contract_address: e.ticket }).orderBy("block_number");
    assert.deepEqual(
      credits.map((c) => [c.referrer, c.tier_id, c.first_token_id, c.amount, c.currency]),
      [
        [creator, "1", "1000001", ((2n * PRICE) / 10n).toString(), ETH],
        [sponsor, "1", "1000003", (PRICE / 10n).toString(), ETH],
      ],
    );
    const shares = await db("chain_referral_shares").where({ chain_id: t.chainId, contract_address: e.split });
    assert.deepEqual(
      shares.map((s) => [s.tier_id, s.share_bps]),
      [["1", 1000]],
    );
    // before settlement: credited, nothing claimable yet
    const before = await db("chain_referral_earnings").where({ chain_id: t.chainId, ticket_address: e.ticket, referrer: creator }).first();
    assert.deepEqual([before.credited, before.claimable], [((2n * PRICE) / 10n).toString(), "0"]);
    // a cancelled event owes no referrals
    const void_ = await db("chain_referral_earnings").where({ chain_id: t.chainId, ticket_address: cancelled.ticket, referrer: creator }).first();
    assert.equal(void_, undefined);
    await assertMirrorEqualsChain(db, t);

    // settlement, then a referral claim and the organizer's claim
    await t.rpc("evm_increaseTime", [200_000]);
    await t.mine();
    await send(t, fan1, e.ticket, eventTicketAbi, "settle", [ETH]);
    await send(t, creator, e.split, revenueSplitAbi, "claimReferral", [ETH]);
    await send(t, organizer, e.split, revenueSplitAbi, "claim", [ETH]);
    await syncedTo(t, indexer);
    await assertMirrorEqualsChain(db, t);
    const paid = await db("chain_referral_earnings").where({ chain_id: t.chainId, ticket_address: e.ticket }).orderBy("referrer");
    const byReferrer = Object.fromEntries(paid.map((r) => [r.referrer, [r.credited, r.released, r.claimable]]));
    assert.deepEqual(byReferrer[creator], [((2n * PRICE) / 10n).toString(), ((2n * PRICE) / 10n).toString(), "0"]);
    assert.deepEqual(byReferrer[sponsor], [(PRICE / 10n).toString(), "0", (PRICE / 10n).toString()]);
    const claims = await db("chain_referral_claims").where({ chain_id: t.chainId, contract_address: e.split });
    assert.deepEqual(
      claims.map((c) => [c.referrer, c.token_address, c.amount]),
      [[creator, ETH, ((2n * PRICE) / 10n).toString()]],
    );
    const payouts = await db("chain_payouts").where({ chain_id: t.chainId, ticket_address: e.ticket, account: organizer }).first();
    assert.equal(payouts.claimable, "0");
    const totals = await db("chain_split_totals").where({ chain_id: t.chainId, split_address: e.split, token_address: ETH }).first();
    const released = (await t.client.readContract({ address: e.split, abi: revenueSplitAbi, functionName: "totalReleased", args: [ETH] })) as bigint;
    assert.equal(BigInt(totals.released), released);
    const facts = await db("outbox").where({ chain_id: t.chainId }).whereIn("topic", ["referral.credited", "referral.claimed", "split.referral_share_set"]);
    assert.deepEqual([...new Set(facts.map((f) => f.topic))].sort(), ["referral.claimed", "referral.credited", "split.referral_share_set"]);
  });

  it("a reorg that drops a referral claim and a referred sale: the split's balances are recomputed", async function () {
    const [, organizer, , creator, fan1, , sponsor] = t.accounts as Address[] as [Address, Address, Address, Address, Address, Address, Address];
    const e = (await db("chain_events").where({ chain_id: t.chainId }).orderBy("event_id").first()) as { ticket_address: Address; split_address: Address };
    const g = await createEvent(t, { organizer, endsIn: 10_000_000 });
    await send(t, organizer, g.split, revenueSplitAbi, "setReferralShare", [1n, 2000]);
    await syncedTo(t, indexer!);
    const snapshot = await t.snapshot();
    await send(t, sponsor, e.split_address, revenueSplitAbi, "claimReferral", [ETH]);
    await send(t, fan1, g.ticket, eventTicketAbi, "purchaseWithReferrer", [1n, 1n, fan1, creator], PRICE);
    await syncedTo(t, indexer!);
    assert.ok(await db("chain_referral_claims").where({ chain_id: t.chainId, contract_address: e.split_address, referrer: sponsor }).first());
    assert.ok(await db("chain_referral_balances").where({ chain_id: t.chainId, split_address: g.split, referrer: creator }).first());
    await t.revert(snapshot);
    await t.mine(3); // a longer branch without them
    await syncedTo(t, indexer!);
    assert.equal(await db("chain_referral_claims").where({ chain_id: t.chainId, contract_address: e.split_address, referrer: sponsor }).first(), undefined);
    assert.equal(await db("chain_referral_balances").where({ chain_id: t.chainId, split_address: g.split }).first(), undefined);
    const sponsorRow = await db("chain_referral_balances").where({ chain_id: t.chainId, split_address: e.split_address, referrer: sponsor }).first();
    assert.deepEqual([sponsorRow.released, sponsorRow.claimable], ["0", (PRICE / 10n).toString()]);
    await assertMirrorEqualsChain(db, t);
  });
});
