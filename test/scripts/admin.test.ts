import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { loadConfig } from "../../lib/config.js";
import type { Knex } from "../../lib/database.js";
import { projectRoot } from "../../scripts/support/local-chain.js";
import { createTestFestival, createTestOrganization, createTestUser } from "../support/auth.js";
import { isolatedTestDatabase } from "../support/database.js";
import { startTestApi, type TestApi } from "../support/http.js";

const run = promisify(execFile);

describe("npm run admin", function () {
  this.timeout(90_000);
  let db: Knex;
  let url: string;
  let drop: () => Promise<void>;
  let api: TestApi;

  before(async () => {
    ({ db, url, drop } = await isolatedTestDatabase("festival_admin_cli"));
    api = await startTestApi(db, { config: loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "1000" }) });
  });
  after(async () => {
    await api?.close();
    await drop?.();
  });

  /** The CLI as an operator runs it (the npm script's command), against the test database. */
  const admin = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", "scripts/admin.ts", ...args], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: "silent" },
    }).then(
      ({ stdout }) => ({ code: 0, out: stdout.trim() }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, out: `${error.stdout}${error.stderr}`.trim() }),
    );

  it("creates the first admin, who signs in and makes a steward scannable by the festival's organizer", async () => {
    const email = `root-${Date.now()}@example.test`;
    const created = await admin("create-admin", "--email", email, "--password", "a long admin password", "--name", "Ada");
    assert.equal(created.code, 0, created.out);
    assert.match(created.out, new RegExp(`^created admin ${email} \\(user [0-9a-f-]{36}\\)`));

    const signIn = await api.post("/api/v1/auth/password/sign-in", { email, password: "a long admin password" });
    assert.equal(signIn.status, 201, JSON.stringify(signIn.body));
    const adminAuth = { authorization: `Bearer ${signIn.body.accessToken}` };
    assert.deepEqual((await api.get("/api/v1/me", adminAuth)).body.roles, ["admin"]);
    const audit = await db("audit_log")
      .where({ entity_id: signIn.body.userId })
      .orderBy("created_at")
      .select("action", "actor_type", "actor_user_id", "user_agent");
    assert.deepEqual(
      audit.map((a) => a.action),
      ["user.created", "user_role.granted"],
    );
    for (const row of audit) {
      assert.equal(row.actor_type, "system");
      assert.equal(row.actor_user_id, null);
      assert.match(row.user_agent, /^admin-cli \(.+\)$/);
    }

    // the organizer cannot appoint a steward without the security role; the admin grants it
    const organizer = await createTestUser(db, { roles: ["organizer"] });
    const { organizationId } = await createTestOrganization(db, [[organizer, "owner"]]);
    const { festivalId } = await createTestFestival(db, organizationId);
    const steward = await createTestUser(db);
    const refused = await api.post(`/api/v1/festivals/${festivalId}/gate/scanners`, { userId: steward.userId }, organizer.headers);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.code, "not_security_staff");
    const granted = await api.request("PUT", `/api/v1/users/${steward.userId}/roles/security`, { headers: adminAuth });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const appointed = await api.post(`/api/v1/festivals/${festivalId}/gate/scanners`, { userId: steward.userId }, organizer.headers);
    assert.ok(appointed.status < 300, JSON.stringify(appointed.body));
    assert.ok(await db("gate_scanners").where({ festival_id: festivalId, user_id: steward.userId }).first());
  });

  it("grants admin and verifies an organizer by email; bad input is one line and changes nothing", async () => {
    const user = await createTestUser(db, { email: `org-${Date.now()}@example.test` });
    await db("organizer_profiles").insert({ id: crypto.randomUUID(), user_id: user.userId, company_name: "Sunrise Events" });
    const verified = await admin("verify-organizer", "--email", user.email);
    assert.equal(verified.code, 0, verified.out);
    const profile = await db("organizer_profiles").where({ user_id: user.userId }).first();
    assert.equal(profile.verification_status, "verified");
    assert.equal((await admin("grant-admin", "--email", user.email)).code, 0);
    assert.ok(await db("user_roles as ur").join("roles as r", "r.id", "ur.role_id").where({ "ur.user_id": user.userId, "r.name": "admin" }).first());

    const users = Number((await db("users").count("* as n"))[0]!.n);
    for (const [args, expected] of [
      [["create-admin", "--email", "not-an-email", "--password", "a long admin password"], /^admin: --email: /],
      [["create-admin", "--email", "short@example.test", "--password", "short"], /^admin: --password: must be at least 12 characters$/],
      [
        ["create-admin", "--email", user.email, "--password", "a long admin password"],
        /^admin: create-admin: an account with this email already exists \(email_taken\)$/,
      ],
      [["grant-admin", "--email", "nobody@example.test"], /^admin: grant-admin: no account with email nobody@example.test \(user_not_found\)$/],
      [["promote"], /^admin: unknown command promote/],
    ] as const) {
      const result = await admin(...args);
      assert.equal(result.code, 1, result.out);
      assert.match(result.out, expected);
      assert.ok(!/\n\s+at /.test(result.out), `no stack trace: ${result.out}`);
    }
    assert.equal(Number((await db("users").count("* as n"))[0]!.n), users);
  });
});
