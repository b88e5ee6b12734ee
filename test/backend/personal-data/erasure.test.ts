import assert from "node:assert/strict";
import { seedPersonWorld, type PersonWorld } from "../../../scripts/bench/gdpr-world.js";
import { runErasure, startErasure } from "../../../backend/src/modules/personal-data/erasure.js";
import { scanLeftovers } from "../../../backend/src/modules/personal-data/scan.js";
import type { Subject } from "../../../backend/src/security/personal-data.js";
import { expectStatus, useTestApi } from "../../support/api-suite.js";
import { createTestUser } from "../../support/auth.js";
import { personalDataDeps, runJobs } from "./fixtures.js";

const small = { festivals: 2, tickets: 3, ledgerRows: 20, auditRows: 10 };

function subjectOf(w: PersonWorld): Subject {
  return { userId: w.userId, emails: [w.email], names: [w.name], phones: [], taxIds: [w.taxId], addresses: [w.address] };
}

describe("personal data: erasure", () => {
  const t = useTestApi();

  it("removes or replaces the person's data in every module, keeps what must be kept under a stated hold, and the leftover scan finds 0", async () => {
    const deps = personalDataDeps(t.db);
    const w = await seedPersonWorld(t.db, deps.box, small);
    const before = await scanLeftovers(t.db, deps.registry, subjectOf(w));
    assert.ok(before.total > 0, "the scan finds the person before erasure");
    const ledgerBefore = Number((await t.db("ledger_transfers").whereIn("edition_id", w.editionIds).count({ n: "*" }).first())!.n);
    const auditBefore = Number((await t.db("audit_log").where("actor_user_id", w.userId).count({ n: "*" }).first())!.n);

    const runId = await startErasure(deps, w.userId, null);
    await runJobs(deps);

    const run = await t.db("erasure_runs").where("id", runId).first();
    assert.equal(run.status, "COMPLETED");
    assert.equal(run.leftover_count, 0, JSON.stringify(run.leftover));
    assert.equal(run.identifiers_encrypted, null, "the run drops the identifiers once done");
    const after = await scanLeftovers(t.db, deps.registry, subjectOf(w));
    assert.equal(after.total, 0, JSON.stringify(after.found));
    assert.ok(after.columnsScanned > 100, "every text and JSON column is scanned");

    // the account is an anonymous tombstone; the off-chain link to the wallet is gone; sessions and mail are gone
    const user = await t.db("users").where("id", w.userId).first();
    assert.equal(user.email, null);
    assert.equal(user.display_name, null);
    assert.ok(user.deleted_at);
    assert.equal((await t.db("wallets").where("user_id", w.userId)).length, 0);
    assert.equal((await t.db("auth_sessions").where("user_id", w.userId)).length, 0);
    assert.equal((await t.db("outbound_emails").where("to_address", w.email)).length, 0);
    assert.equal((await t.db("wristbands").where("user_id", w.userId)).length, 0);
    assert.equal((await t.db("festival_invitations").where("email", w.email)).length, 0);
    assert.equal((await t.db("festival_permissions").where("user_id", w.userId)).length, 0);
    assert.equal((await t.db("api_keys").where("user_id", w.userId)).length, 0);
    assert.equal((await t.db("waitlist_entries").where("email", w.email)).length, 0, "found by email, no account on the entry");
    assert.equal((await t.db("cashless_cashiers").where("user_id", w.userId)).length, 0);
    assert.equal((await t.db("idempotency_keys").where("principal", `user:${w.userId}`)).length, 0, "stored answers go");
    assert.equal((await t.db("device_tokens").where("user_id", w.userId)).length, 0);
    assert.equal((await t.db("personal_schedules").where("user_id", w.userId)).length, 0);
    assert.equal((await t.db("organizer_profiles").where("user_id", w.userId)).length, 0);
    assert.equal((await t.db("artists").where("user_id", w.userId)).length, 0, "the act stays on the line-up, unlinked");
    // staff work is kept as a removed member without the badge (hours worked are an employment record)
    const member = await t.db("staff_members").where("user_id", w.userId).first();
    assert.equal(member.status, "removed");
    assert.match(member.badge_number, /^erased-/);

    // kept: ledger entries and audit rows, under a recorded hold, with personal fields replaced
    assert.equal(Number((await t.db("ledger_transfers").whereIn("edition_id", w.editionIds).count({ n: "*" }).first())!.n), ledgerBefore);
    const audit = await t.db("audit_log").where("actor_user_id", w.userId).select("ip", "user_agent");
    assert.equal(audit.length, auditBefore);
    assert.ok(audit.every((r) => r.ip === null && r.user_agent === null));
    const steps = await t.db("erasure_steps").where("run_id", runId).select("table_name", "action", "rows_affected", "reason");
    const step = (table: string) => steps.find((s) => s.table_name === table);
    assert.equal(step("ledger_transfers")?.action, "hold");
    assert.equal(step("ledger_transfers")?.rows_affected, ledgerBefore);
    assert.match(step("ledger_transfers")!.reason, /financial retention/);
    assert.equal(step("audit_log")?.action, "hold");
    assert.equal(step("chain_tickets")?.action, "keep");
    assert.equal(step("chain_tickets")?.rows_affected, small.tickets);
    assert.equal(step("wallets")?.action, "delete");
    // every declared table was a step of the run
    const declared = deps.registry.tables.filter((d) => d.rows || d.scrub?.length).map((d) => d.table);
    assert.deepEqual(steps.map((s) => s.table_name).sort(), [...declared].sort());

    // the bystander is untouched, except that the mail to them no longer names the person
    const other = await t.db("users").where("id", w.bystander.userId).first();
    assert.equal(other.email, w.bystander.email);
    const mail = await t.db("outbound_emails").where("to_address", w.bystander.email).first();
    assert.ok(mail, "the bystander's mail stays");
    assert.ok(!mail.body.includes(w.name) && !mail.body.includes(w.email), mail.body);
    assert.ok((await t.db("audit_log").where("actor_user_id", w.bystander.userId)).length > 0);
  });

  it("is idempotent: erasing an erased person again succeeds and changes nothing", async () => {
    const deps = personalDataDeps(t.db);
    const w = await seedPersonWorld(t.db, deps.box, small);
    const [first, concurrent] = await Promise.all([startErasure(deps, w.userId, null), startErasure(deps, w.userId, null)]);
    assert.equal(concurrent, first, "two starts at once make one run");
    assert.equal(await startErasure(deps, w.userId, null), first, "a running erasure is not started twice");
    await runJobs(deps);
    const second = await startErasure(deps, w.userId, null);
    assert.notEqual(second, first);
    await runJobs(deps);
    const run = await t.db("erasure_runs").where("id", second).first();
    assert.equal(run.status, "COMPLETED");
    assert.equal(run.leftover_count, 0);
    assert.equal((await scanLeftovers(t.db, deps.registry, subjectOf(w))).total, 0);
    // running a completed run again is a no-op
    assert.deepEqual(await runErasure(deps, first), { status: "COMPLETED", leftover: null });
  });

  it("is resumable: a run that stops half-way is finished by the job's retry, each table done once", async () => {
    const deps = personalDataDeps(t.db);
    const w = await seedPersonWorld(t.db, deps.box, small);
    const runId = await startErasure(deps, w.userId, null);
    await assert.rejects(
      runErasure(deps, runId, {
        afterStep: (table) => {
          if (table === "cashless_drawer_shifts") throw new Error("worker died");
        },
      }),
      /worker died/,
    );
    const partial = await t.db("erasure_steps").where("run_id", runId).select("table_name");
    assert.ok(partial.length > 3 && partial.some((s) => s.table_name === "auth_sessions"));
    assert.ok(!partial.some((s) => s.table_name === "users"), "the run stopped before the account");
    assert.equal((await t.db("erasure_runs").where("id", runId).first()).status, "RUNNING");

    await runJobs(deps);
    const run = await t.db("erasure_runs").where("id", runId).first();
    assert.equal(run.status, "COMPLETED");
    assert.equal(run.leftover_count, 0, JSON.stringify(run.leftover));
    const steps = await t.db("erasure_steps").where("run_id", runId).select("table_name");
    assert.equal(new Set(steps.map((s) => s.table_name)).size, steps.length, "each table once");
    assert.ok(steps.some((s) => s.table_name === "users"));
  });

  it("a DATA_DELETION request erases on the job queue, completes the request, and staff see the run's report", async () => {
    // as server.ts wires it: the erased person's sessions stop working in the API process at once
    const deps = { ...personalDataDeps(t.db), onErased: (userId: string) => t.api.app.locals.routeDeps.principals.forgetUser(userId) };
    const w = await seedPersonWorld(t.db, deps.box, small);
    const admin = await createTestUser(t.db, { roles: ["admin"] });
    const { AccessTokens } = await import("../../../backend/src/modules/auth/access-tokens.js");
    const { loadConfig } = await import("../../../lib/config.js");
    const config = loadConfig({});
    const sessionId = (await t.db("auth_sessions").where("user_id", w.userId).first("id")).id;
    const { token } = await new AccessTokens(config.auth.jwtSecret, config.auth.issuer, config.auth.accessTokenTtlSeconds).issue(w.userId, sessionId);
    const person = { userId: w.userId, email: w.email, sessionId, accessToken: token, headers: { authorization: `Bearer ${token}` } };

    const request = await expectStatus(t.api, 201, "POST", "/api/v1/me/personal-data/requests", person, { type: "DATA_DELETION" });
    assert.equal(request.status, "IN_PROGRESS");
    assert.ok(request.erasureRunId);
    assert.ok(Math.abs(new Date(request.dueAt).getTime() - Date.now() - 30 * 86_400_000) < 60_000, "due in 30 days");
    await expectStatus(t.api, 409, "POST", "/api/v1/me/personal-data/requests", person, { type: "DATA_DELETION" });

    const queue = await expectStatus(t.api, 200, "GET", "/api/v1/personal-data/requests", admin);
    assert.ok(queue.items.some((r: { id: string }) => r.id === request.id));
    await expectStatus(t.api, 403, "GET", "/api/v1/personal-data/requests", person);

    await runJobs(deps);
    const report = await expectStatus(t.api, 200, "GET", `/api/v1/personal-data/erasures/${request.id}`, admin);
    assert.equal(report.run.status, "COMPLETED");
    assert.equal(report.run.leftoverPersonalData, 0);
    assert.ok(report.steps.find((s: { table: string; action: string }) => s.table === "audit_log" && s.action === "hold"));
    const done = await t.db("personal_data_requests").where("id", request.id).first();
    assert.equal(done.status, "COMPLETED");
    // the erased person's session is gone
    assert.equal((await t.api.get("/api/v1/me/consents", person.headers)).status, 401);
  });
});
