import assert from "node:assert/strict";
import type { Knex } from "../../lib/database.js";
import { LOG_TABLES } from "../../indexer/src/store/tables.js";
import { testDatabase } from "../support/database.js";
import { startTestChain, type TestChain } from "./support/platform.js";
import { assertMirrorEqualsChain, logRowCounts, resetMirror, startIndexer, syncedTo } from "./support/mirror.js";
import { runScenario } from "./support/scenario.js";

class SimulatedCrash extends Error {}

describe("indexer: crash in the middle of a batch", function () {
  let t: TestChain;
  let db: Knex;
  let reference: Record<string, number>;

  before(async function () {
    this.timeout(180_000);
    [t, db] = await Promise.all([startTestChain(), testDatabase()]);
    await resetMirror(db, t.chainId);
    await runScenario(t);
    // reference: one clean run over the same chain
    const clean = await startIndexer(t, { batchBlocks: 3 });
    await syncedTo(t, clean);
    await clean.stop();
    reference = await logRowCounts(db, t.chainId);
    await resetMirror(db, t.chainId);
  });
  after(async function () {
    await t?.stop();
  });

  for (const step of ["blocks", "chain_ticket_transfers", "derived", "outbox", "cursor"]) {
    it(`dies after writing "${step}" of a batch; a restart leaves no missing and no doubled row`, async function () {
      await resetMirror(db, t.chainId);
      let batches = 0;
      let crashed = false;
      const dying = await startIndexer(t, {
        batchBlocks: 3,
        writeHook: (s) => {
          if (s === "blocks") batches++;
          if (!crashed && batches === 4 && s === step) {
            crashed = true;
            throw new SimulatedCrash(`killed after ${step}`);
          }
        },
      });
      const deadline = Date.now() + 30_000;
      while (!crashed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await dying.stop(); // the process is gone: only what was committed remains
      assert.ok(crashed, "the hook fired");

      // nothing above the cursor is visible: the crashed batch rolled back whole
      const cursor = await db("indexer_cursors").where({ chain_id: t.chainId }).first();
      for (const table of LOG_TABLES) {
        const above = await db(table.name).where({ chain_id: t.chainId }).where("block_number", ">", cursor.block_number).first();
        assert.equal(above, undefined, `${table.name} has rows above the cursor`);
      }

      const restarted = await startIndexer(t, { batchBlocks: 3 });
      await syncedTo(t, restarted);
      await restarted.stop();
      assert.deepEqual(await logRowCounts(db, t.chainId), reference);
      await assertMirrorEqualsChain(db, t);
    });
  }
});
