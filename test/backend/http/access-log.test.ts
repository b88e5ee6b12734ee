import assert from "node:assert/strict";
import { Writable } from "node:stream";
import type { Server } from "node:http";
import type { Knex } from "knex";
import { pino } from "pino";
import { loadConfig } from "../../../lib/config.js";
import { buildApp } from "../../../backend/src/app.js";
import { createApiServer } from "../../../backend/src/http/server.js";
import { createTestApiKey, createTestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";

describe("access log", () => {
  let db: Knex;
  let server: Server;
  let base: string;
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  before(async () => {
    db = await testDatabase();
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) {
          raw.push(line);
          lines.push(JSON.parse(line));
        }
        done();
      },
    });
    server = createApiServer(buildApp({ config: loadConfig({}), db, log: pino({ level: "info" }, sink) }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("logs method, path, status, duration and request id at info, and no header or query value", async () => {
    const alice = await createTestUser(db);
    const key = await createTestApiKey(db, alice, ["profile:read"]);
    const secrets = [alice.accessToken, "session=cookie-secret-value", key.key, "query-secret-token"];
    const res = await fetch(`${base}/api/v1/me?token=query-secret-token`, {
      headers: { ...alice.headers, cookie: "session=cookie-secret-value", "x-request-id": "log-test-1", "user-agent": "log-test-agent" },
    });
    assert.equal(res.status, 200);
    assert.equal((await fetch(`${base}/api/v1/auth/session`, { headers: key.headers })).status, 200);
    await new Promise((r) => setImmediate(r));

    const line = lines.find((l) => (l.req as { id?: string } | undefined)?.id === "log-test-1");
    assert.ok(line, `an access line for the request: ${raw.join("\n")}`);
    assert.equal(line.level, 30, "info");
    assert.deepEqual(line.req, { id: "log-test-1", method: "GET", path: "/api/v1/me" });
    assert.deepEqual(line.res, { statusCode: 200 });
    assert.equal(typeof line.responseTime, "number");
    const all = raw.join("\n");
    for (const secret of secrets) assert.ok(!all.includes(secret), `the log must not hold ${secret}`);
    assert.ok(!all.includes("log-test-agent"), "no headers at all");
    assert.ok(!/"headers"/.test(all));
  });
});
