import type { Knex } from "knex";
import type { Config } from "../../../../lib/config.js";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { recordAudit, systemAuditContext } from "../audit/service.js";
import { cardTopupTarget, creditCardTopup, refundCardTopup, type CardTopupRequest } from "../cashless/card-topups.js";
import { openPayment } from "./checkout.js";
import { DeliveryRefused, type Fulfilment } from "./fulfilment.js";
import { Payment, PaymentOrder } from "./models.js";
import type { PaymentProvider } from "./provider.js";
import { ADVANCE_TASK } from "./service.js";

/**
 * A fan tops up their own cashless band by card, on the card orders' path: an order of kind
 * "topup" (payment_topups says which band), the provider's hosted checkout, the same webhook
 * queue and state machine; delivery is the cashless module's credit (creditCardTopup), booked
 * in the transaction of the authorized -> delivered step, then the card is captured. A credit
 * the ledger refuses (band blocked meanwhile, over the cap) cancels the authorization.
 *
 * Refund: the unspent part of the top-up (never more than the band's refundable balance)
 * goes back to the card, exactly once: the ledger's refund transfer and completed -> refunding
 * are one transaction under the order's lock; the job then refunds that amount by card.
 */
export class TopupService {
  constructor(
    private readonly db: Knex,
    private readonly config: Config,
    private readonly provider: () => PaymentProvider,
  ) {}

  async create(principal: Principal, ctx: AuditContext, editionId: string, input: CardTopupRequest) {
    const provider = this.provider();
    const target = await cardTopupTarget(this.db, principal, editionId, input);
    const order = await this.db.transaction(async (trx) => {
      const id = newId();
      const row = await PaymentOrder.query(trx)
        .insert({
          id,
          kind: "topup",
          user_id: principal.userId,
          quantity: 1,
          unit_amount: String(input.amount),
          amount: String(input.amount),
          currency: target.currency,
          status: "reserved",
          expires_at: new Date(Date.now() + this.config.payments.reservationSeconds * 1000),
          created_by: ctx.actorUserId,
          updated_by: ctx.actorUserId,
        } as Partial<PaymentOrder>)
        .returning("*");
      await trx("payment_topups").insert({ order_id: id, edition_id: editionId, wristband_id: target.wristbandId });
      await recordAudit(trx, ctx, {
        action: "payment_order.reserved",
        entityType: "payment_order",
        entityId: id,
        festivalId: target.festivalId,
        after: { kind: "topup", editionId, wristbandId: target.wristbandId, amount: input.amount, currency: target.currency },
      });
      return row;
    });
    const payment = await openPayment(this.db, provider, ctx, order, "Cashless top-up", target.festivalId);
    return topupView(order, { edition_id: editionId, wristband_id: target.wristbandId }, payment);
  }

  async get(principal: Principal, orderId: string) {
    const order = await PaymentOrder.query(this.db).findById(orderId).where({ kind: "topup" });
    if (!order || order.user_id !== principal.userId) throw new HttpError(404, "topup_not_found", `top-up ${orderId} not found`);
    const topup = await this.db("payment_topups").where({ order_id: orderId }).first();
    return topupView(order, topup, await Payment.query(this.db).findOne({ order_id: orderId }));
  }

  /** The fan asks for the unspent part of a card top-up back to the card. */
  async refund(principal: Principal, ctx: AuditContext, orderId: string) {
    return this.db.transaction(async (trx) => {
      const order = await PaymentOrder.query(trx).findById(orderId).where({ kind: "topup" }).forUpdate();
      if (!order || order.user_id !== principal.userId) throw new HttpError(404, "topup_not_found", `top-up ${orderId} not found`);
      if (order.status === "refunding" || order.status === "refunded") throw new HttpError(409, "already_refunded", "this top-up is refunded already");
      if (order.status !== "completed") throw new HttpError(422, "not_refundable", `a top-up that is ${order.status} has no captured payment to refund`);
      const topup = await trx("payment_topups").where({ order_id: orderId }).first();
      const out = await refundCardTopup(trx, ctx, { editionId: topup.edition_id, wristbandId: topup.wristband_id, max: Number(order.amount), orderId });
      if (out.amount === 0) throw new HttpError(422, "nothing_unspent", "the top-up has been spent: nothing to refund");
      await trx("payment_topups").where({ order_id: orderId }).update({ refund_transfer_id: out.transferId });
      await PaymentOrder.query(trx)
        .findById(orderId)
        .patch({ status: "refunding", refund_amount: String(out.amount), updated_by: ctx.actorUserId });
      await recordAudit(trx, ctx, {
        action: "payment_order.refunding",
        entityType: "payment_order",
        entityId: orderId,
        before: { status: "completed" },
        after: { status: "refunding", refundAmount: out.amount, transferId: out.transferId },
      });
      await trx.raw("select graphile_worker.add_job(?, json_build_object('orderId', ?::text), job_key => ?, max_attempts => 25)", [
        ADVANCE_TASK,
        orderId,
        orderId,
      ]);
      return { orderId, status: "refunding" as const, amount: out.amount, currency: order.currency.trim() };
    });
  }
}

/** The machine's delivery of a top-up: the cashless credit, in the step's transaction. */
export const topupFulfilment: Fulfilment = {
  async deliver(trx, order) {
    const topup = await trx("payment_topups").where({ order_id: order.id }).first();
    try {
      const out = await creditCardTopup(trx, systemAuditContext(), {
        editionId: topup.edition_id,
        wristbandId: topup.wristband_id,
        amount: Number(order.amount),
        currency: order.currency,
        orderId: order.id,
      });
      await trx("payment_topups").where({ order_id: order.id }).update({ credit_transfer_id: out.transferId });
      return { creditTransferId: out.transferId, balanceAfter: out.balanceAfter };
    } catch (error) {
      if (error instanceof HttpError && error.status < 500) throw new DeliveryRefused(error.code);
      throw error;
    }
  },
};

function topupView(order: PaymentOrder, topup: { edition_id: string; wristband_id: string } | undefined, payment: Payment | undefined) {
  return {
    id: order.id,
    editionId: topup?.edition_id ?? null,
    wristbandId: topup?.wristband_id ?? null,
    amount: Number(order.amount),
    currency: order.currency.trim(),
    status: order.status,
    statusReason: order.status_reason,
    refundAmount: order.refund_amount === null ? null : Number(order.refund_amount),
    expiresAt: new Date(order.expires_at).toISOString(),
    checkoutUrl: payment?.checkout_url ?? null,
    clientSecret: payment?.client_secret ?? null,
    paymentStatus: payment?.status ?? null,
    createdAt: new Date(order.created_at).toISOString(),
  };
}
