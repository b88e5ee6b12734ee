import assert from "node:assert/strict";
import { API_POOL_SIZE, createApiKnex } from "../../lib/database.js";
import { testDatabase, testDatabaseUrl } from "../support/database.js";

/** Backends connected to the test database from this run's API pool, seen by Postgres itself. */
async function backendsOf(applicationName: string): Promise<number> {
  const db = await testDatabase();
  const { rows } = await db.raw<{ rows: Array<{ n: number }> }>("select count(*)::int as n from pg_stat_activity where application_name = ?", [
    applicationName,
  ]);
  return rows[0]!.n;
}

describe("the API's database pool", () => {
  it("opens all its connections at start and keeps them under light load (its minimum is its size, so idle ones are never reaped)", async () => {
    const url = new URL(await testDatabaseUrl());
    url.searchParams.set("application_name", "api-pool-test");
    const db = await createApiKnex(url.toString());
    try {
      assert.equal(await backendsOf("api-pool-test"), API_POOL_SIZE, "every connection is open before the first request");
      // light sequential load reuses one connection; the pool must not reap the idle others (min = size)
      for (let i = 0; i < 20; i++) await db.raw("select 1");
      const pool = db.client.pool as { numUsed(): number; numFree(): number; min: number; max: number };
      assert.equal(pool.min, API_POOL_SIZE, "the pool never shrinks below its size");
      assert.equal(pool.numUsed() + pool.numFree(), API_POOL_SIZE);
      assert.equal(await backendsOf("api-pool-test"), API_POOL_SIZE);
    } finally {
      await db.destroy();
    }
  });
});
