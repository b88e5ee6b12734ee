import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Knex } from "../../lib/database.js";
import { createMetrics } from "../../indexer/src/metrics.js";
import { testDatabase } from "../support/database.js";
import { startTestChain, type TestChain } from "./support/platform.js";
import { assertMirrorEqualsChain, logRowCounts, resetMirror, startIndexer, syncedTo } from "./support/mirror.js";
import { runScenario } from "./support/scenario.js";

/**
 * A tiny HTTP proxy in front of the node that misbehaves for requests [from, from + failures):
 * 503s, dropped connections and requests that never answer (timeouts).
 */
async function flakyProxy(target: string, from: number, failures: number) {
  let seen = 0;
  const server = http.createServer((req, res) => {
    const n = seen++ - from;
    if (n >= 0 && n < failures) {
      const mode = n % 3;
      if (mode === 0) return void res.writeHead(503).end("unavailable");
      if (mode === 1) return void req.socket.destroy();
      return; // hang: the client times out
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      try {
        const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) });
        res.writeHead(upstream.status, { "content-type": "application/json" }).end(Buffer.from(await upstream.arrayBuffer()));
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => seen,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe("indexer: flaky RPC endpoint", function () {
  let t: TestChain;
  let db: Knex;

  before(async function () {
    this.timeout(120_000);
    [t, db] = await Promise.all([startTestChain(), testDatabase()]);
    await resetMirror(db, t.chainId);
    await runScenario(t);
  });
  after(async function () {
    await t?.stop();
  });

  it("retries with backoff, catches up and skips no block", async function () {
    // reference counts straight from a healthy endpoint
    const clean = await startIndexer(t, { batchBlocks: 4 });
    await syncedTo(t, clean);
    await clean.stop();
    const reference = await logRowCounts(db, t.chainId);
    await resetMirror(db, t.chainId);

    const proxy = await flakyProxy(t.url, 6, 30); // fails during the backfill, not only at start
    const metrics = createMetrics();
    const indexer = await startIndexer(t, { rpcUrl: proxy.url, rpcTimeoutMs: 300, rpcRetryMaxDelayMs: 400, batchBlocks: 4, metrics });
    try {
      await syncedTo(t, indexer);
      assert.deepEqual(await logRowCounts(db, t.chainId), reference);
      await assertMirrorEqualsChain(db, t);
      const retries = (await metrics.rpcRetries.get()).values.reduce((sum, v) => sum + v.value, 0);
      assert.ok(retries >= 8, `retried ${retries} times`);
      // the blocks of every batch are contiguous up to the cursor: nothing was skipped
      const gaps = await db.raw(
        `select count(*)::int as n from (select number - lag(number) over (order by number) as d from chain_blocks where chain_id = ? and number >= ?) x where d > 4`,
        [t.chainId, t.deployBlock.toString()],
      );
      assert.equal(gaps.rows[0].n, 0);
    } finally {
      await indexer.stop();
      await proxy.close();
    }
  });
});
