import assert from "node:assert/strict";
import pg from "pg";
import type { Hex } from "viem";
import type { Knex } from "../../lib/database.js";
import type { FollowedContract } from "../../indexer/src/handlers/types.js";
import { createRpc } from "../../indexer/src/rpc/client.js";
import { writeBatch } from "../../indexer/src/store/writer.js";
import { fetchRange } from "../../indexer/src/sync/fetch.js";
import { testDatabase, testDatabaseUrl } from "../support/database.js";
import { startTestChain, type TestChain } from "./support/platform.js";
import { assertMirrorEqualsChain, logRowCounts, resetMirror } from "./support/mirror.js";
import { runScenario } from "./support/scenario.js";

describe("indexer: a batch written twice", function () {
  let t: TestChain;
  let db: Knex;
  let pool: pg.Pool;

  before(async function () {
    this.timeout(180_000);
    [t, db] = await Promise.all([startTestChain(), testDatabase()]);
    pool = new pg.Pool({ connectionString: await testDatabaseUrl(), max: 2 });
    await resetMirror(db, t.chainId);
    await runScenario(t);
  });
  after(async function () {
    await pool?.end();
    await t?.stop();
  });

  it("adds nothing the second time: stored blocks turn the conflict checks back on", async function () {
    const rpc = createRpc({ url: t.url });
    const head = await t.client.getBlockNumber({ cacheTime: 0 });
    const header = (await rpc.header(t.deployBlock - 1n))!;
    const parent = { number: BigInt(header.number), hash: header.hash };
    const fetch = () => {
      const factory: FollowedContract = { address: t.factory, kind: "factory", eventId: null, factoryAddress: null, fromBlock: t.deployBlock };
      return fetchRange({ rpc, chainId: t.chainId, contracts: new Map<Hex, FollowedContract>([[t.factory, factory]]) }, t.deployBlock, head, parent);
    };
    const write = async () => {
      const result = await fetch();
      assert.equal(result.kind, "ok");
      if (result.kind !== "ok") return;
      const timestamp = result.batch.to.timestamp;
      await writeBatch(pool, result.batch, { finalized: head, head: { number: head, timestamp }, confirmations: 0, factoryAddress: t.factory });
    };
    await write();
    const once = await logRowCounts(db, t.chainId);
    const facts = await db("outbox").where({ chain_id: t.chainId }).count<{ count: string }[]>();
    await write();
    assert.deepEqual(await logRowCounts(db, t.chainId), once);
    assert.deepEqual(await db("outbox").where({ chain_id: t.chainId }).count<{ count: string }[]>(), facts);
    assert.ok(Object.values(once).some((n) => n > 0));
    await assertMirrorEqualsChain(db, t);
  });
});
