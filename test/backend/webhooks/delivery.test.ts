import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { loadConfig } from "../../../lib/config.js";
import { newId } from "../../../lib/ids.js";
import { DataBox } from "../../../backend/src/security/encryption.js";
import { deliverDueOnce, purgeDeliveryLog, startWebhookDispatcher } from "../../../backend/src/modules/webhooks/dispatch.js";
import { claimDue, LEASE_MS, webhookId } from "../../../backend/src/modules/webhooks/deliver.js";
import { testDatabaseUrl } from "../../support/database.js";
import { publishWebhookEvent } from "../../../backend/src/modules/webhooks/publish.js";
import { RETRY_DELAYS_MS } from "../../../backend/src/modules/webhooks/signing.js";
import { expectStatus, useTestApi } from "../../support/api-suite.js";
import { buildFestival, createSlot } from "../../support/festival.js";
import { createTestOrganization, createTestUser, type TestUser } from "../../support/auth.js";
import { startReceiver } from "./receiver.js";

const config = loadConfig({ WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" });

describe("webhooks: delivery", () => {
  const t = useTestApi({ config });
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const answers = new Map<string, { status: number; headers?: Record<string, string>; body?: string; hang?: boolean }>();
  let owner: TestUser;
  let organizationId: string;
  let n = 0;

  const egress = { allowPrivate: true, timeoutMs: 1000, maxResponseBytes: 4096 };
  const runJobs = () => deliverDueOnce({ db: t.db, box: new DataBox(config.dataEncryptionKey), egress });
  const subscribe = async (path: string, eventTypes = ["ticket.purchased"], org = organizationId, user = owner) =>
    expectStatus(t.api, 201, "POST", `/api/v1/organizations/${org}/webhook-endpoints`, user, { url: `${receiver.url}${path}`, eventTypes });
  const publish = (data: Record<string, unknown> = {}, org = organizationId) =>
    t.db.transaction((trx) =>
      publishWebhookEvent(trx, { organizationId: org, type: "ticket.purchased", data: { tokenId: "1", ...data }, sourceKey: `test:${newId()}` }),
    );
  const deliveryOf = (endpointId: string) => t.db("webhook_deliveries").where({ endpoint_id: endpointId }).orderBy("created_at", "desc").first();
  const hits = (path: string) => receiver.received.filter((r) => r.path === path);

  before(async () => {
    receiver = await startReceiver((path) => answers.get(path) ?? { status: 200 });
  });
  after(() => receiver.close());
  beforeEach(async () => {
    owner = await createTestUser(t.db, { roles: ["organizer"], email: `owner-${++n}-${Date.now()}@example.test` });
    ({ organizationId } = await createTestOrganization(t.db, [[owner, "owner"]]));
  });

  it("delivers a signed message the receiver verifies with the Standard Webhooks library; the log shows one successful attempt", async () => {
    const endpoint = await subscribe("/ok");
    const other = await subscribe("/other-type", ["ticket.refunded"]);
    const messageId = await publish({ tokenId: "42" });
    await runJobs();
    const [got] = hits("/ok");
    assert.ok(got, "delivered");
    assert.equal(got.headers["webhook-id"], webhookId(messageId!));
    const verified = new Webhook(endpoint.secret).verify(got.body, got.headers as Record<string, string>) as { type: string; data: { tokenId: string } };
    assert.equal(verified.type, "ticket.purchased");
    assert.equal(verified.data.tokenId, "42");
    assert.throws(() => new Webhook(other.secret).verify(got.body, got.headers as Record<string, string>), "another endpoint's secret does not verify it");
    assert.equal(hits("/other-type").length, 0, "an endpoint not subscribed to the type gets nothing");
    const delivery = await deliveryOf(endpoint.id);
    assert.equal(delivery.status, "succeeded");
    assert.equal(delivery.attempts, 1);
    const log = await expectStatus(t.api, 200, "GET", `/api/v1/webhook-endpoints/${endpoint.id}/deliveries`, owner);
    assert.equal(log.items[0].status, "succeeded");
    assert.equal(log.items[0].webhookId, webhookId(messageId!));
    const attempts = await expectStatus(t.api, 200, "GET", `/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}/attempts`, owner);
    assert.equal(attempts.items.length, 1);
    assert.equal(attempts.items[0].responseStatus, 200);
  });

  it("publishing the same source twice makes one message; a rolled-back publisher delivers nothing", async () => {
    const endpoint = await subscribe("/once");
    const sourceKey = `test:${newId()}`;
    const first = await t.db.transaction((trx) => publishWebhookEvent(trx, { organizationId, type: "ticket.purchased", data: {}, sourceKey }));
    const again = await t.db.transaction((trx) => publishWebhookEvent(trx, { organizationId, type: "ticket.purchased", data: {}, sourceKey }));
    assert.ok(first);
    assert.equal(again, null);
    await t.db
      .transaction(async (trx) => {
        await publishWebhookEvent(trx, { organizationId, type: "ticket.purchased", data: {}, sourceKey: `test:${newId()}` });
        throw new Error("the change failed");
      })
      .catch(() => {});
    await runJobs();
    assert.equal(hits("/once").length, 1);
    assert.equal((await t.db("webhook_deliveries").where({ endpoint_id: endpoint.id })).length, 1);
  });

  it("a failed attempt is retried on the schedule (5 s first, with jitter); Retry-After on 429 is honoured", async () => {
    answers.set("/fails", { status: 500, body: "oops" });
    answers.set("/slow-down", { status: 429, headers: { "retry-after": "120" } });
    const failing = await subscribe("/fails");
    const limited = await subscribe("/slow-down");
    const before = Date.now();
    await publish();
    await runJobs();
    const d1 = await deliveryOf(failing.id);
    assert.equal(d1.status, "pending");
    assert.equal(d1.attempts, 1);
    assert.equal(d1.last_response_status, 500);
    const wait = new Date(d1.next_attempt_at).getTime() - before;
    assert.ok(wait >= 4_400 && wait <= 6_500, `first retry after ~5 s, got ${wait} ms`);
    const d2 = await deliveryOf(limited.id);
    assert.ok(new Date(d2.next_attempt_at).getTime() - before >= 119_000, "Retry-After: 120 s");
    const endpoint = await t.db("webhook_endpoints").where({ id: failing.id }).first();
    assert.ok(endpoint.failing_since, "the failure streak started");
    assert.ok(Math.abs(RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) / 3_600_000 - 75) < 1, "the schedule spans about 75 hours");
  });

  it("the last attempt of the schedule fails the delivery; a success ends an endpoint's failure streak", async () => {
    answers.set("/last", { status: 503 });
    const endpoint = await subscribe("/last");
    await publish();
    const delivery = await deliveryOf(endpoint.id);
    await t.db("webhook_deliveries").where({ id: delivery.id }).update({ attempts: RETRY_DELAYS_MS.length });
    await runJobs();
    const after = await deliveryOf(endpoint.id);
    assert.equal(after.status, "failed");
    assert.equal(after.next_attempt_at, null);
    answers.set("/last", { status: 204 });
    await publish();
    await runJobs();
    assert.equal((await t.db("webhook_endpoints").where({ id: endpoint.id }).first()).failing_since, null);
  });

  it("410 Gone disables the endpoint and mails the organization's owners; later messages are not sent", async () => {
    answers.set("/gone", { status: 410 });
    const endpoint = await subscribe("/gone");
    await publish();
    await runJobs();
    const row = await t.db("webhook_endpoints").where({ id: endpoint.id }).first();
    assert.ok(row.disabled_at);
    assert.match(row.disabled_reason, /410/);
    assert.equal((await deliveryOf(endpoint.id)).status, "failed");
    const mail = await t.db("outbound_emails").where({ to_address: owner.email, template: "webhook_endpoint_disabled" }).first();
    assert.ok(mail, "the owner is told");
    const sent = hits("/gone").length;
    await publish();
    await runJobs();
    assert.equal(hits("/gone").length, sent, "a disabled endpoint gets nothing");
  });

  it("an endpoint failing for 5 days is disabled", async () => {
    answers.set("/down", { status: 502 });
    const endpoint = await subscribe("/down");
    await t
      .db("webhook_endpoints")
      .where({ id: endpoint.id })
      .update({ failing_since: new Date(Date.now() - 5 * 86_400_000 - 60_000) });
    await publish();
    await runJobs();
    const row = await t.db("webhook_endpoints").where({ id: endpoint.id }).first();
    assert.ok(row.disabled_at);
    assert.match(row.disabled_reason, /every attempt failed since/);
  });

  it("a redirect is not followed, a huge answer is cut, a silent receiver times out", async () => {
    answers.set("/redirect", { status: 302, headers: { location: `${receiver.url}/target` } });
    answers.set("/huge", { status: 200, body: "x".repeat(1_000_000) });
    answers.set("/silent", { status: 200, hang: true });
    const redirect = await subscribe("/redirect");
    const huge = await subscribe("/huge");
    const silent = await subscribe("/silent");
    await publish();
    const started = Date.now();
    await runJobs();
    assert.ok(Date.now() - started < 5_000, "the silent receiver did not hold the worker");
    assert.equal(hits("/target").length, 0, "the redirect was not followed");
    assert.equal((await deliveryOf(redirect.id)).status, "pending");
    assert.equal((await deliveryOf(redirect.id)).last_response_status, 302);
    assert.equal((await deliveryOf(huge.id)).status, "succeeded");
    const [attempt] = await t.db("webhook_attempts").where({ delivery_id: (await deliveryOf(huge.id)).id });
    assert.ok(attempt.response_excerpt.length <= 1000);
    const timedOut = await deliveryOf(silent.id);
    assert.equal(timedOut.status, "pending");
    assert.match(timedOut.last_error, /no answer within/);
  });

  it("after a secret rotation both secrets sign during the grace period; without one only the new", async () => {
    const endpoint = await subscribe("/rotated");
    const rotated = await expectStatus(t.api, 200, "POST", `/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, owner, { graceHours: 24 });
    assert.notEqual(rotated.secret, endpoint.secret);
    await publish();
    await runJobs();
    const [got] = hits("/rotated");
    assert.equal(String(got!.headers["webhook-signature"]).split(" ").length, 2);
    new Webhook(endpoint.secret).verify(got!.body, got!.headers as Record<string, string>);
    new Webhook(rotated.secret).verify(got!.body, got!.headers as Record<string, string>);
    const again = await expectStatus(t.api, 200, "POST", `/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, owner, { graceHours: 0 });
    await publish();
    await runJobs();
    const latest = hits("/rotated")[1]!;
    assert.equal(String(latest.headers["webhook-signature"]).split(" ").length, 1);
    new Webhook(again.secret).verify(latest.body, latest.headers as Record<string, string>);
    assert.throws(() => new Webhook(rotated.secret).verify(latest.body, latest.headers as Record<string, string>));
  });

  it("a replay sends the message again with the same webhook-id; a range replay resends the failed ones", async () => {
    const endpoint = await subscribe("/replay");
    const messageId = await publish();
    await runJobs();
    await expectStatus(t.api, 202, "POST", `/api/v1/webhook-endpoints/${endpoint.id}/messages/${messageId}/replay`, owner);
    await runJobs();
    const got = hits("/replay");
    assert.equal(got.length, 2);
    assert.equal(got[0]!.headers["webhook-id"], got[1]!.headers["webhook-id"]);

    answers.set("/replay", { status: 500 });
    const since = new Date(Date.now() - 1000).toISOString();
    await publish();
    await runJobs();
    answers.set("/replay", { status: 200 });
    const failed = await deliveryOf(endpoint.id);
    await t.db("webhook_deliveries").where({ id: failed.id }).update({ status: "failed", next_attempt_at: null });
    const replayed = await expectStatus(t.api, 202, "POST", `/api/v1/webhook-endpoints/${endpoint.id}/replay`, owner, { since });
    assert.equal(replayed.replayed, 1, "only the failed delivery of the range");
    await runJobs();
    assert.equal((await t.db("webhook_deliveries").where({ id: failed.id }).first()).status, "succeeded");
    const stranger = await createTestUser(t.db);
    await expectStatus(t.api, 404, "POST", `/api/v1/webhook-endpoints/${endpoint.id}/messages/${messageId}/replay`, stranger);
    await expectStatus(t.api, 400, "POST", `/api/v1/webhook-endpoints/${endpoint.id}/replay`, owner, { since, until: since });
  });

  it("publishing a schedule delivers schedule.published, then schedule.changed", async () => {
    const f = await buildFestival(t.db, t.api);
    const endpoint = await subscribe("/schedule", ["schedule.published", "schedule.changed"], f.organizationId, f.owner);
    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, {});
    await runJobs();
    const [got] = hits("/schedule");
    assert.ok(got);
    const body = new Webhook(endpoint.secret).verify(got.body, got.headers as Record<string, string>) as {
      type: string;
      data: { editionId: string; version: number };
    };
    assert.equal(body.type, "schedule.published");
    assert.equal(body.data.editionId, f.editionId);
    assert.equal(body.data.version, 1);
    await createSlot(t.api, f, 0, "2025-07-04T12:00", "2025-07-04T13:00");
    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, {});
    await runJobs();
    const changed = new Webhook(endpoint.secret).verify(hits("/schedule")[1]!.body, hits("/schedule")[1]!.headers as Record<string, string>) as {
      type: string;
      data: { version: number };
    };
    assert.equal(changed.type, "schedule.changed");
    assert.equal(changed.data.version, 2);
  });

  it("dispatchers in two processes deliver each message once, as soon as its transaction commits", async () => {
    await subscribe("/dispatched");
    const deps = { db: t.db, box: new DataBox(config.dataEncryptionKey), egress, connectionString: await testDatabaseUrl(), concurrency: 8, pollMs: 60_000 };
    const [one, two] = await Promise.all([startWebhookDispatcher(deps), startWebhookDispatcher(deps)]);
    try {
      for (let i = 0; i < 40; i++) await publish({ n: i });
      const deadline = Date.now() + 10_000;
      while (hits("/dispatched").length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      const ids = hits("/dispatched").map((h) => h.headers["webhook-id"]);
      assert.equal(ids.length, 40, "every message, woken by the commit (the poll is a minute away)");
      assert.equal(new Set(ids).size, 40, "none twice");
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });

  it("a delivery claimed by a dispatcher that died is due again when its lease ends, and goes out with the same webhook-id", async () => {
    const endpoint = await subscribe("/lease");
    const messageId = await publish();
    const claimed = await claimDue(t.db, 100);
    const mine = claimed.find((c) => c.endpoint_id === endpoint.id);
    assert.ok(mine, "claimed, then the dispatcher died before sending");
    const leased = await deliveryOf(endpoint.id);
    assert.ok(new Date(leased.next_attempt_at).getTime() > Date.now() + LEASE_MS - 5_000, "leased");
    await deliverDueOnce({ db: t.db, box: new DataBox(config.dataEncryptionKey), egress });
    assert.equal(hits("/lease").length, 0, "not due while leased");
    await t
      .db("webhook_deliveries")
      .where({ id: leased.id })
      .update({ next_attempt_at: new Date(Date.now() - 1000) }); // the lease ran out
    await runJobs();
    const [got] = hits("/lease");
    assert.equal(got!.headers["webhook-id"], webhookId(messageId!));
    const done = await deliveryOf(endpoint.id);
    assert.equal(done.status, "succeeded");
    assert.equal(done.attempts, 2, "the lost attempt counts");
  });

  it("the delivery log keeps 30 days", async () => {
    const endpoint = await subscribe("/old");
    const messageId = await publish();
    await t
      .db("webhook_messages")
      .where({ id: messageId })
      .update({ created_at: new Date(Date.now() - 31 * 86_400_000) });
    assert.ok((await purgeDeliveryLog(t.db)) >= 1);
    assert.equal((await t.db("webhook_deliveries").where({ endpoint_id: endpoint.id })).length, 0);
  });
});
