import assert from "node:assert/strict";
import type { Knex } from "../../lib/database.js";
import { testDatabase } from "../support/database.js";
import { createEvent, startTestChain, type TestChain } from "./support/platform.js";
import { assertMirrorEqualsChain, resetMirror, startIndexer, syncedTo } from "./support/mirror.js";
import { buy, runScenario } from "./support/scenario.js";

const waitFor = async (what: string, check: () => boolean, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("indexer: one active indexer per chain, a standby takes over", function () {
  this.timeout(180_000);
  let t: TestChain;
  let db: Knex;

  before(async () => {
    [t, db] = await Promise.all([startTestChain(), testDatabase()]);
    await resetMirror(db, t.chainId);
  });
  after(async () => {
    await t?.stop();
  });

  it("a second indexer waits while the first is active, takes over within seconds when it goes, and the mirror equals the chain", async () => {
    await runScenario(t);
    const first = await startIndexer(t, { batchBlocks: 5 });
    await waitFor("the first indexer to be active", () => first.active);
    const second = await startIndexer(t, { batchBlocks: 5 });
    try {
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(second.active, false, "the second one stands by");
      assert.equal(second.cursor, undefined, "a standby reads no state");
      await syncedTo(t, first);

      // blocks the first never sees
      const event = await createEvent(t, { organizer: t.accounts[1]!, tiers: [{ name: "GA", price: 10n ** 15n }] });
      await buy(t, event, t.accounts[7]!, 1n, 2n);
      await t.mine(3);

      const gone = Date.now();
      await first.stop(); // its session ends, as when the process dies
      await waitFor("the standby to take over", () => second.active);
      await syncedTo(t, second);
      const takeoverMs = Date.now() - gone;
      assert.ok(takeoverMs < 10_000, `took over and caught up in ${takeoverMs} ms`);
      await assertMirrorEqualsChain(db, t);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
