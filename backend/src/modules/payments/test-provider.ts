import { randomBytes } from "node:crypto";
import type { Knex } from "knex";
import Stripe from "stripe";
import { eventFromStripe, statusFromStripe, verifyStripeSignature, type PaymentProvider, type ProviderPayment } from "./provider.js";

/**
 * The built-in test-mode provider (`npm start` offline; NODE_ENV=production never builds it,
 * see createPaymentProvider). It behaves like a Stripe PaymentIntent with manual capture:
 * its intents live in payment_test_intents, a hosted checkout page on the API (routes.ts)
 * takes a test card number, and every change is announced by a webhook of Stripe's shape,
 * signed with Stripe's scheme (the SDK's own signer), POSTed to the same webhook endpoint.
 *
 * Test cards (Stripe's numbers): 4242 4242 4242 4242 authorizes; 4000 0000 0000 0002 is
 * declined; 4000 0000 0000 3220 needs 3-D Secure (pending until the page's "authenticate"
 * step, which may also fail).
 */
export const TEST_CARDS = { success: "4242424242424242", decline: "4000000000000002", threeDSecure: "4000000000003220" } as const;

type IntentStatus = "requires_payment_method" | "requires_action" | "requires_capture" | "succeeded" | "canceled" | "refunded";

interface IntentRow {
  id: string;
  amount: string;
  currency: string;
  status: IntentStatus;
  last_error: string | null;
  refunded_amount?: string | number;
  metadata: Record<string, string>;
}

/** Sends one signed webhook (the route's raw body and its Stripe-Signature header). */
export type WebhookSender = (rawBody: string, signature: string) => Promise<void>;

export class TestPaymentProvider implements PaymentProvider {
  readonly name = "test" as const;
  /** Where webhooks go; the API sets it (its own /api/v1/payments/webhooks/test). */
  sender: WebhookSender | undefined;

  constructor(
    private readonly db: Knex,
    private readonly webhookSecret: string,
    private readonly checkoutBase = "/api/v1/payments/test-checkout",
  ) {}

  async create(input: { orderId: string; amount: number; currency: string; description: string }) {
    const id = `tpi_${randomBytes(12).toString("hex")}`;
    await this.db("payment_test_intents").insert({
      id,
      amount: input.amount,
      currency: input.currency,
      status: "requires_payment_method",
      metadata: JSON.stringify({ orderId: input.orderId }),
    });
    return {
      id,
      status: "requires_payment" as const,
      amount: input.amount,
      currency: input.currency,
      lastError: null,
      clientSecret: `${id}_secret_${randomBytes(8).toString("hex")}`,
      checkoutUrl: `${this.checkoutBase}/${id}`,
    };
  }

  async retrieve(paymentId: string): Promise<ProviderPayment> {
    const row = await this.db<IntentRow>("payment_test_intents").where({ id: paymentId }).first();
    if (!row) throw new Error(`no test payment ${paymentId}`);
    return view(row);
  }

  /** The hosted page's form: a test card number. Returns the intent after the attempt. */
  async confirm(paymentId: string, cardNumber: string): Promise<ProviderPayment> {
    const card = cardNumber.replace(/[\s-]/g, "");
    const outcome: { status: IntentStatus; error: string | null; event: string } =
      card === TEST_CARDS.success
        ? { status: "requires_capture", error: null, event: "payment_intent.amount_capturable_updated" }
        : card === TEST_CARDS.threeDSecure
          ? { status: "requires_action", error: null, event: "payment_intent.requires_action" }
          : {
              status: "requires_payment_method",
              error: card === TEST_CARDS.decline ? "Your card was declined." : "Unknown test card.",
              event: "payment_intent.payment_failed",
            };
    return this.move(paymentId, ["requires_payment_method"], outcome);
  }

  /** The 3-D Secure step of the hosted page: the fan approves (or fails) the challenge. */
  async authenticate(paymentId: string, approve: boolean): Promise<ProviderPayment> {
    return this.move(
      paymentId,
      ["requires_action"],
      approve
        ? { status: "requires_capture", error: null, event: "payment_intent.amount_capturable_updated" }
        : { status: "requires_payment_method", error: "3-D Secure authentication failed.", event: "payment_intent.payment_failed" },
    );
  }

