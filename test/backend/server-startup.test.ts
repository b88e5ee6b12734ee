import assert from "node:assert/strict";
import { runProcess } from "../support/process.js";

describe("npm run api: startup failures an operator fixes", () => {
  function apiEnv(databaseUrl: string | undefined): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "silent", PORT: "0", CHAIN_RPC_URL: "" };
    delete env.DATABASE_URL;
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    return env;
  }

  it("without DATABASE_URL: exit 1, one line on stderr, no stack", async function () {
    this.timeout(60_000);
    const { code, stderr } = await runProcess("backend/src/server.ts", apiEnv(undefined), 30_000);
    assert.equal(code, 1);
    assert.deepEqual(stderr.trim().split("\n"), ["api: DATABASE_URL is not set (npm start sets it for the embedded database)"]);
  });

  it("with an unreachable database: exit 1, one line naming it (password hidden), no stack", async function () {
    this.timeout(60_000);
    const { code, stderr } = await runProcess("backend/src/server.ts", apiEnv("postgres://app:hunter2@127.0.0.1:1/platform"), 30_000);
    assert.equal(code, 1);
    const lines = stderr.trim().split("\n");
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^api: database unreachable at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/platform/);
    assert.doesNotMatch(stderr, /hunter2|\n\s+at /);
  });
});
