import assert from "node:assert/strict";
import type { Knex } from "knex";
import { CachedMirrorFreshness, mirrorBlock, mirrorFreshness } from "../../../backend/src/modules/chain-mirror/freshness.js";
import { testDatabase } from "../../support/database.js";

/** A chain id no other test file mirrors, so its cursor row is this file's alone. */
const CHAIN_ID = 900_000 + (process.pid % 90_000);

describe("chain-mirror: is the mirror fresh?", () => {
  let db: Knex;
  before(async () => {
    db = await testDatabase();
    await db("indexer_cursors").where({ chain_id: CHAIN_ID }).delete();
  });
  after(async () => {
    await db("indexer_cursors").where({ chain_id: CHAIN_ID }).delete();
  });

  const setCursor = (block: number, head: number) =>
    db("indexer_cursors")
      .insert({
        chain_id: CHAIN_ID,
        block_number: block,
        block_hash: `0x${"ab".repeat(32)}`,
        block_timestamp: new Date("2026-01-01T00:00:00Z"),
        head_block_number: head,
        head_seen_at: new Date(),
      })
      .onConflict("chain_id")
      .merge();

  it("without a cursor the indexer never ran: not fresh, infinitely behind", async () => {
    assert.deepEqual(await mirrorFreshness(db, CHAIN_ID, { maxLagBlocks: 5 }), {
      fresh: false,
      lagBlocks: Number.POSITIVE_INFINITY,
      block: null,
      blockTimestamp: null,
    });
    assert.equal(await mirrorBlock(db, CHAIN_ID), null);
  });

  it("compares the cursor with the head the indexer saw, or the one the caller read", async () => {
    await setCursor(100, 103);
    const seen = await mirrorFreshness(db, CHAIN_ID, { maxLagBlocks: 5 });
    assert.equal(seen.fresh, true);
    assert.equal(seen.lagBlocks, 3);
    assert.equal(seen.block, 100n);
    assert.equal(seen.blockTimestamp?.toISOString(), "2026-01-01T00:00:00.000Z");
    const read = await mirrorFreshness(db, CHAIN_ID, { maxLagBlocks: 5, head: 110n });
    assert.deepEqual([read.fresh, read.lagBlocks], [false, 10]);
    assert.equal((await mirrorFreshness(db, CHAIN_ID, { maxLagBlocks: 5, head: 90n })).lagBlocks, 0, "a head behind the cursor is no lag");
    assert.equal(await mirrorBlock(db, CHAIN_ID), 100n);
  });

  it("the cached answer is reused within its time to live", async () => {
    await setCursor(100, 101);
    const cached = new CachedMirrorFreshness(db, { maxLagBlocks: 5, ttlMs: 60_000 });
    assert.equal(await cached.fresh(CHAIN_ID), true);
    await setCursor(100, 200);
    assert.equal(await cached.fresh(CHAIN_ID), true, "still the cached answer");
    assert.equal(await new CachedMirrorFreshness(db, { maxLagBlocks: 5, ttlMs: 0 }).fresh(CHAIN_ID), false);
  });
});