  async capture(paymentId: string): Promise<ProviderPayment> {
    return this.move(paymentId, ["requires_capture"], { status: "succeeded", error: null, event: "payment_intent.succeeded" });
  }

  async cancel(paymentId: string): Promise<ProviderPayment> {
    return this.move(paymentId, ["requires_payment_method", "requires_action", "requires_capture"], {
      status: "canceled",
      error: null,
      event: "payment_intent.canceled",
    });
  }

  /** One refund per payment here (the callers refund once); a part of it is recorded in refunded_amount. */
  async refund(paymentId: string, idempotencyKey: string, amount?: number) {
    const before = await this.retrieve(paymentId);
    if (before.status !== "captured" && before.status !== "refunded") throw new Error(`test payment ${paymentId} is ${before.status}: nothing to refund`);
    if (amount !== undefined && (amount <= 0 || amount > before.amount))
      throw new Error(`test payment ${paymentId}: cannot refund ${amount} of ${before.amount}`);
    const payment = await this.move(paymentId, ["succeeded"], { status: "refunded", error: null, event: "charge.refunded", refunded: amount ?? before.amount });
    return { refundId: `tre_${idempotencyKey}`, payment };
  }

  verify(rawBody: Buffer, headers: Record<string, string | string[] | undefined>) {
    return eventFromStripe(verifyStripeSignature(rawBody, headers["stripe-signature"], this.webhookSecret));
  }

  /** A Stripe-shaped event about `row`, signed as Stripe signs (for the sender and for tests). */
  signedEvent(type: string, row: ProviderPayment & { metadata?: Record<string, string> }, opts: { id?: string; timestamp?: number } = {}) {
    const charge = type === "charge.refunded";
    const object = charge
      ? { id: `ch_${row.id}`, object: "charge", payment_intent: row.id, amount: row.amount, currency: row.currency.toLowerCase(), refunded: true }
      : {
          id: row.id,
          object: "payment_intent",
          amount: row.amount,
          currency: row.currency.toLowerCase(),
          status: stripeStatus(row.status),
          capture_method: "manual",
          metadata: row.metadata ?? {},
          last_payment_error: row.lastError ? { message: row.lastError } : null,
        };
    const event = {
      id: opts.id ?? `evt_${randomBytes(12).toString("hex")}`,
      object: "event",
      api_version: "2025-01-27.acacia",
      created: opts.timestamp ?? Math.floor(Date.now() / 1000),
      livemode: false,
      type,
      data: { object },
    };
    const rawBody = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: rawBody, secret: this.webhookSecret, timestamp: opts.timestamp });
    return { event, rawBody, signature };
  }

  private async move(
    paymentId: string,
    from: IntentStatus[],
    to: { status: IntentStatus; error: string | null; event: string; refunded?: number },
  ): Promise<ProviderPayment> {
    const [row] = await this.db<IntentRow>("payment_test_intents")
      .where({ id: paymentId })
      .whereIn("status", from)
      .update({ status: to.status, last_error: to.error, ...(to.refunded !== undefined ? { refunded_amount: to.refunded } : {}) })
      .returning("*");
    if (!row) return this.retrieve(paymentId); // already moved on: report where it is (capture/cancel are idempotent)
    const payment = view(row);
    const { rawBody, signature } = this.signedEvent(to.event, { ...payment, metadata: row.metadata });
    // the webhook goes out after the change, like the provider's; a lost delivery is the recovery sweep's to make up
    if (this.sender) void this.sender(rawBody, signature).catch(() => {});
    return payment;
  }
}

function view(row: IntentRow): ProviderPayment {
  return {
    id: row.id,
    status: row.status === "refunded" ? "refunded" : statusFromStripe(row.status),
    amount: Number(row.amount),
    currency: row.currency.trim(),
    lastError: row.last_error,
  };
}

function stripeStatus(status: ProviderPayment["status"]): string {
  return {
    requires_payment: "requires_payment_method",
    requires_action: "requires_action",
    authorized: "requires_capture",
    captured: "succeeded",
    canceled: "canceled",
    refunded: "succeeded",
  }[status];
}
