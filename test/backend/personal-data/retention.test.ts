import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { newId } from "../../../lib/ids.js";
import { queueRetention, runRetention } from "../../../backend/src/modules/personal-data/retention.js";
import { recordAudit, systemAuditContext } from "../../../backend/src/modules/audit/service.js";
import { expectStatus, useTestApi } from "../../support/api-suite.js";
import { createTestUser } from "../../support/auth.js";
import { personalDataDeps, runJobs } from "./fixtures.js";
import { seedPersonWorld } from "../../../scripts/bench/gdpr-world.js";

const DAY = 86_400_000;

describe("personal data: retention jobs", () => {
  const t = useTestApi();

  it("each policy removes what is past its seed period, keeps what is not, and reports what it removed", async () => {
    const deps = personalDataDeps(t.db);
    const now = new Date();
    // deleted accounts: one 31 days ago (goes), one 29 days ago (stays)
    const old = await createTestUser(t.db);
    const recent = await createTestUser(t.db);
    await t
      .db("users")
      .where("id", old.userId)
      .update({ deleted_at: new Date(now.getTime() - 31 * DAY) });
    await t
      .db("users")
      .where("id", recent.userId)
      .update({ deleted_at: new Date(now.getTime() - 29 * DAY) });
    // refresh tokens expired 31 days ago (go) and 29 days ago (stay)
    const keeper = await createTestUser(t.db);
    const tokenOld = newId();
    const tokenRecent = newId();
    await t.db("refresh_tokens").insert([
      { id: tokenOld, session_id: keeper.sessionId, token_hash: randomBytes(32).toString("hex"), expires_at: new Date(now.getTime() - 31 * DAY) },
      { id: tokenRecent, session_id: keeper.sessionId, token_hash: randomBytes(32).toString("hex"), expires_at: new Date(now.getTime() - 29 * DAY) },
    ]);
    // notification log: 91 days old (archived) and 89 (stays)
    const nOld = newId();
    const nRecent = newId();
    await t.db("notification_log").insert([
      {
        id: nOld,
        user_id: keeper.userId,
        kind: "shift_reminder",
        channel: "none",
        title: "t",
        body: "b",
        status: "no_device",
        reference: `r:${nOld}`,
        created_at: new Date(now.getTime() - 91 * DAY),
      },
      {
        id: nRecent,
        user_id: keeper.userId,
        kind: "shift_reminder",
        channel: "none",
        title: "t",
        body: "b",
        status: "no_device",
        reference: `r:${nRecent}`,
        created_at: new Date(now.getTime() - 89 * DAY),
      },
    ]);
    // audit rows: 2 years and a day (archived) and a year old (stays); the default partition takes the old one
    const entity = newId();
    await t.db.transaction(async (trx) => {
      await recordAudit(trx, systemAuditContext(), { action: "test.old", entityType: "test", entityId: entity, after: { secret: "x" } });
      await recordAudit(trx, systemAuditContext(), { action: "test.recent", entityType: "test", entityId: entity });
    });
    // audit_log is append-only: move the rows back in time the way a real old row was written
    await t.db.transaction(async (trx) => {
      await trx.raw("set local app.audit_retention = 'on'");
      const rows = await trx("audit_log").where("entity_id", entity).select("*");
      await trx("audit_log").where("entity_id", entity).delete();
      await trx("audit_log").insert(
        rows.map((r) => ({
          ...r,
          created_at: new Date(now.getTime() - (r.action === "test.old" ? 731 : 365) * DAY),
          before: r.before && JSON.stringify(r.before),
          after: r.after && JSON.stringify(r.after),
        })),
      );
    });

    // an idempotent request's stored answer, expired an hour ago
    const keyId = newId();
    await t.db("idempotency_keys").insert({
      id: keyId,
      principal: `user:${keeper.userId}`,
      key: "k",
      method: "POST",
      path: "/x",
      request_hash: "h",
      state: "completed",
      response_status: 201,
      response_body: {},
      expires_at: new Date(now.getTime() - 3600_000),
    });

    const results = await runRetention(deps, now);
    const by = Object.fromEntries(results.map((r) => [r.policy, r]));
    assert.deepEqual(Object.keys(by).sort(), [
      "audit_log_archive",
      "deleted_accounts",
      "expired_idempotency_keys",
      "expired_refresh_tokens",
      "notification_log_archive",
    ]);
    assert.ok(by.deleted_accounts!.removed >= 1);
    assert.ok(by.expired_refresh_tokens!.removed >= 1);
    assert.ok(by.notification_log_archive!.removed >= 1);
    assert.ok(by.audit_log_archive!.removed >= 1);

    assert.equal(await t.db("users").where("id", old.userId).first(), undefined, "hard-deleted after 30 days");
    assert.ok(await t.db("users").where("id", recent.userId).first(), "not yet");
    assert.equal(await t.db("refresh_tokens").where("id", tokenOld).first(), undefined);
    assert.equal(await t.db("idempotency_keys").where("id", keyId).first(), undefined);
    assert.ok(await t.db("refresh_tokens").where("id", tokenRecent).first());
    assert.equal(await t.db("notification_log").where("id", nOld).first(), undefined);
    assert.ok(await t.db("notification_log").where("id", nRecent).first());
    const archived = await t.db("notification_log_archive").where("id", nOld).first();
    assert.ok(archived && !("body" in archived) && !("user_id" in archived), "archived without the personal fields");
    assert.deepEqual(await t.db("audit_log").where("entity_id", entity).pluck("action"), ["test.recent"]);
    const auditArchive = await t.db("audit_log_archive").where("entity_id", entity).first();
    assert.equal(auditArchive.action, "test.old");
    assert.ok(!("after" in auditArchive) && !("ip" in auditArchive));
    // every run is recorded
    assert.ok((await t.db("retention_runs").where("policy", "deleted_accounts").where("ran_at", ">=", now)).length >= 1);

    // a second run removes nothing more of these
    const again = Object.fromEntries((await runRetention(deps, now)).map((r) => [r.policy, r]));
    assert.equal(again.expired_refresh_tokens!.removed, 0);
    assert.equal(again.notification_log_archive!.removed, 0);
  });

  it("a deleted account never erased is erased before the hard delete; one that a record under legal hold points at stays as an anonymous tombstone", async () => {
    const deps = personalDataDeps(t.db);
    const w = await seedPersonWorld(t.db, deps.box, { festivals: 1, tickets: 1, ledgerRows: 2, auditRows: 2 });
    await t
      .db("users")
      .where("id", w.userId)
      .update({ deleted_at: new Date(Date.now() - 40 * DAY) });
    const results = await runRetention(deps);
    const accounts = results.find((r) => r.policy === "deleted_accounts")!;
    assert.ok(accounts.kept >= 1, JSON.stringify(accounts));
    const user = await t.db("users").where("id", w.userId).first();
    assert.ok(user, "staff_members (hours worked, under hold) still points at it");
    assert.equal(user.email, null);
    const run = await t.db("erasure_runs").where({ user_id: w.userId, status: "COMPLETED" }).first();
    assert.ok(run, "erased first");
    assert.equal(run.leftover_count, 0, JSON.stringify(run.leftover));
  });

  it("runs on the job queue and staff read the last report; the audit trail stays append-only outside retention", async () => {
    const deps = personalDataDeps(t.db);
    const admin = await createTestUser(t.db, { roles: ["admin"] });
    await expectStatus(t.api, 202, "POST", "/api/v1/personal-data/retention/runs", admin);
    await queueRetention(t.db);
    const before = new Date();
    await runJobs(deps);
    const report = await expectStatus(t.api, 200, "GET", "/api/v1/personal-data/retention", admin);
    assert.equal(report.length, 5);
    assert.ok(report.every((r: { ranAt: string }) => new Date(r.ranAt).getTime() >= before.getTime() - 1000));
    await assert.rejects(t.db("audit_log").where("actor_user_id", admin.userId).delete(), /append-only/);
    await assert.rejects(t.db("audit_log").where("actor_user_id", admin.userId).update({ ip: null }), /append-only/);
  });
});
