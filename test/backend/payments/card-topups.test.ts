import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { TestPaymentProvider } from "../../../backend/src/modules/payments/test-provider.js";
import { TEST_CARDS } from "../../../backend/src/modules/payments/test-provider.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { buildCashless, ledgerDifferences, newTag, pay as terminalPay, type CashlessFixture } from "../cashless/fixtures.js";
import { checkoutHelpers } from "./checkout-helpers.js";
import { startWorld, type World } from "./world.js";

describe("payments: cashless top-ups by card (same path as card orders: hosted checkout, webhook queue, state machine)", function () {
  this.timeout(300_000);
  let w: World;
  let h: ReturnType<typeof checkoutHelpers>;
  let c: CashlessFixture;

  before(async () => {
    w = await startWorld();
    h = checkoutHelpers(w);
    // EUR, cap 50_000, top-ups 100..20_000
    c = await buildCashless(w.db, w.api);
  });
  after(async () => {
    await w?.close();
  });

  async function fanWithBand() {
    const fan = await createTestUser(w.db, { roles: ["fan"] });
    const tagId = newTag();
    const band = await h.call("POST", `/api/v1/editions/${c.editionId}/wristbands/link`, fan, { tagId });
    assert.equal(band.status, 200, JSON.stringify(band.body));
    return { fan, tagId, bandId: band.body.id as string };
  }
  const balance = async (user: TestUser, bandId: string) => Number((await h.call("GET", `/api/v1/wristbands/${bandId}`, user)).body.balance);
  const topup = (user: TestUser, body: Record<string, unknown>) => h.call("POST", `/api/v1/editions/${c.editionId}/cashless/card-topups`, user, body);
  const credits = (orderId: string) => w.db("ledger_transfers").where({ client_transfer_id: orderId, type: "TOPUP" });

  async function paidTopup(user: TestUser, amount: number) {
    const res = await topup(user, { amount, currency: "EUR" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await h.pay(res.body.id, res.body.checkoutUrl);
    await h.drain();
    assert.equal((await h.orderRow(res.body.id)).status, "completed");
    return res.body as { id: string };
  }

  it("authorizes, credits the band once on the verified webhook, then captures; the response gives the hosted checkout", async () => {
    const { fan, bandId } = await fanWithBand();
    const res = await topup(fan, { amount: 5_000, currency: "EUR" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, "reserved");
    assert.equal(res.body.wristbandId, bandId);
    assert.match(res.body.checkoutUrl, /^\/api\/v1\/payments\/test-checkout\/tpi_/);
    const page = await fetch(w.api.base + res.body.checkoutUrl);
    assert.match(await page.text(), /50\.00 EUR/);
    assert.equal(await balance(fan, bandId), 0);

    await h.pay(res.body.id, res.body.checkoutUrl);
    assert.equal((await h.intentOf(res.body.id)).status, "requires_capture");
    assert.equal(await balance(fan, bandId), 0, "nothing credited before the machine runs");
    await h.drain();
    const got = await h.call("GET", `/api/v1/cashless/card-topups/${res.body.id}`, fan);
    assert.equal(got.body.status, "completed");
    assert.equal(got.body.paymentStatus, "completed");
    assert.equal((await h.intentOf(res.body.id)).status, "succeeded");
    assert.equal(await balance(fan, bandId), 5_000);
    assert.equal((await credits(res.body.id)).length, 1);
    const actions = await w.db("audit_log").where({ entity_id: res.body.id }).orderBy("created_at").pluck("action");
    for (const a of ["payment_order.reserved", "payment_order.authorized", "payment_order.delivered", "payment_order.completed"])
      assert.ok(actions.includes(a), a);
    // another user does not see it; the card orders list does not mix it in
    assert.equal((await h.call("GET", `/api/v1/cashless/card-topups/${res.body.id}`, await createTestUser(w.db))).status, 404);
    assert.equal((await h.call("GET", `/api/v1/card-orders/${res.body.id}`, fan)).status, 404);
    assert.deepEqual(await ledgerDifferences(w.db), []);
  });

  it("webhooks replayed 5 times and out of order credit exactly once", async () => {
    const { fan, bandId } = await fanWithBand();
    const res = await topup(fan, { amount: 2_000, currency: "EUR" });
    const provider = h.p().payments.deps.provider as TestPaymentProvider;
    const paymentId = (await w.db("payments").where({ order_id: res.body.id }).first()).provider_payment_id;
    provider.sender = undefined;
    await provider.confirm(paymentId, TEST_CARDS.success);
    const current = await provider.retrieve(paymentId);
    const authorized = provider.signedEvent("payment_intent.amount_capturable_updated", current);
    const succeeded = provider.signedEvent("payment_intent.succeeded", { ...current, status: "captured" });
    const post = (e: { rawBody: string; signature: string }) =>
      fetch(`${w.api.base}/api/v1/payments/webhooks/test`, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": e.signature },
        body: e.rawBody,
      }).then((r) => r.json() as Promise<{ duplicate: boolean }>);
    const answers = [await post(succeeded)];
    for (let i = 0; i < 5; i++) answers.push(await post(authorized));
    assert.deepEqual(
      answers.map((a) => a.duplicate),
      [false, false, true, true, true, true],
    );
    await Promise.all([h.drain(), h.drain()]);
    await h.drain();
    // a late one after completion changes nothing
    assert.equal((await post(provider.signedEvent("payment_intent.amount_capturable_updated", current, { id: `evt_late_${randomUUID()}` }))).duplicate, false);
    await h.drain();
    assert.equal((await h.orderRow(res.body.id)).status, "completed");
    assert.equal((await credits(res.body.id)).length, 1);
    assert.equal(await balance(fan, bandId), 2_000);
  });

  it("refuses amounts outside the edition's limits, another currency, no band or another's band: 4xx naming the field, nothing opened", async () => {
    const { fan } = await fanWithBand();
    const before = await w.db("payment_orders").where({ kind: "topup" }).count<{ count: string }[]>();
    const low = await topup(fan, { amount: 99, currency: "EUR" });
    assert.equal(low.status, 422);
    assert.equal(low.body.code, "topup_out_of_limits");
    assert.equal(low.body.errors[0].field, "body.amount");
    assert.equal((await topup(fan, { amount: 20_001, currency: "EUR" })).body.code, "topup_out_of_limits");
    const usd = await topup(fan, { amount: 1_000, currency: "USD" });
    assert.equal(usd.status, 422);
    assert.equal(usd.body.code, "currency_mismatch");
    assert.equal(usd.body.errors[0].field, "body.currency");
    assert.equal((await topup(fan, { amount: 1_000, currency: "eur" })).status, 400);
    assert.equal((await topup(fan, { amount: 10.5, currency: "EUR" })).status, 400);
    const bandless = await topup(await createTestUser(w.db), { amount: 1_000, currency: "EUR" });
    assert.equal(bandless.status, 422);
    assert.equal(bandless.body.code, "no_wristband");
    const other = await fanWithBand();
    assert.equal((await topup(fan, { amount: 1_000, currency: "EUR", wristbandId: other.bandId })).status, 404);
    assert.equal((await h.call("POST", `/api/v1/editions/${c.editionId}/cashless/card-topups`, undefined, { amount: 1_000, currency: "EUR" })).status, 401);
    const after = await w.db("payment_orders").where({ kind: "topup" }).count<{ count: string }[]>();
    assert.equal(after[0]!.count, before[0]!.count);
  });

  it("a credit the ledger refuses (band blocked after checkout opened) cancels the authorization: nobody charged without credit", async () => {
    const { fan, bandId } = await fanWithBand();
    const res = await topup(fan, { amount: 3_000, currency: "EUR" });
    assert.equal((await h.call("POST", `/api/v1/wristbands/${bandId}/block`, fan)).status, 200);
    await h.pay(res.body.id, res.body.checkoutUrl);
    await h.drain();
    const row = await h.orderRow(res.body.id);
    assert.equal(row.status, "cancelled");
    assert.equal(row.status_reason, "delivery_refused:band_blocked");
    assert.equal((await h.intentOf(res.body.id)).status, "canceled");
    assert.equal((await credits(res.body.id)).length, 0);
    assert.equal(await balance(fan, bandId), 0);
  });

  it("refunds the unspent part to the card, exactly once, never more than the unspent balance nor the top-up", async () => {
    const { fan, tagId, bandId } = await fanWithBand();
    const t = await paidTopup(fan, 5_000);
    // spend 1_200 at a stand
    const spent = await terminalPay(w.api, c, { transferId: randomUUID(), tagId, amount: 1_200, currency: "EUR" });
    assert.equal(spent.status, 201, JSON.stringify(spent.body));
    const refund = await h.call("POST", `/api/v1/cashless/card-topups/${t.id}/refund`, fan);
    assert.equal(refund.status, 202, JSON.stringify(refund.body));
    assert.equal(refund.body.amount, 3_800);
    assert.equal(await balance(fan, bandId), 0, "the ledger side is booked with the request");
    const again = await h.call("POST", `/api/v1/cashless/card-topups/${t.id}/refund`, fan);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, "already_refunded");
    await h.drain();
    assert.equal((await h.orderRow(t.id)).status, "refunded");
    const intent = await h.intentOf(t.id);
    assert.equal(intent.status, "refunded");
    assert.equal(Number(intent.refunded_amount), 3_800);
    assert.equal((await h.call("POST", `/api/v1/cashless/card-topups/${t.id}/refund`, fan)).status, 409);
    // someone else's refund request: 404
    assert.equal((await h.call("POST", `/api/v1/cashless/card-topups/${t.id}/refund`, await createTestUser(w.db))).status, 404);

    // a band with cash on it too: a card top-up's refund is at most that top-up
    const second = await fanWithBand();
    const cash = await h.call("POST", `/api/v1/editions/${c.editionId}/topups`, c.cashier, {
      transferId: randomUUID(),
      tagId: second.tagId,
      amount: 2_000,
      method: "cash",
    });
    assert.equal(cash.status, 201, JSON.stringify(cash.body));
    const t2 = await paidTopup(second.fan, 1_000);
    const r2 = await h.call("POST", `/api/v1/cashless/card-topups/${t2.id}/refund`, second.fan);
    assert.equal(r2.body.amount, 1_000);
    await h.drain();
    assert.equal(await balance(second.fan, second.bandId), 2_000);

    // spent entirely: nothing to refund, nothing changes
    const third = await fanWithBand();
    const t3 = await paidTopup(third.fan, 500);
    await terminalPay(w.api, c, { transferId: randomUUID(), tagId: third.tagId, amount: 500, currency: "EUR" });
    const r3 = await h.call("POST", `/api/v1/cashless/card-topups/${t3.id}/refund`, third.fan);
    assert.equal(r3.status, 422);
    assert.equal(r3.body.code, "nothing_unspent");
    assert.equal((await h.orderRow(t3.id)).status, "completed");
    // not captured yet: not refundable
    const open = await topup(third.fan, { amount: 500, currency: "EUR" });
    assert.equal((await h.call("POST", `/api/v1/cashless/card-topups/${open.body.id}/refund`, third.fan)).body.code, "not_refundable");
    assert.deepEqual(await ledgerDifferences(w.db), []);
  });
});
