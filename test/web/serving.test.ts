import assert from "node:assert/strict";
import { buildWebPages } from "../../scripts/support/web-build.js";
import { useTestApi } from "../support/api-suite.js";

describe("web: the API serves the built pages at / (deep links fall back to the shell)", () => {
  const t = useTestApi();
  before(async function () {
    this.timeout(120_000);
    await buildWebPages();
  });

  const html = (path: string) => fetch(t.api.base + path, { headers: { accept: "text/html" } });

  it("answers the shell with the pages' policy for /, /scan, /organizer/... and /payouts", async () => {
    for (const path of [
      "/",
      "/scan",
      "/organizer/festivals/5b0f6a7e-1c1e-4d0e-9d8e-000000000001",
      "/payouts",
      "/pass/0x0000000000000000000000000000000000000001/1000001",
    ]) {
      const res = await html(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type") ?? "", /text\/html/);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /worker-src 'self' blob:/);
      assert.doesNotMatch(csp, /unsafe-eval/);
      assert.match(await res.text(), /<div id="app">/);
    }
  });

  it("serves the hashed assets with a long cache, and 404s a missing one", async () => {
    const shell = await (await html("/")).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(shell)![1]!;
    const res = await fetch(t.api.base + script);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("cache-control") ?? "", /immutable/);
    assert.equal((await fetch(`${t.api.base}/assets/nope-123.js`)).status, 404);
  });

  it("leaves the API's answers alone: a JSON 404 problem under /api, /openapi.json, /health", async () => {
    const res = await html("/api/v1/nothing-here");
    assert.equal(res.status, 404);
    assert.match(res.headers.get("content-type") ?? "", /application\/problem\+json/);
    assert.equal((await fetch(`${t.api.base}/openapi.json`)).headers.get("content-type")?.includes("json"), true);
    assert.equal((await t.api.get("/health")).status, 200);
    // a client asking for JSON at a page path gets the API's 404, not the shell
    assert.equal((await fetch(`${t.api.base}/scan`, { headers: { accept: "application/json" } })).status, 404);
  });
});
