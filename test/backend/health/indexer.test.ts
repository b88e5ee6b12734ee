import http from "node:http";
import type { AddressInfo } from "node:net";
import assert from "node:assert/strict";
import type { Hex } from "viem";
import { connectChain } from "../../../lib/chain.js";
import { loadConfig } from "../../../lib/config.js";
import { createLogger } from "../../../lib/logger.js";
import { freePort } from "../../../lib/net.js";
import { createIndexer, type Indexer } from "../../../indexer/src/indexer.js";
import { startLocalChain, type LocalChain } from "../../../scripts/support/local-chain.js";
import { isolatedTestDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";

/**
 * An indexer that retries with back-off has a cursor that stands still like a quiet chain's,
 * and one stopped by a non-retryable error has one too: /ready must tell both from a quiet
 * chain (indexer_status).
 */
describe("GET /ready with an indexer that keeps failing or has stopped", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  const cleanups: Array<() => Promise<unknown>> = [];

  before(async () => {
    chain = await startLocalChain({ port: await freePort() });
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await chain?.stop();
  });

  type Call = { id?: number; method?: string; params?: unknown[] };

  /** A database whose mirror stands at the chain's head (lag 0: ready by the cursor alone), an API on it, and an indexer. */
  async function world(name: string, indexerRpcUrl: string, mirroredFactory: Hex) {
    const { client, chainId } = await connectChain(chain.url);
    const isolated = await isolatedTestDatabase(name);
    cleanups.push(isolated.drop);
    const head = await client.getBlock({ blockTag: "latest" });
    await isolated.db("indexer_cursors").insert({
      chain_id: chainId,
      block_number: head.number.toString(),
      block_hash: head.hash,
      block_timestamp: new Date(Number(head.timestamp) * 1000),
      head_block_number: head.number.toString(),
      head_seen_at: new Date(),
      factory_address: mirroredFactory,
    });
    const indexer: Indexer = createIndexer({
      rpcUrl: indexerRpcUrl,
      databaseUrl: isolated.url,
      factoryAddress: "0x00000000000000000000000000000000000000fa",
      deployBlock: 0n,
      rpcRetryMaxDelayMs: 50,
      log: createLogger("indexer-test", "silent"),
      progressBar: false,
    });
    const ran = indexer.run().then(
      () => undefined,
      (error: Error) => error,
    );
    cleanups.push(() => indexer.stop());
    const api: TestApi = await startTestApi(isolated.db, { config: loadConfig({ CHAIN_RPC_URL: chain.url }), chain: { client, chainId } });
    cleanups.push(() => api.close());
    return { api, db: isolated.db, chainId, ran };
  }

  async function readyUntil(api: TestApi, done: (body: { indexer: { failures?: number; error?: string } }) => boolean) {
    for (const deadline = Date.now() + 30_000; ;) {
      const res = await api.get("/ready");
      if (done(res.body)) return res;
      assert.ok(Date.now() < deadline, `never reported: ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it("answers 503 naming the last error once the indexer has failed three times in a row", async () => {
    // the indexer's RPC endpoint passes everything on but has no latest block (the loop's
    // retryable "node returned no latest block"); the API reaches the chain itself
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        const body = Buffer.concat(chunks).toString();
        const parsed = JSON.parse(body) as Call | Call[];
        const calls = Array.isArray(parsed) ? parsed : [parsed];
        if (calls.some((c) => c.method === "eth_getBlockByNumber" && c.params?.[0] === "latest")) {
          const answers = calls.map((c) => ({ jsonrpc: "2.0", id: c.id, result: null }));
          return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
        }
        const upstream = await fetch(chain.url, { method: "POST", headers: { "content-type": "application/json" }, body });
        res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => proxy.close(resolve)));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const { api, db, chainId } = await world("festival_health_failing", proxyUrl, "0x00000000000000000000000000000000000000fa");
    const res = await readyUntil(api, (b) => (b.indexer.failures ?? 0) >= 3);
    assert.equal(res.status, 503);
    const body = res.body as { ready: boolean; chain: { ok: boolean }; indexer: { ok: boolean; failures?: number; error?: string } };
    assert.equal(body.ready, false);
    assert.equal(body.chain.ok, true);
    assert.equal(body.indexer.ok, false);
    assert.match(body.indexer.error!, /^indexer keeps failing: /);
    const status = await db("indexer_status").where({ chain_id: chainId }).first();
    assert.equal(status.state, "failing");
  });

  it("answers 503 naming the error that stopped it (a database that mirrors another factory)", async () => {
    const { api, db, chainId, ran } = await world("festival_health_stopped", chain.url, "0x00000000000000000000000000000000000000fb");
    const error = await ran;
    assert.match(String(error), /this database mirrors factory 0x0+fb/);
    const res = await readyUntil(api, (b) => /stopped/.test(b.indexer.error ?? ""));
    assert.equal(res.status, 503);
    assert.match((res.body as { indexer: { error: string } }).indexer.error, /^indexer stopped: this database mirrors factory 0x0+fb/);
    const status = await db("indexer_status").where({ chain_id: chainId }).first();
    assert.equal(status.state, "stopped");
  });
});
