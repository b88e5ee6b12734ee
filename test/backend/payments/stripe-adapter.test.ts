import assert from "node:assert/strict";
import { Keypair } from "@stellar/stellar-sdk";
import Stripe from "stripe";
import { loadConfig } from "../../../lib/config.js";
import { createPaymentProvider } from "../../../backend/src/modules/payments/setup.js";
import { StripeProvider } from "../../../backend/src/modules/payments/stripe-provider.js";
import { WebhookSignatureError, WEBHOOK_TOLERANCE_SECONDS } from "../../../backend/src/modules/payments/provider.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";

const SECRET = "whsec_test_payments_adapter";

function event(type = "payment_intent.amount_capturable_updated", id = "pi_123") {
  return JSON.stringify({
    id: `evt_${Math.random().toString(36).slice(2)}`,
    object: "event",
    type,
    created: Math.floor(Date.now() / 1000),
    data: { object: { id, object: "payment_intent", amount: 4500, currency: "eur", status: "requires_capture" } },
  });
}

describe("payments: the Stripe adapter's webhook signatures (the SDK's own test header generator)", () => {
  // no network: only constructEvent runs, on the raw body
  const stripe = new StripeProvider("sk_test_offline", SECRET);

  it("accepts a body signed with the endpoint secret and reads the payment, amount and currency", () => {
    const payload = event();
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const e = stripe.verify(Buffer.from(payload), { "stripe-signature": header });
    assert.equal(e.type, "payment_intent.amount_capturable_updated");
    assert.equal(e.paymentId, "pi_123");
    assert.equal(e.amount, 4500);
    assert.equal(e.currency, "EUR");
  });

  it("refuses another secret, a changed body, a missing header and a signature older than 5 minutes", () => {
    const payload = event();
    const refused = (body: string, header: string | undefined) =>
      assert.throws(() => stripe.verify(Buffer.from(body), { "stripe-signature": header }), WebhookSignatureError);
    refused(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_other" }));
    refused(payload.replace("4500", "1"), Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }));
    refused(payload, undefined);
    const old = Math.floor(Date.now() / 1000) - WEBHOOK_TOLERANCE_SECONDS - 5;
    refused(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: old }));
    // within the tolerance it passes
    const recent = Math.floor(Date.now() / 1000) - WEBHOOK_TOLERANCE_SECONDS + 30;
    stripe.verify(Buffer.from(payload), { "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: recent }) });
  });

  it("reads the payment a charge or refund event names", () => {
    const payload = JSON.stringify({
      id: "evt_c",
      object: "event",
      type: "charge.refunded",
      created: 1,
      data: { object: { id: "ch_1", object: "charge", payment_intent: "pi_9", amount: 4500 } },
    });
    const e = stripe.verify(Buffer.from(payload), { "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }) });
    assert.equal(e.paymentId, "pi_9");
    assert.equal(e.amount, null); // only a PaymentIntent's amount is compared with the order
  });

  describe("on the API's webhook route", () => {
    let api: TestApi;
    before(async () => {
      const config = loadConfig({ PAYMENTS_PROVIDER: "stripe", STRIPE_SECRET_KEY: "sk_test_offline", STRIPE_WEBHOOK_SECRET: SECRET });
      api = await startTestApi(await testDatabase(), { config });
    });
    after(() => api?.close());
    const post = (payload: string, header: string) =>
      fetch(`${api.base}/api/v1/payments/webhooks/stripe`, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": header },
        body: payload,
      });

    it("401 for a forged signature, 404 for a genuine event about an unknown payment, 404 for the test provider's path", async () => {
      const payload = event("payment_intent.amount_capturable_updated", "pi_unknown");
      assert.equal((await post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_forged" }))).status, 401);
      const genuine = await post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }));
      assert.equal(genuine.status, 404);
      assert.equal(((await genuine.json()) as { code: string }).code, "unknown_payment");
      const wrongProvider = await fetch(`${api.base}/api/v1/payments/webhooks/test`, { method: "POST", body: payload });
      assert.equal(wrongProvider.status, 404);
    });
  });

  it("NODE_ENV=production refuses the test-mode provider", async () => {
    const production = {
      NODE_ENV: "production",
      AUTH_JWT_SECRET: "x".repeat(40),
      DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
      STELLAR_SIGNING_SECRET: Keypair.random().secret(),
      SIWE_DOMAIN: "tix.example",
      SIWE_URI: "https://tix.example",
      GATE_PASS_SIGNING_KEY: "0x" + "11".repeat(32),
      GATE_OFFLINE_SIGNING_KEY: "0x" + "22".repeat(32),
      MAIL_DIR: "/tmp/mail",
    };
    assert.throws(() => loadConfig({ ...production, PAYMENTS_PROVIDER: "test" }), /PAYMENTS_PROVIDER/);
    // unset in production: no card payments rather than the test mode
    const config = loadConfig(production);
    assert.equal(config.payments.provider, "none");
    assert.equal(createPaymentProvider(await testDatabase(), config), undefined);
    assert.throws(() => createPaymentProvider(undefined as never, { ...config, payments: { ...config.payments, provider: "test" } }), /refused in production/);
  });
});
