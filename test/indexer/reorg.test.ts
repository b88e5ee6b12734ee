import assert from "node:assert/strict";
import type { Knex } from "../../lib/database.js";
import type { Indexer } from "../../indexer/src/indexer.js";
import { testDatabase } from "../support/database.js";
import { createEvent, startTestChain, type CreatedEvent, type TestChain } from "./support/platform.js";
import { assertMirrorEqualsChain, assertOnCanonicalChain, resetMirror, startIndexer, syncedTo } from "./support/mirror.js";
import { buy } from "./support/scenario.js";

const CONFIRMATIONS = 5;

describe("indexer: reorgs", function () {
  let t: TestChain;
  let db: Knex;
  let indexer: Indexer;
  let e: CreatedEvent;

  before(async function () {
    this.timeout(120_000);
    [t, db] = await Promise.all([startTestChain(), testDatabase()]);
    await resetMirror(db, t.chainId);
    e = await createEvent(t, { organizer: t.accounts[1]!, payees: [{ account: t.accounts[2]!, shareBps: 2000 }] });
    await buy(t, e, t.accounts[3]!, 1n, 2n);
    indexer = await startIndexer(t, { confirmations: CONFIRMATIONS, pollIntervalMs: 50 });
    await syncedTo(t, indexer);
  });
  after(async function () {
    await indexer?.stop();
    await t?.stop();
  });

  /** `depth` blocks of purchases are indexed, then replaced by a longer branch of other purchases. */
  async function reorg(depth: number): Promise<void> {
    const snapshot = await t.snapshot();
    const ancestor = await t.client.getBlockNumber({ cacheTime: 0 });
    const rollbacks: bigint[] = [];
    const spy = setInterval(() => rollbacks.push(indexer.cursor!.number), 1);
    const dropped: bigint[] = [];
    for (let i = 0; i < depth; i++) dropped.push(await buy(t, e, t.accounts[4]!, 1n, 1n));
    const droppedHead = await syncedTo(t, indexer);
    const droppedHash = (await t.client.getBlock({ blockNumber: droppedHead })).hash;
    assert.ok(await db("chain_tickets").where({ chain_id: t.chainId, contract_address: e.ticket, token_id: dropped[0]!.toString() }).first());

    await t.revert(snapshot);
    for (let i = 0; i <= depth; i++) await buy(t, e, t.accounts[5]!, 2n, 2n); // the new branch, one block longer
    const head = await syncedTo(t, indexer);
    assert.notEqual((await t.client.getBlock({ blockNumber: droppedHead })).hash, droppedHash);
    assert.equal(indexer.cursor!.hash, (await t.client.getBlock({ blockNumber: head })).hash);

    clearInterval(spy);
    // rolled back exactly to the common ancestor, never below it
    assert.ok(
      rollbacks.every((n) => n >= ancestor),
      `cursor went below the ancestor ${ancestor}: ${Math.min(...rollbacks.map(Number))}`,
    );
    await assertMirrorEqualsChain(db, t);
    await assertOnCanonicalChain(db, t);
    assert.equal(await db("outbox").where({ chain_id: t.chainId, block_hash: droppedHash }).first(), undefined);
    // facts reach the outbox only once final
    const cursor = await db("indexer_cursors").where({ chain_id: t.chainId }).first();
    assert.equal(BigInt(cursor.finalized_block_number), head - BigInt(CONFIRMATIONS));
    const early = await db("outbox").where({ chain_id: t.chainId }).where("block_number", ">", cursor.finalized_block_number).first();
    assert.equal(early, undefined);
  }

  it("handles a reorg of depth 1", () => reorg(1));
  it("handles a reorg of depth 3", () => reorg(3));
  it("handles a reorg deeper than the finality depth: mirror follows, undelivered facts of dropped blocks are removed", async function () {
    const before = await db("outbox").where({ chain_id: t.chainId }).count({ n: "*" });
    await reorg(CONFIRMATIONS + 3);
    const after = await db("outbox").where({ chain_id: t.chainId }).select("block_number", "block_hash");
    assert.ok(after.length >= Number((before[0] as { n: string }).n));
  });
  it("a head at the same height with another hash is a reorg too", async function () {
    const snapshot = await t.snapshot();
    await buy(t, e, t.accounts[4]!, 1n, 1n);
    await syncedTo(t, indexer);
    await t.revert(snapshot);
    await buy(t, e, t.accounts[6]!, 2n, 3n); // same height, different block
    const head = await t.client.getBlock({ blockTag: "latest" });
    const deadline = Date.now() + 10_000;
    while (indexer.cursor!.hash !== head.hash && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(indexer.cursor!.hash, head.hash);
    await assertMirrorEqualsChain(db, t);
    await assertOnCanonicalChain(db, t);
  });
});
