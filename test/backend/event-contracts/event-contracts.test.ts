import assert from "node:assert/strict";
import type { Knex } from "knex";
import { createPublicClient, decodeFunctionData, http } from "viem";
import { eventFactoryAbi } from "../../../lib/abis/EventFactory.js";
import { loadConfig } from "../../../lib/config.js";
import { newId } from "../../../lib/ids.js";
import { createTestFestival, createTestOrganization, createTestUser, grantFestivalAccess, type TestUser } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";

describe("event contracts: organizers link a festival to an on-chain event", () => {
  const FACTORY = "0x00000000000000000000000000000000000000fa";
  const config = loadConfig({ FACTORY_ADDRESS: FACTORY });
  const chain = { client: createPublicClient({ transport: http("http://127.0.0.1:9", { retryCount: 0 }) }), chainId: 31339 };
  let db: Knex;
  let api: TestApi;
  let organizer: TestUser;
  let festivalId: string;
  const wallet = "0x1111111111111111111111111111111111111111";

  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db, { config, chain });
    organizer = await createTestUser(db, { roles: ["organizer"], organizerVerified: true });
    const { organizationId } = await createTestOrganization(db, [[organizer, "owner"]]);
    ({ festivalId } = await createTestFestival(db, organizationId));
    await db("wallets").insert({ id: newId(), user_id: organizer.userId, network: "evm", address: wallet, is_primary: true, verified_at: new Date() });
    // this chain's node does not answer: prepare reads the platform fee from the mirror
    await db("chain_platform_fee_changes").insert({
      chain_id: 31339,
      block_number: 1,
      block_hash: `0x${"01".repeat(32)}`,
      log_index: 0,
      tx_hash: `0x${"02".repeat(32)}`,
      contract_address: FACTORY,
      recipient: "0x9999999999999999999999999999999999999999",
      fee_bps: 500,
    });
  });
  after(() => api.close());

  const now = Math.floor(Date.now() / 1000);
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const body = (overrides: Record<string, unknown> = {}) => ({
    organizerAddress: wallet,
    name: "Fest",
    symbol: "FST",
    startsAt: iso(now + 86_400),
    endsAt: iso(now + 2 * 86_400),
    transferPolicy: "resale_only",
    zones: [
      { code: "gate", name: "Gate", kind: "entrance" },
      { code: "backstage", name: "Backstage", kind: "area", capacity: 50 },
    ],
    tiers: [
      { name: "STANDARD", price: "10000000000000000", supply: 1000, saleStart: iso(now), saleEnd: iso(now + 86_400) },
      { name: "BACKSTAGE", price: "90000000000000000", supply: 20, maxPerBuyer: 1, saleStart: iso(now), saleEnd: iso(now + 86_400), zones: ["backstage"] },
    ],
    payees: [{ account: "0x2222222222222222222222222222222222222222", shareBps: 2000, fixedAmount: "1000" }],
    ...overrides,
  });

  it("returns the factory call built from tiers, payees and transfer policy; categories map 1:1 to tiers", async () => {
    const res = await api.post(`/api/v1/festivals/${festivalId}/event-contracts`, body(), organizer.headers);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, "pending");
    assert.equal(res.body.createEventCall.to, FACTORY);
    assert.equal(res.body.createEventCall.chainId, 31339);
    const decoded = decodeFunctionData({ abi: eventFactoryAbi, data: res.body.createEventCall.data });
    assert.equal(decoded.functionName, "createEvent");
    const [eventConfig, tiers, payees] = decoded.args as unknown as [
      { name: string; transferPolicy: number; startsAt: number },
      Array<{ name: string; price: bigint; supply: number; maxPerBuyer: number }>,
      Array<{ account: string; shareBps: number; fixedAmount: bigint }>,
    ];
    assert.equal(eventConfig.name, "Fest");
    assert.equal(eventConfig.transferPolicy, 1);
    assert.equal(eventConfig.startsAt, now + 86_400);
    assert.deepEqual(
      tiers.map((t) => [t.name, t.price, t.supply, t.maxPerBuyer]),
      [
        ["STANDARD", 10n ** 16n, 1000, 0],
        ["BACKSTAGE", 9n * 10n ** 16n, 20, 1],
      ],
    );
    assert.deepEqual(
      payees.map((p) => [p.account, p.shareBps, p.fixedAmount]),
      [["0x2222222222222222222222222222222222222222", 2000, 1000n]],
    );
    assert.deepEqual(
      res.body.categories.map((c: { tierId: number; name: string; zones: string[] }) => [c.tierId, c.name, c.zones]),
      [
        [1, "STANDARD", []],
        [2, "BACKSTAGE", ["backstage"]],
      ],
    );
    assert.equal(res.body.zones.find((z: { code: string }) => z.code === "backstage").capacity, 50);
    assert.equal(res.body.grantScannerCall, null);
    const audit = await db("audit_log").where({ entity_id: res.body.id, action: "event_contract.created" });
    assert.equal(audit.length, 1);

    // the category's zones can change
    const patched = await api.request("PATCH", `/api/v1/event-contracts/${res.body.id}/categories/1`, {
      body: { zones: ["backstage"] },
      headers: organizer.headers,
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.categories[0].zones, ["backstage"]);
  });

  it("refuses bad input field by field, and a wallet that is not the organizer's", async () => {
    const bad = await api.post(
      `/api/v1/festivals/${festivalId}/event-contracts`,
      body({ endsAt: iso(now), tiers: [{ name: "X", price: "1.5", supply: 0, saleStart: iso(now), saleEnd: iso(now), zones: ["nope"] }] }),
      organizer.headers,
    );
    assert.equal(bad.status, 400);
    const fields = bad.body.errors.map((e: { field: string }) => e.field);
    for (const f of ["body.endsAt", "body.tiers.0.price", "body.tiers.0.supply"]) assert.ok(fields.includes(f), `${f} in ${fields}`);
    const notMine = await api.post(
      `/api/v1/festivals/${festivalId}/event-contracts`,
      body({ organizerAddress: "0x5555555555555555555555555555555555555555" }),
      organizer.headers,
    );
    assert.equal(notMine.status, 422);
    assert.equal(notMine.body.code, "organizer_wallet_not_linked");
    // the contract ends every sale by the event's end: a later sale end is refused here, not at deploy
    const lateSale = await api.post(
      `/api/v1/festivals/${festivalId}/event-contracts`,
      body({ tiers: [{ ...body().tiers[0]!, saleEnd: iso(now + 3 * 86_400) }] }),
      organizer.headers,
    );
    assert.equal(lateSale.status, 400);
    assert.ok(
      lateSale.body.errors.some((e: { field: string }) => e.field === "body.tiers.0.saleEnd"),
      JSON.stringify(lateSale.body),
    );
    const noEntrance = await api.post(
      `/api/v1/festivals/${festivalId}/event-contracts`,
      body({ zones: [{ code: "a", name: "A", kind: "area" }], tiers: body().tiers.slice(0, 1) }),
      organizer.headers,
    );
    assert.equal(noEntrance.status, 400);
  });

  it("another organization cannot see or change it (404); a festival viewer cannot create (403)", async () => {
    const created = await api.post(`/api/v1/festivals/${festivalId}/event-contracts`, body(), organizer.headers);
    const stranger = await createTestUser(db, { roles: ["organizer"], organizerVerified: true });
    await createTestOrganization(db, [[stranger, "owner"]]);
    assert.equal((await api.get(`/api/v1/event-contracts/${created.body.id}`, stranger.headers)).status, 404);
    assert.equal((await api.get(`/api/v1/event-contracts/${created.body.id}/tiers`, stranger.headers)).status, 404);
    assert.equal((await api.post(`/api/v1/festivals/${festivalId}/event-contracts`, body(), stranger.headers)).status, 404);
    assert.equal((await api.post(`/api/v1/event-contracts/${created.body.id}/zones`, { code: "x", name: "X" }, stranger.headers)).status, 404);
    const viewer = await createTestUser(db);
    await grantFestivalAccess(db, festivalId, viewer, "viewer");
    assert.equal((await api.get(`/api/v1/event-contracts/${created.body.id}`, viewer.headers)).status, 200);
    assert.equal((await api.post(`/api/v1/festivals/${festivalId}/event-contracts`, body(), viewer.headers)).status, 403);
    assert.equal((await api.post(`/api/v1/event-contracts/${created.body.id}/zones`, { code: "x", name: "X" }, viewer.headers)).status, 403);
  });

  it("offers the server-side deployer only where one exists (chain 31337 or configured)", async () => {
    const res = await api.post(
      `/api/v1/festivals/${festivalId}/event-contracts`,
      body({ deployWith: "server", organizerAddress: undefined }),
      organizer.headers,
    );
    assert.equal(res.status, 422);
    assert.equal(res.body.code, "server_deployer_unavailable");
  });
});
