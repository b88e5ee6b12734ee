import assert from "node:assert/strict";
import { chromium, type Browser } from "playwright-core";
import { buildWebPages } from "../../scripts/support/web-build.js";
import { useTestApi } from "../support/api-suite.js";
import { createTestUser } from "../support/auth.js";
import { chromiumArgs, CHROMIUM } from "./support/world.js";

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

describe("web: the shell in a browser (no chain needed)", function () {
  this.timeout(120_000);
  const t = useTestApi();
  let browser: Browser;
  before(async () => {
    await buildWebPages();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs() });
  });
  after(async () => {
    await browser?.close();
  });

  /** A phone-sized page on the API, with `session` stored as the fan's (as a sign-in leaves it). */
  async function open(path: string, session?: Record<string, string>) {
    const context = await browser.newContext({ baseURL: t.api.base, viewport: { width: 412, height: 860 }, locale: "en-GB" });
    if (session) await context.addInitScript(`localStorage.setItem("session:fan", ${JSON.stringify(JSON.stringify(session))});`);
    const page = await context.newPage();
    await page.goto(path);
    return page;
  }

  it("says in words what the API answered: a missing edition's problem detail, not a blank page", async () => {
    const page = await open("/editions/5b0f6a7e-1c1e-4d0e-9d8e-00000000beef");
    const detail = page.getByTestId("error-detail");
    await detail.waitFor();
    assert.match((await detail.textContent()) ?? "", /edition 5b0f6a7e-1c1e-4d0e-9d8e-00000000beef not found/);
    await page.getByRole("button", { name: "Try again" }).waitFor();
    await page.context().close();
  });

  it("shows a signed-in fan's wristbands page, and an unknown path's page in French", async () => {
    const fan = await createTestUser(t.db, { roles: ["fan"] });
    const page = await open("/cashless", {
      accessToken: fan.accessToken,
      refreshToken: "x".repeat(32),
      userId: fan.userId,
      method: "password",
      label: fan.email,
    });
    await page.getByTestId("no-bands").waitFor();
    await page.getByRole("button", { name: "Français" }).click();
    await page.getByRole("heading", { name: "Mes bracelets" }).waitFor();
    await page.goto("/nowhere");
    await page.getByText("Cette page n'existe pas.").waitFor();
    await page.context().close();
  });

  it("an ended session whose refresh fails goes back to sign-in", async () => {
    const page = await open("/tickets", {
      accessToken: "not-a-token",
      refreshToken: "y".repeat(32),
      userId: "x",
      method: "password",
      label: "gone@example.test",
    });
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    assert.equal(await page.evaluate("localStorage.getItem('session:fan')"), null);
    await page.context().close();
  });
});
