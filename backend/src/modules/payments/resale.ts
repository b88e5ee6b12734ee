import type { Knex } from "knex";
import type { Config } from "../../../../lib/config.js";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { recordAudit, systemAuditContext } from "../audit/service.js";
import { openPayment } from "./checkout.js";
import { DeliveryRefused, type Fulfilment } from "./fulfilment.js";
import type { HoldingSeal } from "./holdings.js";
import { Payment, PaymentOrder, PaymentTicket, TransferOffer } from "./models.js";
import type { PaymentProvider } from "./provider.js";

/**
 * A priced transfer offer (custody.ts makes it, capped at the on-chain resale cap) is paid by
 * card by its recipient on the card orders' path: accepting it opens an order of kind
 * "resale" (payment_resales names the offer, ticket and seller) and the offer waits
 * (awaiting_payment: neither party can withdraw or decline, the ticket cannot be claimed or
 * offered again). On the authorized payment the machine delivers: in one transaction the
 * ticket becomes the buyer's, the offer accepted and what the seller is owed recorded
 * (payment_seller_credits: no payout runs exist yet); then the card is captured. A ticket
 * that can no longer move (refunded, voided) refuses delivery: the authorization is cancelled
 * and the offer with it. A payment that lapses (reservation expired, cancelled) puts the offer
 * back to pending.
 */
export class ResaleService {
  constructor(
    private readonly db: Knex,
    private readonly config: Config,
    private readonly seal: HoldingSeal,
    private readonly provider: () => PaymentProvider,
  ) {}

  /** The recipient accepts a priced offer: its card payment opens (again: the same one while it is open). */
  async accept(principal: Principal, ctx: AuditContext, offerId: string, recipientEmail: string) {
    const provider = this.provider();
    const started = await this.db.transaction(async (trx) => {
      const offer = await TransferOffer.query(trx).findById(offerId).forUpdate();
      if (!offer || offer.to_email !== recipientEmail) throw new HttpError(404, "offer_not_found", `offer ${offerId} not found`);
      if (offer.status === "awaiting_payment") {
        const open = await trx("payment_resales as r")
          .join("payment_orders as o", "o.id", "r.order_id")
          .where({ "r.offer_id": offerId, "o.user_id": principal.userId, "o.status": "reserved" })
          .first("o.*");
        if (!open) throw new HttpError(409, "payment_pending", "this offer's card payment is being settled");
        return { offer, order: PaymentOrder.fromDatabaseJson(open), fresh: false };
      }
      if (offer.status !== "pending") throw new HttpError(409, "offer_decided", `the offer is ${offer.status}`);
      const ticket = await PaymentTicket.query(trx).findById(offer.ticket_id).forUpdate();
      if (!ticket || ticket.status !== "custody" || ticket.user_id !== offer.from_user_id)
        throw new HttpError(409, "ticket_changed", "the ticket is no longer the sender's custodial ticket");
      if (!this.sealed(ticket)) throw new HttpError(409, "holding_unverified", `ticket ${ticket.token_id}'s holder record does not verify: ask support`);
      const id = newId();
      const order = await PaymentOrder.query(trx)
        .insert({
          id,
          kind: "resale",
          user_id: principal.userId,
          quantity: 1,
          unit_amount: offer.price,
          amount: offer.price,
          currency: offer.currency,
          status: "reserved",
          expires_at: new Date(Date.now() + this.config.payments.reservationSeconds * 1000),
          created_by: ctx.actorUserId,
          updated_by: ctx.actorUserId,
        } as Partial<PaymentOrder>)
        .returning("*");
      await trx("payment_resales").insert({ order_id: id, offer_id: offer.id, ticket_id: ticket.id, seller_user_id: offer.from_user_id });
      const after = await TransferOffer.query(trx)
        .findById(offer.id)
        .patch({ status: "awaiting_payment", to_user_id: principal.userId, updated_by: ctx.actorUserId })
        .returning("*")
        .first();
      await recordAudit(trx, ctx, {
        action: "payment_order.reserved",
        entityType: "payment_order",
        entityId: id,
        after: { kind: "resale", offerId: offer.id, ticketId: ticket.id, amount: offer.price, currency: offer.currency },
      });
      await recordAudit(trx, ctx, {
        action: "transfer_offer.awaiting_payment",
        entityType: "transfer_offer",
        entityId: offer.id,
        before: { status: "pending" },
        after: { status: "awaiting_payment", orderId: id },
      });
      return { offer: after!, order, fresh: true };
    });
    const payment =
      (!started.fresh && (await Payment.query(this.db).findOne({ order_id: started.order.id }))) ||
      (await openPayment(this.db, provider, ctx, started.order, "Ticket resale", null));
    return { offer: started.offer, orderId: started.order.id, checkoutUrl: payment.checkout_url, clientSecret: payment.client_secret };
  }

