import assert from "node:assert/strict";
import { strFromU8, unzipSync } from "fflate";
import { newId } from "../../../lib/ids.js";
import { expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { createTestUser } from "../../support/auth.js";
import { personalDataDeps } from "./fixtures.js";
import { seedPersonWorld } from "../../../scripts/bench/gdpr-world.js";

describe("personal data: requests and the export", () => {
  const t = useTestApi();

  it("DATA_PORTABILITY: one zip with data.json and a CSV per table, across festivals, modules and wallets; downloading completes the request", async () => {
    const deps = personalDataDeps(t.db);
    const w = await seedPersonWorld(t.db, deps.box, { festivals: 3, tickets: 4, ledgerRows: 30, auditRows: 6 });
    const sessionId = (await t.db("auth_sessions").where("user_id", w.userId).first("id")).id;
    const { AccessTokens } = await import("../../../backend/src/modules/auth/access-tokens.js");
    const { loadConfig } = await import("../../../lib/config.js");
    const config = loadConfig({});
    const { token } = await new AccessTokens(config.auth.jwtSecret, config.auth.issuer, config.auth.accessTokenTtlSeconds).issue(w.userId, sessionId);
    const person = { userId: w.userId, email: w.email, sessionId, accessToken: token, headers: { authorization: `Bearer ${token}` } };

    const request = await expectStatus(t.api, 201, "POST", "/api/v1/me/personal-data/requests", person, { type: "DATA_PORTABILITY" });
    assert.equal(request.status, "PENDING");
    const res = await fetch(`${t.api.base}/api/v1/me/personal-data/export`, { headers: person.headers });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/zip");
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const data = JSON.parse(strFromU8(files["data.json"]!));
    assert.equal(data.subject.userId, w.userId);
    assert.deepEqual(data.subject.addresses, [w.address]);
    assert.equal(data.modules.users.users[0].email, w.email);
    assert.equal(data.modules.users.wallets[0].address, w.address);
    assert.equal(data.modules.cashless.ledger_transfers.length, 30, "every ledger row of every festival");
    assert.equal(data.modules.cashless.wristbands.length, 3);
    assert.equal(data.modules["chain-mirror"].chain_tickets.length, 4, "tickets held by the wallet");
    assert.ok(data.modules.audit.audit_log.length >= 6);
    assert.equal(data.modules["personal-data"].consent_records[0].purpose, "MARKETING");
    assert.equal(data.modules.auth.auth_sessions[0].ip, "203.0.113.7");
    assert.ok(!("token_hash" in data.modules.auth.refresh_tokens[0]), "secrets are left out");
    assert.ok(!("tax_id_encrypted" in data.modules.users.organizer_profiles[0]));
    const csv = strFromU8(files["csv/cashless/ledger_transfers.csv"]!);
    assert.equal(csv.trim().split("\r\n").length, 31, "a header and a line per row");
    assert.ok(files["csv/users/users.csv"] && strFromU8(files["csv/users/users.csv"]).includes(w.email));

    const mine = await expectStatus(t.api, 200, "GET", "/api/v1/me/personal-data/requests", person);
    assert.equal(mine.items.find((r: { id: string }) => r.id === request.id).status, "COMPLETED");
    // another user's export never holds this person's rows
    const other = await createTestUser(t.db);
    const theirs = unzipSync(new Uint8Array(await (await fetch(`${t.api.base}/api/v1/me/personal-data/export`, { headers: other.headers })).arrayBuffer()));
    assert.ok(!strFromU8(theirs["data.json"]!).includes(w.email));
    assert.equal((await fetch(`${t.api.base}/api/v1/me/personal-data/export`)).status, 401);
  });

  it("CONSENT_WITHDRAWAL withdraws every purpose but ESSENTIAL at once", async () => {
    const user = await createTestUser(t.db);
    for (const purpose of ["MARKETING", "ANALYTICS", "ESSENTIAL"])
      await expectStatus(t.api, 201, "POST", "/api/v1/me/consents", user, { purpose, policyVersion: "7" });
    const r = await expectStatus(t.api, 201, "POST", "/api/v1/me/personal-data/requests", user, { type: "CONSENT_WITHDRAWAL" });
    assert.equal(r.status, "COMPLETED");
    assert.match(r.resolution, /MARKETING/);
    const state = await expectStatus(t.api, 200, "GET", "/api/v1/me/consents", user);
    assert.deepEqual(
      state.purposes.filter((p: { granted: boolean }) => p.granted).map((p: { purpose: string }) => p.purpose),
      ["ESSENTIAL"],
    );
    const channels = await t.db("consent_records").where({ user_id: user.userId, granted: false }).pluck("channel");
    assert.deepEqual([...new Set(channels)], ["request"]);
  });

  it("DATA_RECTIFICATION waits in the staff queue (due first, with its due date), staff complete or reject it with a reason, each step audited", async () => {
    const admin = await createTestUser(t.db, { roles: ["admin"] });
    const user = await createTestUser(t.db);
    const r = await expectStatus(t.api, 201, "POST", "/api/v1/me/personal-data/requests", user, {
      type: "DATA_RECTIFICATION",
      details: { display_name: "Spelled wrong: should be Anouk" },
    });
    const access = await expectStatus(t.api, 201, "POST", "/api/v1/me/personal-data/requests", user, { type: "DATA_ACCESS" });
    assert.equal(r.status, "PENDING");
    const queue = await expectStatus(t.api, 200, "GET", "/api/v1/personal-data/requests?limit=100", admin);
    const inQueue = queue.items.find((q: { id: string }) => q.id === r.id);
    assert.ok(inQueue && inQueue.overdue === false);
    const dues = queue.items.map((q: { dueAt: string }) => q.dueAt);
    assert.deepEqual(dues, [...dues].sort(), "due first");

    await expectProblem(
      t.api,
      { status: 400, code: "invalid_input", fields: ["body.resolution"] },
      "POST",
      `/api/v1/personal-data/requests/${access.id}/decision`,
      admin,
      { status: "REJECTED" },
    );
    await expectStatus(t.api, 403, "POST", `/api/v1/personal-data/requests/${r.id}/decision`, user, { status: "COMPLETED" });
    const done = await expectStatus(t.api, 200, "POST", `/api/v1/personal-data/requests/${r.id}/decision`, admin, {
      status: "COMPLETED",
      resolution: "display name corrected",
    });
    assert.equal(done.status, "COMPLETED");
    assert.equal(done.handledBy, admin.userId);
    await expectProblem(t.api, { status: 409, code: "request_closed" }, "POST", `/api/v1/personal-data/requests/${r.id}/decision`, admin, {
      status: "REJECTED",
      resolution: "x",
    });
    await expectStatus(t.api, 404, "POST", `/api/v1/personal-data/requests/${newId()}/decision`, admin, { status: "IN_PROGRESS" });
    const audit = await t.db("audit_log").where({ entity_id: r.id }).pluck("action");
    assert.deepEqual(audit.sort(), ["personal_data_request.created", "personal_data_request.updated"]);
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.type"] }, "POST", "/api/v1/me/personal-data/requests", user, {
      type: "DATA_SALE",
    });
  });

  it("staff record a request made another way and export for the user; both audited, a stranger and a missing user refused", async () => {
    const admin = await createTestUser(t.db, { roles: ["admin"] });
    const user = await createTestUser(t.db);
    const r = await expectStatus(t.api, 201, "POST", `/api/v1/personal-data/users/${user.userId}/requests`, admin, { type: "DATA_ACCESS" });
    assert.equal(r.userId, user.userId);
    await expectStatus(t.api, 403, "POST", `/api/v1/personal-data/users/${user.userId}/requests`, user, { type: "DATA_ACCESS" });
    await expectStatus(t.api, 404, "POST", `/api/v1/personal-data/users/${newId()}/requests`, admin, { type: "DATA_ACCESS" });
    assert.equal((await fetch(`${t.api.base}/api/v1/personal-data/users/${user.userId}/export`, { headers: user.headers })).status, 403);
    assert.equal((await fetch(`${t.api.base}/api/v1/personal-data/users/${newId()}/export`, { headers: admin.headers })).status, 404);
    const res = await fetch(`${t.api.base}/api/v1/personal-data/users/${user.userId}/export`, { headers: admin.headers });
    assert.equal(res.status, 200);
    const data = JSON.parse(strFromU8(unzipSync(new Uint8Array(await res.arrayBuffer()))["data.json"]!));
    assert.equal(data.modules.users.users[0].email, user.email);
    const done = await t.db("personal_data_requests").where("id", r.id).first();
    assert.equal(done.status, "COMPLETED");
    assert.equal(done.handled_by, admin.userId);
    const exported = await t.db("audit_log").where({ action: "personal_data.exported", entity_id: user.userId }).first();
    assert.equal(exported.actor_user_id, admin.userId);
  });
});
