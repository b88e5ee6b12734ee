import assert from "node:assert/strict";
import { loadConfig } from "../../../lib/config.js";
import { expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { createTestApiKey, createTestOrganization, createTestUser, type TestUser } from "../../support/auth.js";

describe("webhooks: endpoints", () => {
  // the production setting: only public https:// targets
  const t = useTestApi({ config: loadConfig({}) });
  let owner: TestUser;
  let organizationId: string;
  const base = () => `/api/v1/organizations/${organizationId}/webhook-endpoints`;

  before(async () => {
    owner = await createTestUser(t.db, { roles: ["organizer"] });
    ({ organizationId } = await createTestOrganization(t.db, [[owner, "owner"]]));
  });

  it("an admin subscribes an endpoint and sees its whsec_ secret once; reads never show it", async () => {
    const created = await expectStatus(t.api, 201, "POST", base(), owner, {
      url: "https://hooks.example.com/festival",
      eventTypes: ["ticket.purchased", "schedule.published"],
    });
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.equal(created.enabled, true);
    const read = await expectStatus(t.api, 200, "GET", `/api/v1/webhook-endpoints/${created.id}`, owner);
    assert.equal(read.secret, undefined);
    assert.deepEqual(read.eventTypes, ["ticket.purchased", "schedule.published"]);
    const stored = await t.db("webhook_endpoints").where({ id: created.id }).first();
    assert.ok(!stored.secret_encrypted.toString("utf8").includes(created.secret.slice(6)), "the secret is stored encrypted");
    const audit = await t.db("audit_log").where({ entity_id: created.id, action: "webhook_endpoint.created" }).first();
    assert.ok(audit, "the subscription is audited");
    assert.ok(!JSON.stringify(audit.after).includes(created.secret.slice(6)), "the audit row does not hold the secret");
  });

  it("the list pages with a cursor", async () => {
    for (let i = 0; i < 3; i++)
      await expectStatus(t.api, 201, "POST", base(), owner, { url: `https://hooks.example.com/p${i}`, eventTypes: ["ticket.refunded"] });
    const first = await expectStatus(t.api, 200, "GET", `${base()}?limit=2`, owner);
    assert.equal(first.items.length, 2);
    assert.ok(first.nextCursor);
    const second = await expectStatus(t.api, 200, "GET", `${base()}?limit=2&cursor=${first.nextCursor}`, owner);
    assert.ok(second.items.length >= 1);
    assert.equal(new Set([...first.items, ...second.items].map((e: { id: string }) => e.id)).size, first.items.length + second.items.length);
  });

  it("bad input is a 400 naming the field, and nothing is stored", async () => {
    const before = await t.db("webhook_endpoints").where({ organization_id: organizationId }).count<[{ count: string }]>({ count: "*" });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.url"] }, "POST", base(), owner, {
      url: "ftp://x.example.com",
      eventTypes: ["ticket.purchased"],
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.eventTypes"] }, "POST", base(), owner, {
      url: "https://x.example.com",
      eventTypes: [],
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input" }, "POST", base(), owner, { url: "https://x.example.com", eventTypes: ["ticket.stolen"] });
    await expectProblem(t.api, { status: 400, code: "invalid_input" }, "POST", base(), owner, {
      url: "https://x.example.com",
      eventTypes: ["ticket.purchased"],
      secret: "mine",
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.url"] }, "POST", base(), owner, {
      url: "http://x.example.com",
      eventTypes: ["ticket.purchased"],
    });
    const after = await t.db("webhook_endpoints").where({ organization_id: organizationId }).count<[{ count: string }]>({ count: "*" });
    assert.deepEqual(after, before);
  });

  it("private, loopback and link-local targets are refused unless the development setting allows them", async () => {
    for (const url of [
      "https://127.0.0.1/hook",
      "https://10.1.2.3/hook",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/hook",
      "https://localhost/hook",
    ]) {
      await expectProblem(t.api, { status: 422, code: "webhook_url_private", fields: ["body.url"] }, "POST", base(), owner, {
        url,
        eventTypes: ["ticket.purchased"],
      });
    }
  });

  it("another organization's endpoint is a 404; a plain member gets 403", async () => {
    const endpoint = await expectStatus(t.api, 201, "POST", base(), owner, { url: "https://hooks.example.com/x", eventTypes: ["ticket.purchased"] });
    const stranger = await createTestUser(t.db, { roles: ["organizer"] });
    await createTestOrganization(t.db, [[stranger, "owner"]]);
    await expectProblem(t.api, { status: 404, code: "webhook_endpoint_not_found" }, "GET", `/api/v1/webhook-endpoints/${endpoint.id}`, stranger);
    await expectProblem(t.api, { status: 404, code: "webhook_endpoint_not_found" }, "PATCH", `/api/v1/webhook-endpoints/${endpoint.id}`, stranger, {
      description: "mine now",
    });
    await expectProblem(t.api, { status: 404, code: "webhook_endpoint_not_found" }, "DELETE", `/api/v1/webhook-endpoints/${endpoint.id}`, stranger);
    await expectProblem(t.api, { status: 404, code: "organization_not_found" }, "GET", base(), stranger);
    const member = await createTestUser(t.db);
    await t.db("organization_members").insert({ id: crypto.randomUUID(), organization_id: organizationId, user_id: member.userId, role: "member" });
    await expectProblem(t.api, { status: 403, code: "insufficient_organization_role" }, "POST", base(), member, {
      url: "https://hooks.example.com/m",
      eventTypes: ["ticket.purchased"],
    });
  });

  it("an API key of the organization with webhooks:write manages endpoints; without the scope it is refused", async () => {
    const writer = await createTestApiKey(t.db, owner, ["webhooks:write"], { organizationId });
    const created = await t.api.post(base(), { url: "https://hooks.example.com/key", eventTypes: ["ticket.checked_in"] }, writer.headers);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const reader = await createTestApiKey(t.db, owner, ["festivals:read"], { organizationId });
    const refused = await t.api.post(base(), { url: "https://hooks.example.com/key2", eventTypes: ["ticket.checked_in"] }, reader.headers);
    assert.equal(refused.status, 403);
  });

  it("PATCH changes what it names, disables and enables (a new failure streak); DELETE removes the endpoint", async () => {
    const endpoint = await expectStatus(t.api, 201, "POST", base(), owner, { url: "https://hooks.example.com/y", eventTypes: ["ticket.purchased"] });
    await t
      .db("webhook_endpoints")
      .where({ id: endpoint.id })
      .update({ failing_since: new Date(Date.now() - 86_400_000) });
    const disabled = await expectStatus(t.api, 200, "PATCH", `/api/v1/webhook-endpoints/${endpoint.id}`, owner, {
      enabled: false,
      eventTypes: ["ticket.refunded"],
    });
    assert.equal(disabled.enabled, false);
    assert.deepEqual(disabled.eventTypes, ["ticket.refunded"]);
    const enabled = await expectStatus(t.api, 200, "PATCH", `/api/v1/webhook-endpoints/${endpoint.id}`, owner, { enabled: true });
    assert.equal(enabled.enabled, true);
    assert.equal(enabled.failingSince, null);
    await expectProblem(t.api, { status: 400, code: "invalid_input" }, "PATCH", `/api/v1/webhook-endpoints/${endpoint.id}`, owner, {});
    await expectStatus(t.api, 204, "DELETE", `/api/v1/webhook-endpoints/${endpoint.id}`, owner);
    await expectProblem(t.api, { status: 404, code: "webhook_endpoint_not_found" }, "GET", `/api/v1/webhook-endpoints/${endpoint.id}`, owner);
  });

  it("the event types are listed publicly", async () => {
    const types = await expectStatus(t.api, 200, "GET", "/api/v1/webhook-event-types", undefined);
    for (const type of [
      "ticket.purchased",
      "ticket.transferred",
      "ticket.checked_in",
      "ticket.refunded",
      "payout.claimed",
      "schedule.published",
      "schedule.changed",
    ])
      assert.ok(types.items.includes(type), type);
  });
});
