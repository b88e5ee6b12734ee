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
const FEE = PRICE / 2n;

/** Paid on performance is mirrored: gates, confirmations and cancellations, and the balances stay equal to the contract's. */
describe("indexer: paid on performance", function () {
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

  it("mirrors a pending, a confirmed and a cancelled performance with the contract's balances", async function () {
    const [, organizer, artist, fan, sponsor, confirmer] = t.accounts as Address[] as [Address, Address, Address, Address, Address, Address];
    const payees = [
      { account: artist, shareBps: 2000, fixedAmount: FEE },
      { account: sponsor, shareBps: 1000 },
    ];
    const performed = await createEvent(t, { organizer, payees });
    const cancelled = await createEvent(t, { organizer, payees });
    for (const e of [performed, cancelled]) {
      await send(t, organizer, e.split, revenueSplitAbi, "requirePerformance", [artist]);
      await send(t, organizer, e.split, revenueSplitAbi, "setPerformanceConfirmer", [confirmer]);
      await send(t, fan, e.ticket, eventTicketAbi, "purchase", [1n, 3n, fan], 3n * PRICE);
    }
    await t.rpc("evm_increaseTime", [200_000]);
    await t.mine();
    for (const e of [performed, cancelled]) await send(t, fan, e.ticket, eventTicketAbi, "settle", [ETH]);

    indexer = await startIndexer(t);
    await syncedTo(t, indexer);
    await assertMirrorEqualsChain(db, t); // pending: the artist's fixed fee is held back in both

    await send(t, confirmer, performed.split, revenueSplitAbi, "confirmPerformance", [artist]);
    await send(t, organizer, cancelled.split, revenueSplitAbi, "cancelPerformance", [artist]);
    await send(t, artist, performed.split, revenueSplitAbi, "claim", [ETH]);
    await syncedTo(t, indexer);
    await assertMirrorEqualsChain(db, t);

    const rows = await db("chain_split_performances")
      .where({ chain_id: t.chainId })
      .whereIn("contract_address", [performed.split, cancelled.split])
      .orderBy(["block_number", "log_index"]);
    assert.deepEqual(
      rows.filter((r) => r.kind !== "confirmer_set").map((r) => [r.contract_address, r.kind, r.payee]),
      [
        [performed.split, "required", artist],
        [cancelled.split, "required", artist],
        [performed.split, "confirmed", artist],
        [cancelled.split, "cancelled", artist],
      ],
    );
    const cancel = rows.find((r) => r.kind === "cancelled");
    assert.equal(cancel.amount, FEE.toString());
    assert.equal(cancel.by_address, organizer);
  });
});
