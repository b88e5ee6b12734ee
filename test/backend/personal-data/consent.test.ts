import assert from "node:assert/strict";
import { hasConsent } from "../../../backend/src/modules/personal-data/consent.js";
import { expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { createTestUser } from "../../support/auth.js";

describe("personal data: consent per purpose", () => {
  const t = useTestApi();

  it("records each grant and withdrawal with policy version, time, channel and IP; withdrawing is one call; the history proves it", async () => {
    const user = await createTestUser(t.db);
    const initial = await expectStatus(t.api, 200, "GET", "/api/v1/me/consents", user);
    assert.deepEqual(
      initial.purposes.map((p: { purpose: string; granted: boolean }) => [p.purpose, p.granted]),
      [
        ["ESSENTIAL", true],
        ["MARKETING", false],
        ["ANALYTICS", false],
        ["PERSONALIZATION", false],
        ["THIRD_PARTY_SHARING", false],
      ],
    );
    const given = await expectStatus(t.api, 201, "POST", "/api/v1/me/consents", user, { purpose: "MARKETING", policyVersion: "2026-03", channel: "mobile" });
    assert.equal(given.granted, true);
    assert.equal(given.policyVersion, "2026-03");
    assert.equal(given.channel, "mobile");
    assert.ok(given.ip, "the IP is recorded");
    assert.ok(await hasConsent(t.db, user.userId, "MARKETING"));
    await expectStatus(t.api, 201, "POST", "/api/v1/me/consents", user, { purpose: "ANALYTICS", policyVersion: "2026-03" });

    const withdrawn = await expectStatus(t.api, 200, "DELETE", "/api/v1/me/consents/MARKETING", user);
    assert.equal(withdrawn.granted, false);
    assert.equal(withdrawn.policyVersion, "2026-03", "withdrawn under the version last answered");
    assert.equal(await hasConsent(t.db, user.userId, "MARKETING"), false);

    const state = await expectStatus(t.api, 200, "GET", "/api/v1/me/consents", user);
    assert.equal(state.purposes.find((p: { purpose: string }) => p.purpose === "ANALYTICS").granted, true);
    assert.equal(state.purposes.find((p: { purpose: string }) => p.purpose === "MARKETING").granted, false);

    const history = await expectStatus(t.api, 200, "GET", "/api/v1/me/consents/history?limit=2", user);
    assert.equal(history.items.length, 2);
    assert.ok(history.nextCursor);
    const rest = await expectStatus(t.api, 200, "GET", `/api/v1/me/consents/history?limit=2&cursor=${history.nextCursor}`, user);
    assert.deepEqual(
      [...history.items, ...rest.items].map((r: { purpose: string; granted: boolean }) => `${r.purpose}:${r.granted}`),
      ["MARKETING:false", "ANALYTICS:true", "MARKETING:true"],
    );
    const audit = await t.db("audit_log").where({ entity_id: user.userId }).whereIn("action", ["consent.granted", "consent.withdrawn"]);
    assert.equal(audit.length, 3);
  });

  it("refuses to withdraw ESSENTIAL, an unknown purpose, and a missing policy version; records are append-only", async () => {
    const user = await createTestUser(t.db);
    await expectProblem(
      t.api,
      { status: 422, code: "essential_not_withdrawable", fields: ["params.purpose"] },
      "DELETE",
      "/api/v1/me/consents/ESSENTIAL",
      user,
    );
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.purpose"] }, "POST", "/api/v1/me/consents", user, {
      purpose: "SPAM",
      policyVersion: "1",
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.policyVersion"] }, "POST", "/api/v1/me/consents", user, {
      purpose: "ANALYTICS",
    });
    await expectStatus(t.api, 401, "GET", "/api/v1/me/consents", undefined);
    await expectStatus(t.api, 201, "POST", "/api/v1/me/consents", user, { purpose: "ANALYTICS", policyVersion: "1" });
    await assert.rejects(t.db("consent_records").where("user_id", user.userId).update({ granted: false }), /append-only/);
    await assert.rejects(t.db("consent_records").where("user_id", user.userId).delete(), /append-only/);
  });

  it("marketing mail goes only to accounts whose latest MARKETING answer is a grant", async () => {
    const admin = await createTestUser(t.db, { roles: ["admin"] });
    const [yes, no, withdrew] = await Promise.all([createTestUser(t.db), createTestUser(t.db), createTestUser(t.db)]);
    await expectStatus(t.api, 201, "POST", "/api/v1/me/consents", yes, { purpose: "MARKETING", policyVersion: "1" });
    await expectStatus(t.api, 201, "POST", "/api/v1/me/consents", withdrew, { purpose: "MARKETING", policyVersion: "1" });
    await expectStatus(t.api, 200, "DELETE", "/api/v1/me/consents/MARKETING", withdrew);
    await expectStatus(t.api, 403, "POST", "/api/v1/marketing/mails", yes, { subject: "News", body: "Line-up" });
    const subject = `News ${Date.now()}`;
    const result = await expectStatus(t.api, 201, "POST", "/api/v1/marketing/mails", admin, { subject, body: "The line-up is out" });
    assert.ok(result.queued >= 1);
    const sent = (await t.db("outbound_emails").where({ template: "marketing", subject }).select("to_address")).map((r) => String(r.to_address));
    assert.ok(sent.includes(yes.email));
    assert.ok(!sent.includes(no.email), "never answered: not mailed");
    assert.ok(!sent.includes(withdrew.email), "withdrawn: not mailed");
  });
});
