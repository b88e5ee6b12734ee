import assert from "node:assert/strict";
import { Logger, runOnce } from "graphile-worker";
import { paymentTasks, pumpWebhookEvents } from "../../../backend/src/modules/payments/jobs.js";
import type { Payments } from "../../../backend/src/modules/payments/setup.js";
import { TEST_CARDS } from "../../../backend/src/modules/payments/test-provider.js";
import type { TestUser } from "../../support/auth.js";
import { eventually, type World } from "./world.js";

/** What the top-up and resale tests do with the world: call the API, pay on the hosted page, run the payment jobs. */
export function checkoutHelpers(w: World) {
  const p = (): Payments => w.api.app.locals.payments;
  const call = (method: string, path: string, user: TestUser | undefined, body?: unknown, headers: Record<string, string> = {}) =>
    w.api.request(method, path, { headers: { ...(user?.headers ?? {}), ...headers }, body });
  const quiet = new Logger(() => () => {});
  /** Runs every queued payment job now (the worker's tasks, on the real queue). */
  const drain = async () => {
    await pumpWebhookEvents(w.db);
    await runOnce({ connectionString: w.dbUrl, logger: quiet, taskList: paymentTasks(w.db, p().payments.machine!, p().payments) });
  };
  const webhookCount = async (orderId: string) =>
    Number((await w.db("payment_webhook_events").where({ order_id: orderId }).count<{ count: string }[]>())[0]!.count);
  /** Pays on the hosted page (as its form would) and waits for the provider's webhook to be stored. */
  const pay = async (orderId: string, checkoutUrl: string, card: string = TEST_CARDS.success) => {
    const before = await webhookCount(orderId);
    const res = await call("POST", `${checkoutUrl}/confirm`, undefined, { cardNumber: card });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await eventually(async () => (await webhookCount(orderId)) > before);
  };
  const orderRow = (id: string) => w.db("payment_orders").where({ id }).first();
  const intentOf = async (orderId: string) => {
    const payment = await w.db("payments").where({ order_id: orderId }).first();
    return w.db("payment_test_intents").where({ id: payment.provider_payment_id }).first();
  };
  return { p, call, drain, pay, orderRow, intentOf };
}
