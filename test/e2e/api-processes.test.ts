import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import type { Knex } from "../../lib/database.js";
import { freePort } from "../../lib/net.js";
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
  const processes: ChildProcess[] = [];
  const bases: string[] = [];

  async function startApi(url: string): Promise<string> {
    const port = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: "127.0.0.1",
      CHAIN_RPC_URL: "",
      LOG_LEVEL: "silent",
      RATE_LIMIT_SIGNIN_PER_MINUTE: "4",
    };
    const child = spawn(process.execPath, ["--import", "tsx", "backend/src/server.ts"], { env, stdio: "ignore" });
    processes.push(child);
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return base;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the API process on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  before(async () => {
    const isolated = await isolatedTestDatabase("festival_processes");
    db = isolated.db;
    drop = isolated.drop;
    bases.push(...(await Promise.all([startApi(isolated.url), startApi(isolated.url)])));
  });
  after(async () => {
    await Promise.all(
      processes.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null) return resolve();
            p.once("exit", () => resolve());
            p.kill("SIGTERM");
          }),
      ),
    );
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
