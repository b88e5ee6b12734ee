import assert from "node:assert/strict";
import { connectChain } from "../../lib/chain.js";
import { loadConfig } from "../../lib/config.js";
import { createLogger } from "../../lib/logger.js";
import { freePort } from "../../lib/net.js";
import { createIndexer, type Indexer } from "../../indexer/src/indexer.js";
import { startLocalChain, type LocalChain } from "../../scripts/support/local-chain.js";
import { isolatedTestDatabase } from "../support/database.js";
import { startTestApi, type TestApi } from "../support/http.js";

/**
 * The indexer retries every failure with back-off, forever: its cursor then stands still
 * like a quiet chain's. /ready must tell the two apart (indexer_status).
 */
describe("GET /ready with an indexer that keeps failing", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  let indexer: Indexer;
  let api: TestApi;
  let drop: () => Promise<void>;

  after(async () => {
    await indexer?.stop();
    await api?.close();
    await chain?.stop();
    await drop?.();
  });

  it("answers 503 naming the indexer's last error", async () => {
    chain = await startLocalChain({ port: await freePort() });
    const { client, chainId } = await connectChain(chain.url);
    const isolated = await isolatedTestDatabase("festival_health");
    drop = isolated.drop;
    // The database mirrors another factory, at the head: lag 0, so by the cursor alone this
    // would be ready, while every round of the indexer fails on the factory mismatch.
    const head = await client.getBlock({ blockTag: "latest" });
    await isolated.db("indexer_cursors").insert({
      chain_id: chainId,
      block_number: head.number.toString(),
      block_hash: head.hash,
      block_timestamp: new Date(Number(head.timestamp) * 1000),
      head_block_number: head.number.toString(),
      head_seen_at: new Date(),
      factory_address: "0x00000000000000000000000000000000000000fb",
    });
    indexer = createIndexer({
      rpcUrl: chain.url,
      databaseUrl: isolated.url,
      factoryAddress: "0x00000000000000000000000000000000000000fa",
      deployBlock: 0n,
      rpcRetryMaxDelayMs: 50,
      log: createLogger("indexer-test", "silent"),
      progressBar: false,
    });
    void indexer.run();
    api = await startTestApi(isolated.db, { config: loadConfig({ CHAIN_RPC_URL: chain.url }), chain: { client, chainId } });

    // a failure or two is a blip (the loop retries); the third in a row is an indexer that is down
    let res: Awaited<ReturnType<TestApi["get"]>> | undefined;
    for (const deadline = Date.now() + 30_000; !res?.body.indexer.failures; ) {
      assert.ok(Date.now() < deadline, `never reported failing: ${JSON.stringify(res?.body)}`);
      await new Promise((r) => setTimeout(r, 200));
      res = await api.get("/ready");
    }
    assert.equal(res.status, 503);
    const body = res.body as { ready: boolean; chain: { ok: boolean }; indexer: { ok: boolean; failures?: number; error?: string } };
    assert.equal(body.ready, false);
    assert.equal(body.chain.ok, true);
    assert.equal(body.indexer.ok, false);
    assert.ok(body.indexer.failures! >= 3);
    assert.match(body.indexer.error!, /keeps failing: this database mirrors factory 0x0+fb/);
    const status = await isolated.db("indexer_status").where({ chain_id: chainId }).first();
    assert.equal(status.state, "failing");
  });
});
