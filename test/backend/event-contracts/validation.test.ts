import assert from "node:assert/strict";
import { eventFactoryAbi } from "../../../lib/abis/EventFactory.js";
import { newId } from "../../../lib/ids.js";
import { createOrganizer, linkBody, startWorld, type Organizer, type World } from "./world.js";

describe("event contracts: a draft the chain would refuse is refused at prepare (422, field by field)", function () {
  this.timeout(180_000);
  let w: World;
  let o: Organizer;
  let other: Organizer;
  before(async () => {
    w = await startWorld();
    o = await createOrganizer(w, w.t.accounts[1]!);
    other = await createOrganizer(w, w.t.accounts[2]!);
  });
  after(() => w?.stop());

  const prepare = (body: Record<string, unknown>) => w.api.post(`/api/v1/festivals/${o.festivalId}/event-contracts`, body, o.user.headers);
  const count = async () => Number((await w.db("event_contracts").where({ festival_id: o.festivalId }).count({ n: "*" }))[0]!.n);
  const refused = async (body: Record<string, unknown>, code: string, field: string) => {
    const before = await count();
    const res = await prepare(body);
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, code);
    assert.ok(
      res.body.errors.some((e: { field: string }) => e.field === field),
      JSON.stringify(res.body.errors),
    );
    assert.equal(await count(), before, "nothing stored");
  };

  it("payee shares plus the platform fee (5 % here) over 10,000 bps", async () => {
    await refused(
      linkBody(o.wallet, { payees: [{ account: "0x2222222222222222222222222222222222222222", shareBps: 9501 }] }),
      "payee_shares_exceed_total",
      "body.payees",
    );
    const fits = await prepare(linkBody(o.wallet, { payees: [{ account: "0x2222222222222222222222222222222222222222", shareBps: 9500 }] }));
    assert.equal(fits.status, 201, JSON.stringify(fits.body));
  });

  it("a zero-address payee, a payee without share or amount, a payee twice, the platform fee recipient as payee", async () => {
    const p = (account: string, shareBps = 100) => ({ account, shareBps });
    await refused(linkBody(o.wallet, { payees: [p("0x0000000000000000000000000000000000000000")] }), "invalid_payees", "body.payees.0.account");
    await refused(linkBody(o.wallet, { payees: [p("0x2222222222222222222222222222222222222222", 0)] }), "invalid_payees", "body.payees.0");
    await refused(
      linkBody(o.wallet, { payees: [p("0x2222222222222222222222222222222222222222"), p("0x2222222222222222222222222222222222222222")] }),
      "invalid_payees",
      "body.payees.1.account",
    );
    await refused(linkBody(o.wallet, { payees: [p(w.t.accounts[9]!)] }), "invalid_payees", "body.payees.0.account");
  });

  it("an edition or event of another tenant's festival (or none at all)", async () => {
    const edition = newId();
    await w.db("editions").insert({
      id: edition,
      festival_id: other.festivalId,
      name: "2026",
      slug: `e-${edition}`,
      timezone: "UTC",
      starts_at: new Date(),
      ends_at: new Date(Date.now() + 86_400_000),
    });
    const event = newId();
    await w.db("events").insert({ id: event, festival_id: other.festivalId, name: "Gig", slug: `g-${event}` });
    await refused(linkBody(o.wallet, { editionId: edition }), "invalid_edition", "body.editionId");
    await refused(linkBody(o.wallet, { eventId: event }), "invalid_event", "body.eventId");
    await refused(linkBody(o.wallet, { eventId: newId() }), "invalid_event", "body.eventId");
  });

  it("a tier priced in a token that has no contract", async () => {
    const now = Math.floor(Date.now() / 1000);
    const tier = {
      name: "GA",
      price: "1000",
      currency: "0x3333333333333333333333333333333333333333",
      supply: 10,
      saleStart: new Date(now * 1000).toISOString(),
      saleEnd: new Date((now + 3600) * 1000).toISOString(),
    };
    await refused(linkBody(o.wallet, { tiers: [tier] }), "invalid_currency", "body.tiers.0.currency");
  });

  it("what the chain refuses only at deploy (the platform fee rose since prepare) is a 422 naming the contract error, nothing sent", async () => {
    const prepared = await prepare({
      ...linkBody(o.wallet, { payees: [{ account: "0x2222222222222222222222222222222222222222", shareBps: 9400 }] }),
      deployWith: "server",
      organizerAddress: undefined,
    });
    assert.equal(prepared.status, 201, JSON.stringify(prepared.body));
    const admin = w.t.accounts[0]!;
    const setFee = async (bps: number) =>
      w.t.client.waitForTransactionReceipt({
        hash: await w.t.wallet(admin).writeContract({
          account: admin,
          chain: w.t.client.chain,
          address: w.t.factory,
          abi: eventFactoryAbi,
          functionName: "setPlatformFee",
          args: [w.t.accounts[9]!, bps],
        }),
      });
    await setFee(1000);
    try {
      const events = await w.t.client.readContract({ address: w.t.factory, abi: eventFactoryAbi, functionName: "eventCount" });
      const res = await w.api.post(`/api/v1/event-contracts/${prepared.body.id}/deploy`, undefined, o.user.headers);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.code, "deploy_would_revert");
      assert.match(res.body.detail, /RevenueSplitSharesExceeded/);
      assert.equal(await w.t.client.readContract({ address: w.t.factory, abi: eventFactoryAbi, functionName: "eventCount" }), events);
      assert.equal((await w.db("event_contracts").where({ id: prepared.body.id }).first()).deploy_tx_hash, null);
    } finally {
      await setFee(500);
    }
  });
});
