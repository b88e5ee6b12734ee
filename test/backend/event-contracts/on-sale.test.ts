import assert from "node:assert/strict";
import type { Knex } from "knex";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { seedEvent } from "../gate/fixtures.js";

describe("event contracts: tickets on sale (public)", () => {
  let db: Knex;
  let api: TestApi;
  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db);
  });
  after(() => api.close());

  it("answers a festival's linked events with each tier's on-chain terms, without sign-in", async () => {
    const event = await seedEvent(db);
    const res = await api.get(`/api/v1/festivals/${event.festivalId}/tickets-on-sale`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.items.length, 1);
    const [sale] = res.body.items;
    assert.equal(sale.eventContractId, event.eventContractId);
    assert.equal(sale.contract, event.contract);
    assert.equal(sale.cancelled, false);
    assert.deepEqual(
      sale.tiers.map((t: { tierId: number; name: string; price: string; currency: string; remaining: string }) => [
        t.tierId,
        t.name,
        t.price,
        t.currency,
        t.remaining,
      ]),
      [
        [1, "STANDARD", "1000", "ETH", "100000"],
        [2, "VIP", "1000", "ETH", "100000"],
      ],
    );
  });

  it("lists nothing for an event that is not linked, or a deleted festival", async () => {
    const event = await seedEvent(db);
    await db("event_contracts").where({ id: event.eventContractId }).update({ status: "pending", ticket_address: null, split_address: null, linked_at: null });
    assert.deepEqual((await api.get(`/api/v1/festivals/${event.festivalId}/tickets-on-sale`)).body.items, []);
    const gone = await seedEvent(db);
    await db("festivals").where({ id: gone.festivalId }).update({ deleted_at: new Date() });
    assert.deepEqual((await api.get(`/api/v1/festivals/${gone.festivalId}/tickets-on-sale`)).body.items, []);
  });

  it("names the field of a malformed festival id", async () => {
    const res = await api.get("/api/v1/festivals/not-a-uuid/tickets-on-sale");
    assert.equal(res.status, 400);
    assert.ok(
      res.body.errors.some((e: { field: string }) => e.field === "params.festivalId"),
      JSON.stringify(res.body),
    );
  });
});
