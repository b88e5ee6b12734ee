import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { StripeProvider } from "../../../backend/src/modules/payments/stripe-provider.js";

/**
 * The Stripe adapter's requests, through the real SDK, to a stand-in for api.stripe.com on
 * 127.0.0.1 (Stripe itself cannot be reached here): what it asks for (manual capture, the
 * order's idempotency keys) and how it reads the answers. It keeps each PaymentIntent's status.
 */
interface Seen {
  method: string;
  path: string;
  body: URLSearchParams;
  idempotencyKey: string | undefined;
}

describe("payments: the Stripe adapter's PaymentIntent calls (real SDK, local stand-in for the API)", () => {
  let server: Server;
  let stripe: StripeProvider;
  const seen: Seen[] = [];
  const intents = new Map<string, { id: string; amount: number; currency: string; status: string; refunded: boolean }>();

  before(async () => {
    server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        const url = new URL(req.url!, "http://x");
        const body = new URLSearchParams(raw);
        seen.push({ method: req.method!, path: url.pathname, body, idempotencyKey: req.headers["idempotency-key"] as string | undefined });
        const send = (status: number, obj: unknown) => {
          res.writeHead(status, { "content-type": "application/json", "request-id": "req_test" });
          res.end(JSON.stringify(obj));
        };
        const view = (i: { id: string; amount: number; currency: string; status: string; refunded: boolean }) => ({
          id: i.id,
          object: "payment_intent",
          amount: i.amount,
          currency: i.currency,
          status: i.status,
          client_secret: `${i.id}_secret_x`,
          capture_method: "manual",
          last_payment_error: null,
          latest_charge: { id: `ch_${i.id}`, object: "charge", refunded: i.refunded },
        });
        let m: RegExpMatchArray | null;
        if (req.method === "POST" && url.pathname === "/v1/payment_intents") {
          const id = `pi_${intents.size + 1}`;
          const intent = { id, amount: Number(body.get("amount")), currency: body.get("currency")!, status: "requires_payment_method", refunded: false };
          intents.set(id, intent);
          return send(200, view(intent));
        }
        if ((m = url.pathname.match(/^\/v1\/payment_intents\/(pi_\d+)(\/(capture|cancel))?$/))) {
          const intent = intents.get(m[1]!);
          if (!intent) return send(404, { error: { type: "invalid_request_error", message: "No such payment_intent" } });
          if (m[3] === "capture") intent.status = "succeeded";
          if (m[3] === "cancel") intent.status = "canceled";
          return send(200, view(intent));
        }
        if (req.method === "POST" && url.pathname === "/v1/refunds") {
          const intent = intents.get(body.get("payment_intent")!)!;
          intent.refunded = true;
          return send(200, { id: "re_1", object: "refund", payment_intent: intent.id, amount: intent.amount, status: "succeeded" });
        }
        send(404, { error: { type: "invalid_request_error", message: `unexpected ${req.method} ${url.pathname}` } });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    stripe = new StripeProvider("sk_test_local", "whsec_x", { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0 });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("creates a manual-capture PaymentIntent keyed by the order, captures, cancels and refunds with the order's keys", async () => {
    const created = await stripe.create({ orderId: "o1", amount: 4500, currency: "EUR", description: "2 tickets" });
    assert.equal(created.status, "requires_payment");
    assert.equal(created.clientSecret, "pi_1_secret_x");
    assert.equal(created.checkoutUrl, null);
    const create = seen.find((s) => s.path === "/v1/payment_intents")!;
    assert.equal(create.body.get("capture_method"), "manual");
    assert.equal(create.body.get("amount"), "4500");
    assert.equal(create.body.get("currency"), "eur");
    assert.equal(create.body.get("metadata[orderId]"), "o1");
    assert.equal(create.idempotencyKey, "order-o1");

    // the fan pays (Stripe.js): authorized
    intents.get("pi_1")!.status = "requires_capture";
    assert.equal((await stripe.retrieve("pi_1")).status, "authorized");
    const captured = await stripe.capture("pi_1", "capture-o1");
    assert.equal(captured.status, "captured");
    assert.equal(seen.find((s) => s.path === "/v1/payment_intents/pi_1/capture")!.idempotencyKey, "capture-o1");
    // capture again: reported, not repeated
    const before = seen.length;
    assert.equal((await stripe.capture("pi_1", "capture-o1")).status, "captured");
    assert.equal(seen.slice(before).filter((s) => s.path.endsWith("/capture")).length, 0);

    const refunded = await stripe.refund("pi_1", "refund-o1");
    assert.equal(refunded.refundId, "re_1");
    assert.equal(refunded.payment.status, "refunded");
    const refund = seen.find((s) => s.path === "/v1/refunds")!;
    assert.equal(refund.body.get("payment_intent"), "pi_1");
    assert.equal(refund.idempotencyKey, "refund-o1");
    assert.equal((await stripe.retrieve("pi_1")).status, "refunded");

    // a second order, cancelled before capture (a failed mint)
    await stripe.create({ orderId: "o2", amount: 4500, currency: "EUR", description: "1 ticket" });
    intents.get("pi_2")!.status = "requires_capture";
    assert.equal((await stripe.cancel("pi_2", "cancel-o2")).status, "canceled");
    assert.equal(seen.find((s) => s.path === "/v1/payment_intents/pi_2/cancel")!.idempotencyKey, "cancel-o2");
    // cancelling a captured payment is not attempted
    const n = seen.length;
    assert.equal((await stripe.cancel("pi_1", "cancel-o1")).status, "refunded");
    assert.equal(seen.slice(n).filter((s) => s.path.endsWith("/cancel")).length, 0);
  });
});