  /** Per offer: the open payment's checkout (for its recipient) and what its seller is owed. */
  async details(offerIds: string[]) {
    const out = new Map<string, { orderId: string; checkoutUrl: string | null; clientSecret: string | null; orderStatus: string; buyerId: string }>();
    const credits = new Map<string, { amount: number; currency: string; status: "owed" | "paid" }>();
    if (offerIds.length === 0) return { payments: out, credits };
    const rows = await this.db("payment_resales as r")
      .join("payment_orders as o", "o.id", "r.order_id")
      .leftJoin("payments as p", "p.order_id", "o.id")
      .whereIn("r.offer_id", offerIds)
      .whereIn("o.status", ["reserved", "authorized", "delivered", "completed"])
      .select("r.offer_id", "o.id as order_id", "o.status", "o.user_id", "p.checkout_url", "p.client_secret");
    for (const r of rows)
      out.set(r.offer_id, { orderId: r.order_id, checkoutUrl: r.checkout_url, clientSecret: r.client_secret, orderStatus: r.status, buyerId: r.user_id });
    for (const c of await this.db("payment_seller_credits").whereIn("offer_id", offerIds))
      credits.set(c.offer_id, { amount: Number(c.amount), currency: String(c.currency).trim(), status: c.status });
    return { payments: out, credits };
  }

  private sealed(t: PaymentTicket): boolean {
    return this.seal.valid({ ...t, chain_id: String(t.chain_id), token_id: String(t.token_id) });
  }

  /** The machine's delivery of a resale, and its release when the payment lapses. */
  fulfilment(): Fulfilment {
    return {
      deliver: async (trx, order) => {
        const r = await trx("payment_resales").where({ order_id: order.id }).first();
        const offer = await TransferOffer.query(trx).findById(r.offer_id).forUpdate();
        if (!offer || offer.status !== "awaiting_payment") throw new DeliveryRefused("offer_changed");
        const ticket = await PaymentTicket.query(trx).findById(r.ticket_id).forUpdate();
        if (!ticket || ticket.status !== "custody" || ticket.user_id !== r.seller_user_id) throw new DeliveryRefused("ticket_changed");
        if (!this.sealed(ticket)) throw new DeliveryRefused("holding_unverified");
        const ctx = systemAuditContext();
        const holderMac = this.seal.seal({ ...ticket, chain_id: String(ticket.chain_id), token_id: String(ticket.token_id), user_id: order.user_id });
        await PaymentTicket.query(trx).findById(ticket.id).patch({ user_id: order.user_id, holder_mac: holderMac, updated_by: order.user_id });
        await TransferOffer.query(trx).findById(offer.id).patch({ status: "accepted", decided_at: new Date(), updated_by: order.user_id });
        const creditId = newId();
        await trx("payment_seller_credits").insert({
          id: creditId,
          order_id: order.id,
          offer_id: offer.id,
          seller_user_id: r.seller_user_id,
          amount: order.amount,
          currency: order.currency,
          created_by: order.user_id,
          updated_by: order.user_id,
        });
        await recordAudit(trx, ctx, {
          action: "payment_ticket.transferred",
          entityType: "payment_ticket",
          entityId: ticket.id,
          before: { userId: r.seller_user_id },
          after: { userId: order.user_id, offerId: offer.id, orderId: order.id },
        });
        await recordAudit(trx, ctx, {
          action: "transfer_offer.accepted",
          entityType: "transfer_offer",
          entityId: offer.id,
          before: { status: "awaiting_payment" },
          after: { status: "accepted", orderId: order.id, sellerCreditId: creditId, owed: order.amount, currency: order.currency },
        });
        return { offerId: offer.id, ticketId: ticket.id, sellerCreditId: creditId };
      },
      released: async (trx, order, to) => {
        const r = await trx("payment_resales").where({ order_id: order.id }).first();
        if (!r) return;
        const offer = await TransferOffer.query(trx).findById(r.offer_id).forUpdate();
        if (!offer || offer.status !== "awaiting_payment") return;
        const ticket = await PaymentTicket.query(trx).findById(r.ticket_id);
        const movable = !!ticket && ticket.status === "custody" && ticket.user_id === r.seller_user_id;
        const status = movable ? "pending" : "cancelled";
        await TransferOffer.query(trx)
          .findById(offer.id)
          .patch({ status, decided_at: movable ? null : new Date() });
        await recordAudit(trx, systemAuditContext(), {
          action: `transfer_offer.${movable ? "reopened" : "cancelled"}`,
          entityType: "transfer_offer",
          entityId: offer.id,
          before: { status: "awaiting_payment" },
          after: { status, orderId: order.id, order: to },
        });
      },
    };
  }
}
