import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { newId } from "../../lib/ids.js";
import { createTestUser } from "../support/auth.js";
import { useTestApi, expectStatus } from "../support/api-suite.js";
import { buildFestival } from "../support/festival.js";
import type { TestUser } from "../support/auth.js";
import type { TestApi } from "../support/http.js";

/** Reads a list two items at a time; every page but the last has a cursor, no item twice. */
async function readAllPages(api: TestApi, path: string, user: TestUser): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const qs: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await expectStatus(api, 200, "GET", `${path}${qs}`, user);
    assert.ok(page.items.length <= 2);
    assert.ok("nextCursor" in page, "the list returns nextCursor");
    ids.push(...page.items.map((i: { id: string }) => i.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(new Set(ids).size, ids.length, "no item on two pages");
  return { ids, pages };
}

describe("lists that page with a cursor", () => {
  const t = useTestApi();

  it("GET /api/v1/me/device-tokens: the second page follows the cursor", async () => {
    const fan = await createTestUser(t.db, { roles: ["fan"] });
    for (let i = 0; i < 3; i++)
      await expectStatus(t.api, 201, "POST", "/api/v1/me/device-tokens", fan, { platform: "web", token: `web-push-${fan.userId}-${i}` });
    const { ids, pages } = await readAllPages(t.api, "/api/v1/me/device-tokens", fan);
    assert.equal(ids.length, 3);
    assert.equal(pages, 2);
  });

  it("GET /api/v1/editions/{editionId}/venues: the second page follows the cursor", async () => {
    const f = await buildFestival(t.db, t.api);
    for (const name of ["Beach", "Club"]) {
      const venue = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/venues`, f.owner, {
        name,
        city: "Amsterdam",
        country: "NL",
        latitude: 52.36,
        longitude: 4.87,
      });
      await expectStatus(t.api, 200, "PUT", `/api/v1/editions/${f.editionId}/venues/${venue.id}`, f.owner);
    }
    const { ids, pages } = await readAllPages(t.api, `/api/v1/editions/${f.editionId}/venues`, f.owner);
    assert.equal(ids.length, 3);
    assert.equal(pages, 2);
  });

  it("GET /api/v1/festivals/{festivalId}/event-categories: the second page follows the cursor, in sort order", async () => {
    const f = await buildFestival(t.db, t.api);
    for (const [name, sortOrder] of [
      ["Talks", 2],
      ["Music", 1],
      ["Food", 1],
    ] as const) {
      await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/event-categories`, f.owner, { name, sortOrder });
    }
    const { ids, pages } = await readAllPages(t.api, `/api/v1/festivals/${f.festivalId}/event-categories`, f.owner);
    assert.equal(pages, 2);
    const names = await Promise.all(ids.map(async (id) => (await t.db("event_categories").where({ id }).first("name")).name));
    assert.deepEqual(names, ["Food", "Music", "Talks"]);
  });

  it("GET /api/v1/festivals/{festivalId}/tags: the second page follows the cursor, most used first, then by name", async () => {
    const f = await buildFestival(t.db, t.api);
    for (const [slug, tags] of [
      ["one", ["rock", "jazz", "folk"]],
      ["two", ["rock"]],
    ] as const) {
      await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/events`, f.owner, { name: slug, slug, tags });
    }
    const { ids, pages } = await readAllPages(t.api, `/api/v1/festivals/${f.festivalId}/tags`, f.owner);
    assert.equal(pages, 2);
    const names = await Promise.all(ids.map(async (id) => (await t.db("tags").where({ id }).first("name")).name));
    assert.deepEqual(names, ["rock", "folk", "jazz"]);
  });

  it("GET /api/v1/venues/{venueId}/stages: the second page follows the cursor, in sort order", async () => {
    const f = await buildFestival(t.db, t.api, { stages: 3 });
    const { ids, pages } = await readAllPages(t.api, `/api/v1/venues/${f.venueId}/stages`, f.owner);
    assert.equal(pages, 2);
    assert.deepEqual(ids, f.stageIds);
  });

  it("GET /api/v1/me/wallets: the second page follows the cursor", async () => {
    const fan = await createTestUser(t.db, { roles: ["fan"] });
    const rows = [0, 1, 2].map(() => ({
      id: newId(),
      user_id: fan.userId,
      network: "evm",
      address: `0x${randomBytes(20).toString("hex")}`,
      verified_at: new Date(),
    }));
    await t.db("wallets").insert(rows);
    const { ids, pages } = await readAllPages(t.api, "/api/v1/me/wallets", fan);
    assert.equal(pages, 2);
    assert.deepEqual([...ids].sort(), rows.map((r) => r.id).sort());
  });
});
