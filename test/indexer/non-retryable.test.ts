import assert from "node:assert/strict";
import { NonRetryableError } from "../../lib/errors.js";
import type { Knex } from "../../lib/database.js";
import { testDatabase, testDatabaseUrl } from "../support/database.js";
import { runProcess } from "../support/process.js";
import { startTestChain, type TestChain } from "./support/platform.js";
import { resetMirror, startIndexer, syncedTo } from "./support/mirror.js";

const OTHER_FACTORY = "0x00000000000000000000000000000000000fac70";

/** Rejects when `p` has not settled within `ms`: a retry loop never settles. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms))]);
}

describe("indexer: a non-retryable error stops it", function () {
  let t: TestChain;
  let db: Knex;

  before(async function () {
    this.timeout(180_000);
    [t, db] = await Promise.all([startTestChain(), testDatabase()]);
    await resetMirror(db, t.chainId);
    const first = await startIndexer(t);
    await syncedTo(t, first);
    await first.stop();
  });
  after(async function () {
    await t?.stop();
  });

  it("a database that mirrors another factory: run() rejects with a NonRetryableError instead of retrying", async function () {
    const other = await startIndexer(t, { factoryAddress: OTHER_FACTORY });
    try {
      await assert.rejects(within(other.run(), 10_000), (error: unknown) => {
        assert.ok(error instanceof NonRetryableError, String(error));
        assert.equal(error.retryable, false);
        assert.match(error.message, new RegExp(`mirrors factory ${t.factory.toLowerCase()} on chain ${t.chainId}, not ${OTHER_FACTORY}`));
        return true;
      });
    } finally {
      await other.stop();
    }
  });

  it("npm run indexer against it exits 1 with one line on stderr", async function () {
    this.timeout(60_000);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: await testDatabaseUrl(),
      CHAIN_RPC_URL: t.url,
      FACTORY_ADDRESS: OTHER_FACTORY,
      FACTORY_DEPLOY_BLOCK: t.deployBlock.toString(),
      LOG_LEVEL: "silent",
    };
    const { code, stderr } = await runProcess("indexer/src/main.ts", env, 30_000);
    assert.equal(code, 1);
    const lines = stderr.trim().split("\n");
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, new RegExp(`^indexer: this database mirrors factory ${t.factory.toLowerCase()} on chain ${t.chainId}, not ${OTHER_FACTORY}: `));
  });
});
