import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { newId } from "../../lib/ids.js";
import { createTestUser } from "../support/auth.js";
import { useTestApi, expectStatus } from "../support/api-suite.js";
import { buildFestival } from "../support/festival.js";
import type { TestUser } from "../support/auth.js";
import { seedEvent } from "./gate/fixtures.js";
import type { TestApi } from "../support/http.js";

/** Reads a list two items at a time; every page but the last has a cursor, no item twice (`key`: an item's identity, default its id). */
async function readAllPages(
  api: TestApi,
  path: string,
  user: TestUser,
  key: (item: Record<string, unknown>) => string = (item) => String(item.id),
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const qs: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await expectStatus(api, 200, "GET", `${path}${qs}`, user);
    assert.ok(page.items.length <= 2);
    assert.ok("nextCursor" in page, "the list returns nextCursor");
    ids.push(...page.items.map(key));
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

  it("GET /api/v1/event-contracts/{eventContractId}/zones: the second page follows the cursor, by kind and code", async () => {
    const event = await seedEvent(t.db);
    const { ids, pages } = await readAllPages(t.api, `/api/v1/event-contracts/${event.eventContractId}/zones`, event.organizer);
    assert.equal(pages, 2);
    assert.deepEqual(ids, [event.zones.lounge, event.zones.vip, event.zones.gate]); // areas before the entrance, each by code
  });

  it("GET /api/v1/festivals/{festivalId}/gate/scanners: the second page follows the cursor, in the order they were assigned", async () => {
    const event = await seedEvent(t.db);
    const stewards = [await createTestUser(t.db, { roles: ["security"] }), await createTestUser(t.db, { roles: ["security"] })];
    for (const steward of stewards)
      await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${event.festivalId}/gate/scanners`, event.organizer, { userId: steward.userId });
    const { ids, pages } = await readAllPages(t.api, `/api/v1/festivals/${event.festivalId}/gate/scanners`, event.organizer, (s) => String(s.userId));
    assert.equal(pages, 2);
    assert.deepEqual(ids, [event.scanner.userId, ...stewards.map((s) => s.userId)]);
  });

  it("GET /api/v1/event-contracts/{eventContractId}/tiers: the second page follows the cursor, in tier order, each tier with its zones", async () => {
    const event = await seedEvent(t.db);
    await t.db("ticket_categories").insert({ id: newId(), event_contract_id: event.eventContractId, tier_id: 3, name: "Crew" });
    const path = `/api/v1/event-contracts/${event.eventContractId}/tiers`;
    const { ids, pages } = await readAllPages(t.api, path, event.organizer, (tier) => String(tier.tierId));
    assert.equal(pages, 2);
    assert.deepEqual(ids, ["1", "2", "3"]);
    const first = await expectStatus(t.api, 200, "GET", `${path}?limit=2`, event.organizer);
    assert.deepEqual(
      first.items.map((tier: { zones: string[] }) => tier.zones),
      [["lounge"], ["lounge", "vip"]],
    );
  });

  it("GET /api/v1/gate/zones/{zoneId}/scans: scans that share a millisecond are each read once, newest first", async () => {
    const event = await seedEvent(t.db);
    const rows = [1, 2, 3, 4, 5].map((n) => ({
      id: newId(),
      event_contract_id: event.eventContractId,
      zone_id: event.zones.gate,
      direction: "in",
      verdict: "admitted",
      source: "online",
      scanned_at: t.db.raw("?::timestamptz", [`2026-06-01T12:00:00.12300${n}Z`]),
    }));
    await t.db("gate_scans").insert(rows);
    const { ids, pages } = await readAllPages(t.api, `/api/v1/gate/zones/${event.zones.gate}/scans`, event.organizer);
    assert.equal(pages, 3);
    assert.deepEqual(ids, rows.map((r) => r.id).reverse());
  });
});
