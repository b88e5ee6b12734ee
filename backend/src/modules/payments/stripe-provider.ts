import Stripe from "stripe";
import { eventFromStripe, statusFromStripe, verifyStripeSignature, type PaymentProvider, type ProviderPayment } from "./provider.js";

/**
 * Stripe: PaymentIntents with manual capture (authorize now, capture once the ticket is
 * minted, cancel if it is not), refunds, and webhook signatures checked by the SDK's
 * `constructEvent` on the raw body with a 5-minute tolerance. Every write carries an
 * idempotency key derived from the order, so a retried job repeats nothing at Stripe.
 */
export class StripeProvider implements PaymentProvider {
  readonly name = "stripe" as const;
  private readonly stripe: Stripe;

  constructor(
    secretKey: string,
    private readonly webhookSecret: string,
    options: ConstructorParameters<typeof Stripe>[1] = {},
  ) {
    this.stripe = new Stripe(secretKey, { maxNetworkRetries: 2, timeout: 10_000, ...options });
  }

  async create(input: { orderId: string; amount: number; currency: string; description: string }) {
    const intent = await this.stripe.paymentIntents.create(
      {
        amount: input.amount,
        currency: input.currency.toLowerCase(),
        capture_method: "manual",
        description: input.description,
        metadata: { orderId: input.orderId },
        automatic_payment_methods: { enabled: true },
      },
      { idempotencyKey: `order-${input.orderId}` },
    );
    return { ...view(intent), clientSecret: intent.client_secret, checkoutUrl: null };
  }

  async retrieve(paymentId: string) {
    const intent = await this.stripe.paymentIntents.retrieve(paymentId, { expand: ["latest_charge"] });
    return view(intent);
  }

  async capture(paymentId: string, idempotencyKey: string) {
    const current = await this.retrieve(paymentId);
    if (current.status !== "authorized") return current;
    return view(await this.stripe.paymentIntents.capture(paymentId, {}, { idempotencyKey }));
  }

  async cancel(paymentId: string, idempotencyKey: string) {
    const current = await this.retrieve(paymentId);
    if (current.status === "canceled" || current.status === "captured" || current.status === "refunded") return current;
    return view(await this.stripe.paymentIntents.cancel(paymentId, {}, { idempotencyKey }));
  }

  async refund(paymentId: string, idempotencyKey: string, amount?: number) {
    const refund = await this.stripe.refunds.create(amount === undefined ? { payment_intent: paymentId } : { payment_intent: paymentId, amount }, {
      idempotencyKey,
    });
    return { refundId: refund.id, payment: { ...(await this.retrieve(paymentId)), status: "refunded" as const } };
  }

  verify(rawBody: Buffer, headers: Record<string, string | string[] | undefined>) {
    return eventFromStripe(verifyStripeSignature(rawBody, headers["stripe-signature"], this.webhookSecret));
  }
}

function view(intent: Stripe.PaymentIntent): ProviderPayment {
  const charge = typeof intent.latest_charge === "object" && intent.latest_charge ? intent.latest_charge : null;
  return {
    id: intent.id,
    status: statusFromStripe(intent.status, charge?.refunded === true),
    amount: intent.amount,
    currency: intent.currency.toUpperCase(),
    lastError: intent.last_payment_error?.message ?? null,
  };
}
