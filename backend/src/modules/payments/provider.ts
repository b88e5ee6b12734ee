import Stripe from "stripe";

/**
 * A card payment provider, as the order state machine (machine.ts) needs it. Two adapters:
 * Stripe (stripe-provider.ts, the official SDK) and the built-in test mode (test-provider.ts),
 * which keeps its intents in Postgres and signs its webhooks with Stripe's scheme, so one
 * verifier (`verifyStripeSignature`) and one webhook route serve both.
 *
 * Every call that moves money is idempotent on the provider's side: capture and cancel of a
 * payment already captured or cancelled report its state instead of failing, and a refund
 * carries the order's idempotency key, so a retried job cannot refund twice.
 */
export type ProviderName = "stripe" | "test";

/** A payment's state at the provider, normalized (Stripe's PaymentIntent statuses, folded). */
export type ProviderStatus = "requires_payment" | "requires_action" | "authorized" | "captured" | "canceled" | "refunded";

export interface ProviderPayment {
  id: string;
  status: ProviderStatus;
  amount: number;
  currency: string;
  /** Why the last attempt failed (a declined card), if it did. */
  lastError: string | null;
}

export interface CreatedPayment extends ProviderPayment {
  clientSecret: string | null;
  /** Where the fan pays: the test provider's hosted page; null for Stripe (the client confirms with Stripe.js). */
  checkoutUrl: string | null;
}

/** What a verified webhook says, whatever the provider. */
export interface ProviderEvent {
  id: string;
  type: string;
  paymentId: string | null;
  amount: number | null;
  currency: string | null;
  payload: unknown;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  create(input: { orderId: string; amount: number; currency: string; description: string }): Promise<CreatedPayment>;
  retrieve(paymentId: string): Promise<ProviderPayment>;
  capture(paymentId: string, idempotencyKey: string): Promise<ProviderPayment>;
  cancel(paymentId: string, idempotencyKey: string): Promise<ProviderPayment>;
  /** Refunds `amount` minor units (a part: a top-up's unspent balance), or all of it when omitted. */
  refund(paymentId: string, idempotencyKey: string, amount?: number): Promise<{ refundId: string; payment: ProviderPayment }>;
  /** Verifies a webhook on its raw body; throws WebhookSignatureError. */
  verify(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ProviderEvent;
}

export class WebhookSignatureError extends Error {}

/** Signatures older than this (or from the future by as much) are refused: a replayed capture of an old delivery. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Stripe's scheme (`Stripe-Signature: t=..,v1=..`, HMAC-SHA256 of "t.body"), checked by the SDK on the raw body. */
export function verifyStripeSignature(rawBody: Buffer, header: string | string[] | undefined, secret: string, now?: number): Stripe.Event {
  if (typeof header !== "string" || header.length === 0 || header.length > 2000) throw new WebhookSignatureError("missing Stripe-Signature header");
  try {
    return Stripe.webhooks.constructEvent(rawBody, header, secret, WEBHOOK_TOLERANCE_SECONDS, undefined, now);
  } catch (error) {
    throw new WebhookSignatureError(error instanceof Error ? error.message : "invalid signature");
  }
}

/** The payment a Stripe-shaped event is about (a PaymentIntent, or a charge/refund naming one). */
export function eventFromStripe(event: Stripe.Event): ProviderEvent {
  const object = event.data?.object as unknown as Record<string, unknown> | undefined;
  let paymentId: string | null = null;
  if (object?.object === "payment_intent" && typeof object.id === "string") paymentId = object.id;
  else if (typeof object?.payment_intent === "string") paymentId = object.payment_intent;
  const isIntent = object?.object === "payment_intent";
  return {
    id: event.id,
    type: event.type,
    paymentId,
    amount: isIntent && typeof object?.amount === "number" ? object.amount : null,
    currency: isIntent && typeof object?.currency === "string" ? object.currency.toUpperCase() : null,
    payload: event,
  };
}

/** Stripe's PaymentIntent status (and refund state) as a ProviderStatus. */
export function statusFromStripe(status: string, refunded = false): ProviderStatus {
  if (refunded) return "refunded";
  switch (status) {
    case "requires_capture":
      return "authorized";
    case "succeeded":
      return "captured";
    case "canceled":
      return "canceled";
    case "requires_action":
    case "processing":
      return "requires_action";
    default:
      return "requires_payment";
  }
}
