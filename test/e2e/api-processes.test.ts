import assert from "node:assert/strict";
import type { Knex } from "../../lib/database.js";
import { startApiProcess, type ApiProcess } from "../../scripts/support/api-process.js";
import { createTestUser } from "../support/auth.js";
import { isolatedTestDatabase } from "../support/database.js";

/**
 * Several API processes behind one database, as a festival runs them behind a load balancer:
 * real `npm run api` processes (backend/src/server.ts) started by the test. A sign-out in one
 * is refused by the other at once, and a rate limit is one budget across them.
 */
describe("e2e: two API processes on one database", function () {
  this.timeout(120_000);
  let db: Knex;
  let drop: () => Promise<void>;
  let processes: ApiProcess[] = [];
  const bases: string[] = [];

  before(async () => {
    const isolated = await isolatedTestDatabase("festival_processes");
    db = isolated.db;
    drop = isolated.drop;
    const env = { RATE_LIMIT_SIGNIN_PER_MINUTE: "4" };
    processes = await Promise.all([startApiProcess(isolated.url, env), startApiProcess(isolated.url, env)]);
    bases.push(...processes.map((p) => p.base));
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await drop?.();
  });

  it("a sign-out through the first process is refused by the second within a second", async () => {
    const [a, b] = bases as [string, string];
    const user = await createTestUser(db);
    assert.equal((await fetch(`${b}/api/v1/auth/session`, { headers: user.headers })).status, 200, "the second process caches the session");
    assert.equal((await fetch(`${a}/api/v1/auth/logout`, { method: "POST", headers: user.headers })).status, 204);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 5_000) status = (await fetch(`${b}/api/v1/auth/session`, { headers: user.headers })).status;
    assert.equal(status, 401);
    assert.ok(Date.now() - started < 1000, `refused after ${Date.now() - started} ms`);
  });

  it("sign-in attempts count once across both processes", async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${bases[i % 2]}/api/v1/auth/siwe/nonce`, { method: "POST" })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  });
});
