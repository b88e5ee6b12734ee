import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { Payment, type PaymentOrder } from "./models.js";
import type { PaymentProvider } from "./provider.js";

/**
 * Opens the provider's payment for an order already stored (card orders, top-ups, resales
 * alike), outside any lock: the provider's call is slow, and an order left without a payment
 * just expires (PaymentsService.expireWithoutPayment). Its webhooks find the order through the
 * stored payment (uq_payments_provider_payment).
 */
export async function openPayment(
  db: Knex,
  provider: PaymentProvider,
  ctx: AuditContext,
  order: PaymentOrder,
  description: string,
  festivalId: string | null,
): Promise<Payment> {
  const created = await provider.create({ orderId: order.id, amount: Number(order.amount), currency: order.currency.trim(), description });
  return db.transaction(async (trx) => {
    const row = await Payment.query(trx)
      .insert({
        id: newId(),
        order_id: order.id,
        provider: provider.name,
        provider_payment_id: created.id,
        amount: order.amount,
        currency: order.currency,
        status: "pending",
        provider_status: created.status,
        client_secret: created.clientSecret,
        checkout_url: created.checkoutUrl,
        created_by: ctx.actorUserId,
        updated_by: ctx.actorUserId,
      })
      .returning("*");
    await recordAudit(trx, ctx, {
      action: "payment.created",
      entityType: "payment",
      entityId: row.id,
      festivalId,
      after: { orderId: order.id, kind: order.kind, provider: provider.name, providerPaymentId: created.id, amount: order.amount, currency: order.currency },
    });
    return row;
  });
}
