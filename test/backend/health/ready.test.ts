import assert from "node:assert/strict";
import { createServer } from "node:http";
import { loadConfig } from "../../../lib/config.js";
import { createLogger } from "../../../lib/logger.js";
import { buildApp } from "../../../backend/src/app.js";
import { testDatabase } from "../../support/database.js";

describe("GET /health and /ready", () => {
  it("reports liveness, and not ready when no chain is configured", async () => {
    const db = await testDatabase();
    const app = buildApp({ config: loadConfig({}), db, log: createLogger("test", "silent") });
    const server = createServer(app).listen(0);
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const health = await fetch(`${base}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: "ok" });

      const ready = await fetch(`${base}/ready`);
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as { ready: boolean; database: { ok: boolean }; chain: { ok: boolean } };
      assert.equal(body.database.ok, true);
      assert.equal(body.chain.ok, false);
      assert.equal(body.ready, false);

      const missing = await fetch(`${base}/nope`);
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get("content-type"), "application/problem+json; charset=utf-8");
      assert.equal(((await missing.json()) as { code: string }).code, "not_found");
    } finally {
      server.close();
    }
  });
});
