import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../lib/database.js";
import { freePort } from "../../lib/net.js";
import { listenForever } from "../../lib/pg-listener.js";

describe("lib/pg-listener: a LISTEN that outlives a Postgres restart", function () {
  this.timeout(120_000);
  let dir: string;
  let opts: Parameters<typeof startEmbeddedPostgres>[0];
  let server: EmbeddedDatabase;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "festival-listener-"));
    opts = { dir: path.join(dir, "pg"), port: await freePort(), database: "listener", persistent: true };
    server = await startEmbeddedPostgres(opts);
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const notify = async (payload: string) => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    await c.query("select pg_notify('test_channel', $1)", [payload]);
    await c.end();
  };
  const until = async (what: string, check: () => boolean) => {
    for (const deadline = Date.now() + 20_000; !check(); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > deadline) throw new Error(`never: ${what}`);
    }
  };

  it("says when it lost the connection and when it is back, and hears notifications again", async () => {
    const heard: string[] = [];
    const events: string[] = [];
    const listener = await listenForever({
      connectionString: server.url,
      channel: "test_channel",
      onNotification: (p) => heard.push(p),
      onLost: () => events.push("lost"),
      onBack: () => events.push("back"),
      retryMs: 100,
    });
    try {
      await notify("before");
      await until("the first notification", () => heard.includes("before"));
      await server.stop();
      await until("the loss is noticed", () => events.includes("lost"));
      await new Promise((r) => setTimeout(r, 500)); // a few reconnects fail while it is down
      server = await startEmbeddedPostgres(opts);
      await until("it is back", () => events.includes("back"));
      await notify("after");
      await until("a notification after the restart", () => heard.includes("after"));
      assert.deepEqual(events, ["lost", "back"]);
    } finally {
      await listener.stop();
    }
  });
});
