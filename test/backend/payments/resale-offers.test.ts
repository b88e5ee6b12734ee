import assert from "node:assert/strict";
import { sweepOrders } from "../../../backend/src/modules/payments/jobs.js";
import type { TestPaymentProvider } from "../../../backend/src/modules/payments/test-provider.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { checkoutHelpers } from "./checkout-helpers.js";
import { createFan, OPEN, PRICE, startWorld, type World } from "./world.js";

describe("payments: priced transfer offers are paid by card by the recipient", function () {
  this.timeout(300_000);
  let w: World;
  let h: ReturnType<typeof checkoutHelpers>;

  before(async () => {
    w = await startWorld();
    h = checkoutHelpers(w);
  });
  after(async () => {
    await w?.close();
  });

  /** A seller with `n` custodial tickets (a completed card order). */
  async function seller(n = 1, walletIndex?: number) {
    const { user, address } = await createFan(w.db, walletIndex);
    const res = await h.call("POST", "/api/v1/card-orders", user, { eventContractId: w.eventContractId, tierId: OPEN, quantity: n });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await h.pay(res.body.id, res.body.payment.checkoutUrl);
    await h.drain();
    assert.equal((await h.orderRow(res.body.id)).status, "completed");
    const tickets = await w.db("payment_tickets").where({ order_id: res.body.id }).orderBy("token_id");
    return { user, address, orderId: res.body.id as string, tickets };
  }
  const offer = (user: TestUser, ticketId: string, body: unknown) => h.call("POST", `/api/v1/me/custodial-tickets/${ticketId}/offers`, user, body);
  const decide = (user: TestUser, offerId: string, d: "accept" | "decline" | "withdraw") => h.call("POST", `/api/v1/transfer-offers/${offerId}/${d}`, user);
  const offerRow = (id: string) => w.db("payment_transfer_offers").where({ id }).first();
  const ticketRow = (id: string) => w.db("payment_tickets").where({ id }).first();
  const CAP = Math.floor(PRICE * 1.1);

  it("accept answers awaiting_payment with a checkoutUrl; on the verified webhook the ticket moves once, the card is captured, the seller is owed", async () => {
    const s = await seller(1, 8);
    const t = s.tickets[0]!;
    const buyer = await createTestUser(w.db, { roles: ["fan"] });
    const made = await offer(s.user, t.id, { email: buyer.email, price: CAP });
    assert.equal(made.status, 201, JSON.stringify(made.body));

    const acc = await decide(buyer, made.body.id, "accept");
    assert.equal(acc.status, 200, JSON.stringify(acc.body));
    assert.equal(acc.body.status, "awaiting_payment");
    assert.match(acc.body.checkoutUrl, /^\/api\/v1\/payments\/test-checkout\/tpi_/);
    assert.equal((await ticketRow(t.id)).user_id, s.user.userId, "nothing moves before payment");
    // accepting again gives the same open payment
    const again = await decide(buyer, made.body.id, "accept");
    assert.equal(again.body.checkoutUrl, acc.body.checkoutUrl);
    assert.equal(
      await w
        .db("payment_resales")
        .where({ offer_id: made.body.id })
        .count<{ count: string }[]>()
        .then((r) => Number(r[0]!.count)),
      1,
    );

    // while the payment is open: no withdrawal, no decline, no claim, no second offer
    const withdraw = await decide(s.user, made.body.id, "withdraw");
    assert.equal(withdraw.status, 409);
    assert.equal(withdraw.body.code, "payment_pending");
    assert.equal((await decide(buyer, made.body.id, "decline")).body.code, "payment_pending");
    assert.equal((await offer(s.user, t.id, { email: "someone@example.com" })).body.code, "offer_pending");
    const claim = await h.call("POST", "/api/v1/me/custodial-tickets/claim", s.user, { wallet: s.address });
    assert.equal(claim.status, 409);
    assert.equal(claim.body.code, "offer_pending");
    // the recipient's list shows where to pay
    const listed = await h.call("GET", "/api/v1/me/transfer-offers", buyer);
    assert.equal(listed.body.items.find((o: { id: string }) => o.id === made.body.id).checkoutUrl, acc.body.checkoutUrl);

    await h.pay(acc.body.orderId, acc.body.checkoutUrl);
    await h.drain();
    assert.equal((await h.orderRow(acc.body.orderId)).status, "completed");
    assert.equal((await h.intentOf(acc.body.orderId)).status, "succeeded");
    assert.equal((await offerRow(made.body.id)).status, "accepted");
    assert.equal((await ticketRow(t.id)).user_id, buyer.userId);
    const mine = await h.call("GET", "/api/v1/me/custodial-tickets", buyer);
    assert.deepEqual(
      mine.body.items.map((x: { id: string }) => x.id),
      [t.id],
    );
    // the buyer's gate pass works, the seller's does not
    assert.equal((await h.call("POST", "/api/v1/gate/passes", buyer, { contract: w.ticket, tokenId: t.token_id })).status, 201);
    assert.equal((await h.call("POST", "/api/v1/gate/passes", s.user, { contract: w.ticket, tokenId: t.token_id })).status, 404);
    // a replayed webhook moves nothing again
    const provider = h.p().payments.deps.provider as TestPaymentProvider;
    const intent = await provider.retrieve((await h.intentOf(acc.body.orderId)).id);
    const replay = provider.signedEvent("payment_intent.amount_capturable_updated", { ...intent, status: "authorized" }, { id: "evt_resale_replay" });
    for (let i = 0; i < 3; i++)
      await fetch(`${w.api.base}/api/v1/payments/webhooks/test`, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": replay.signature },
        body: replay.rawBody,
      });
    await h.drain();
    const credits = await w.db("payment_seller_credits").where({ offer_id: made.body.id });
    assert.equal(credits.length, 1);
    assert.equal(Number(credits[0].amount), CAP);
    assert.equal(credits[0].seller_user_id, s.user.userId);
    const transfers = await w.db("audit_log").where({ entity_id: t.id, action: "payment_ticket.transferred" });
    assert.equal(transfers.length, 1);
    // the seller sees what they are owed; the buyer does not
    const sellerView = (await h.call("GET", "/api/v1/me/transfer-offers", s.user)).body.items.find((o: { id: string }) => o.id === made.body.id);
    assert.deepEqual(sellerView.sellerCredit, { amount: CAP, currency: "EUR", status: "owed" });
    assert.equal(sellerView.status, "accepted");
    const buyerView = (await h.call("GET", "/api/v1/me/transfer-offers", buyer)).body.items.find((o: { id: string }) => o.id === made.body.id);
    assert.equal(buyerView.sellerCredit, null);
    assert.equal(buyerView.checkoutUrl, null);
  });

  it("a ticket that can no longer move (refunded meanwhile) cancels the authorization and the offer: nobody charged, nobody credited", async () => {
    const s = await seller();
    const t = s.tickets[0]!;
    const buyer = await createTestUser(w.db, { roles: ["fan"] });
    const made = await offer(s.user, t.id, { email: buyer.email, price: 3_000 });
    const acc = await decide(buyer, made.body.id, "accept");
    assert.equal(acc.body.status, "awaiting_payment");
    // the organizer refunds the seller's card order: the ticket is burned
    assert.equal((await h.call("POST", `/api/v1/card-orders/${s.orderId}/refund`, w.organizer)).status, 202);
    await h.drain();
    assert.equal((await ticketRow(t.id)).status, "voided");
    await h.pay(acc.body.orderId, acc.body.checkoutUrl);
    await h.drain();
    const row = await h.orderRow(acc.body.orderId);
    assert.equal(row.status, "cancelled");
    assert.equal(row.status_reason, "delivery_refused:ticket_changed");
    assert.equal((await h.intentOf(acc.body.orderId)).status, "canceled");
    assert.equal((await offerRow(made.body.id)).status, "cancelled");
    assert.equal((await ticketRow(t.id)).user_id, s.user.userId);
    assert.equal((await w.db("payment_seller_credits").where({ offer_id: made.body.id })).length, 0);
  });

  it("a payment that lapses puts the offer back to pending (then it can be withdrawn); bad prices are refused", async () => {
    const s = await seller(1);
    const t = s.tickets[0]!;
    const buyer = await createTestUser(w.db, { roles: ["fan"] });
    const tooLow = await offer(s.user, t.id, { email: buyer.email, price: 49 });
    assert.equal(tooLow.status, 422);
    assert.equal(tooLow.body.code, "price_below_card_minimum");
    assert.equal((await offer(s.user, t.id, { email: buyer.email, price: CAP + 1 })).body.code, "resale_price_too_high");
    const made = await offer(s.user, t.id, { email: buyer.email, price: 2_500 });
    const stranger = await createTestUser(w.db);
    assert.equal((await decide(stranger, made.body.id, "accept")).status, 404);
    const acc = await decide(buyer, made.body.id, "accept");
    assert.equal(acc.body.status, "awaiting_payment");
    // the reservation runs out without payment
    await w
      .db("payment_orders")
      .where({ id: acc.body.orderId })
      .update({ expires_at: new Date(Date.now() - 1000) });
    await sweepOrders(w.db, h.p().payments);
    await h.drain();
    assert.equal((await h.orderRow(acc.body.orderId)).status, "expired");
    assert.equal((await h.intentOf(acc.body.orderId)).status, "canceled");
    assert.equal((await offerRow(made.body.id)).status, "pending");
    // the late card attempt is refused by the provider (cancelled): nothing moves
    const late = await h.call("POST", `${acc.body.checkoutUrl}/confirm`, undefined, { cardNumber: "4242424242424242" });
    assert.equal(late.body.status, "canceled");
    await h.drain();
    assert.equal((await ticketRow(t.id)).user_id, s.user.userId);
    assert.equal((await decide(s.user, made.body.id, "withdraw")).body.status, "withdrawn");
  });
});
