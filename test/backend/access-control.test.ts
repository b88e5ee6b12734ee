import assert from "node:assert/strict";
import { Keypair, TransactionBuilder } from "@stellar/stellar-sdk";
import type { Knex } from "knex";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { loadConfig } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import { createTestApiKey, createTestFestival, createTestOrganization, createTestUser, grantFestivalAccess, type TestUser } from "../support/auth.js";
import { testDatabase } from "../support/database.js";
import { startTestApi, type TestApi } from "../support/http.js";

const config = loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "100000" });

describe("access control and the audit trail", () => {
  let db: Knex;
  let api: TestApi;
  let alice: TestUser, bob: TestUser, vic: TestUser, sam: TestUser, adam: TestUser, admin: TestUser;
  let orgA: string, orgB: string, festA: string, festB: string;

  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db, { config });
    [alice, bob, vic, sam, adam, admin] = await Promise.all([
      createTestUser(db, { roles: ["organizer"] }),
      createTestUser(db, { roles: ["organizer"] }),
      createTestUser(db),
      createTestUser(db),
      createTestUser(db),
      createTestUser(db, { roles: ["admin"] }),
    ]);
    orgA = (await createTestOrganization(db, [[alice, "owner"]])).organizationId;
    orgB = (await createTestOrganization(db, [[bob, "owner"]])).organizationId;
    festA = (await createTestFestival(db, orgA)).festivalId;
    festB = (await createTestFestival(db, orgB)).festivalId;
    await grantFestivalAccess(db, festA, vic, "viewer");
    await grantFestivalAccess(db, festA, sam, "manager", "schedule");
    await grantFestivalAccess(db, festA, adam, "administrator", "schedule");
  });
  after(() => api.close());

  /** Runs a mutation that must succeed, and checks it left exactly one audit row (by request id). */
  async function mutate(method: string, path: string, user: { headers: Record<string, string> }, body?: unknown, expected = [200, 201, 204]) {
    const res = await api.request(method, path, { headers: user.headers, body });
    assert.ok(expected.includes(res.status), `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    const requestId = res.headers.get("x-request-id")!;
    const rows = await db("audit_log").where({ request_id: requestId });
    assert.equal(rows.length, 1, `${method} ${path} should leave exactly one audit row, left ${rows.length}`);
    return { ...res, audit: rows[0] };
  }

  it("every mutating route leaves exactly one audit row, with actor, request and values", async () => {
    const org = await mutate("POST", "/api/v1/organizations", alice, { name: "Sunrise Events", slug: `sunrise-${Date.now()}`, taxId: "DE123456789" });
    assert.equal(org.audit.actor_user_id, alice.userId);
    assert.equal(org.audit.action, "organization.created");
    assert.equal(org.audit.after.tax_id_encrypted, "[redacted]");
    assert.ok(!JSON.stringify(org.audit).includes("DE123456789"), "personal data must not reach the audit trail");
    assert.equal(org.body.taxIdLast4, "••••6789");
    const raw = await db("organizations").where({ id: org.body.id }).first();
    assert.ok(!raw.tax_id_encrypted.toString("latin1").includes("DE123456789"), "encrypted at rest");
    const orgId = org.body.id;

    await mutate("PATCH", `/api/v1/organizations/${orgId}`, alice, { website: "https://sunrise.example" });
    const member = await mutate("POST", `/api/v1/organizations/${orgId}/members`, alice, { userId: vic.userId, role: "member" });
    await mutate("PATCH", `/api/v1/organizations/${orgId}/members/${member.body.id}`, alice, { role: "admin" });
    await mutate("DELETE", `/api/v1/organizations/${orgId}/members/${member.body.id}`, alice);

    const invitation = await mutate("POST", `/api/v1/festivals/${festA}/invitations`, alice, { email: "crew@example.test", level: "manager", scope: "venues" });
    await mutate("POST", `/api/v1/festivals/${festA}/invitations/${invitation.body.id}/revoke`, alice);
    await mutate("POST", `/api/v1/festivals/${festA}/invitations`, alice, { email: "crew@example.test", level: "manager", scope: "venues" });
    const mail = await db("outbound_emails").where({ to_address: "crew@example.test", template: "festival_invitation" }).orderBy("created_at", "desc").first();
    const crew = await createTestUser(db);
    const accepted = await mutate("POST", "/api/v1/invitations/accept", crew, { token: mail.data.token });
    assert.equal(accepted.body.level, "manager");
    assert.equal((await api.post("/api/v1/invitations/accept", { token: mail.data.token }, crew.headers)).status, 404, "single use");
    await mutate("DELETE", `/api/v1/festivals/${festA}/permissions/${accepted.body.id}`, alice);

    const key = await mutate("POST", "/api/v1/api-keys", alice, { name: "ticketing sync", scopes: ["organizations:read"], organizationId: orgA });
    assert.match(key.body.key, /^fk_/);
    assert.equal(key.audit.after.key_hash, "[redacted]");
    await mutate("POST", `/api/v1/api-keys/${key.body.id}/revoke`, alice);

    await mutate("PATCH", "/api/v1/me", alice, { displayName: "Alice", timezone: "Europe/Lisbon" });
    await mutate("PUT", "/api/v1/me/profiles/organizer", alice, {
      companyName: "Sunrise",
      taxId: "PT999999990",
      bankDetails: "PT50 0002 0123 1234 5678 9015 4",
    });
    await mutate("PUT", "/api/v1/me/profiles/artist", alice, { stageName: "DJ Alice", genres: ["techno"] });
    await mutate("POST", `/api/v1/users/${alice.userId}/profiles/organizer/verification`, admin, { status: "verified" });
    await mutate("PUT", `/api/v1/users/${vic.userId}/roles/staff`, admin);
    await mutate("DELETE", `/api/v1/users/${vic.userId}/roles/staff`, admin);

    // wallets: link by signature (EVM and Stellar), make primary, unlink
    const wallet = privateKeyToAccount(generatePrivateKey());
    const nonce = (await api.post("/api/v1/me/wallets/evm/nonce", undefined, alice.headers)).body.nonce;
    const message = createSiweMessage({
      domain: config.auth.siwe.domain,
      uri: config.auth.siwe.uri,
      address: wallet.address,
      chainId: 31337,
      nonce,
      version: "1",
      issuedAt: new Date(),
    });
    const evm = await mutate("POST", "/api/v1/me/wallets/evm", alice, { message, signature: await wallet.signMessage({ message }) });
    assert.equal(evm.body.isPrimary, true);
    const stellarKey = Keypair.random();
    const challenge = (await api.post("/api/v1/me/wallets/stellar/challenge", { account: stellarKey.publicKey() }, alice.headers)).body.transaction;
    const tx = TransactionBuilder.fromXDR(challenge, config.auth.stellar.networkPassphrase);
    tx.sign(stellarKey);
    const stellar = await mutate("POST", "/api/v1/me/wallets/stellar", alice, { transaction: tx.toEnvelope().toXDR("base64") });
    assert.equal(stellar.body.address, stellarKey.publicKey());
    const wallet2 = privateKeyToAccount(generatePrivateKey());
    const nonce2 = (await api.post("/api/v1/me/wallets/evm/nonce", undefined, alice.headers)).body.nonce;
    const message2 = createSiweMessage({
      domain: config.auth.siwe.domain,
      uri: config.auth.siwe.uri,
      address: wallet2.address,
      chainId: 31337,
      nonce: nonce2,
      version: "1",
      issuedAt: new Date(),
    });
    const evm2 = await mutate("POST", "/api/v1/me/wallets/evm", alice, { message: message2, signature: await wallet2.signMessage({ message: message2 }) });
    assert.equal(evm2.body.isPrimary, false);
    await mutate("PATCH", `/api/v1/me/wallets/${evm2.body.id}`, alice, { isPrimary: true, label: "hardware" });
    const primaries = await db("wallets").where({ user_id: alice.userId, network: "evm", is_primary: true });
    assert.deepEqual(
      primaries.map((w) => w.id),
      [evm2.body.id],
    );
    await mutate("DELETE", `/api/v1/me/wallets/${evm2.body.id}`, alice);
    assert.equal((await db("wallets").where({ id: evm.body.id }).first()).is_primary, true, "the remaining wallet becomes primary");

    // another user cannot link the same address
    const bobNonce = (await api.post("/api/v1/me/wallets/evm/nonce", undefined, bob.headers)).body.nonce;
    const stolen = createSiweMessage({
      domain: config.auth.siwe.domain,
      uri: config.auth.siwe.uri,
      address: wallet.address,
      chainId: 31337,
      nonce: bobNonce,
      version: "1",
      issuedAt: new Date(),
    });
    assert.equal(
      (await api.post("/api/v1/me/wallets/evm", { message: stolen, signature: await wallet.signMessage({ message: stolen }) }, bob.headers)).status,
      409,
    );
    // and alice's wallet-link nonce is useless to bob
    const aliceNonce = (await api.post("/api/v1/me/wallets/evm/nonce", undefined, alice.headers)).body.nonce;
    const other = privateKeyToAccount(generatePrivateKey());
    const msg3 = createSiweMessage({
      domain: config.auth.siwe.domain,
      uri: config.auth.siwe.uri,
      address: other.address,
      chainId: 31337,
      nonce: aliceNonce,
      version: "1",
      issuedAt: new Date(),
    });
    assert.equal((await api.post("/api/v1/me/wallets/evm", { message: msg3, signature: await other.signMessage({ message: msg3 }) }, bob.headers)).status, 401);

    const profile = await db("organizer_profiles").where({ user_id: alice.userId }).first();
    const audits = await db("audit_log").where({ entity_id: profile.id });
    assert.ok(!JSON.stringify(audits).includes("PT999999990") && !JSON.stringify(audits).includes("PT50 0002"));
    const read = await api.get("/api/v1/me/profiles/organizer", alice.headers);
    assert.equal(read.body.taxIdLast4, "••••9990");
    assert.equal(read.body.verificationStatus, "verified");
  });

  it("organization A cannot read nor change B's objects: 404", async () => {
    const bobMember = (await db("organization_members").where({ organization_id: orgB, user_id: bob.userId }).first()).id;
    const bobKey = await createTestApiKey(db, bob, ["organizations:read"]);
    const [bobWallet] = await db("wallets")
      .insert({ id: newId(), user_id: bob.userId, network: "evm", address: `0x${"b".repeat(40)}`, is_primary: true, verified_at: new Date() })
      .returning("id");
    await db("festival_invitations").insert({
      id: newId(),
      festival_id: festB,
      email: "x@example.test",
      level: "viewer",
      scope: "all",
      token_hash: "f".repeat(64),
      expires_at: new Date(Date.now() + 3600_000),
    });
    const invitationB = (await db("festival_invitations").where({ festival_id: festB }).first()).id;
    await grantFestivalAccess(db, festB, vic, "viewer");
    const permissionB = (await db("festival_permissions").where({ festival_id: festB, user_id: vic.userId }).first()).id;

    const attempts: Array<[string, string, unknown?]> = [
      ["GET", `/api/v1/organizations/${orgB}`],
      ["PATCH", `/api/v1/organizations/${orgB}`, { name: "pwned" }],
      ["GET", `/api/v1/organizations/${orgB}/members`],
      ["POST", `/api/v1/organizations/${orgB}/members`, { userId: alice.userId, role: "owner" }],
      ["PATCH", `/api/v1/organizations/${orgB}/members/${bobMember}`, { role: "member" }],
      ["DELETE", `/api/v1/organizations/${orgB}/members/${bobMember}`],
      ["GET", `/api/v1/organizations/${orgB}/audit`],
      ["GET", `/api/v1/festivals/${festB}/permissions`],
      ["DELETE", `/api/v1/festivals/${festB}/permissions/${permissionB}`],
      ["GET", `/api/v1/festivals/${festB}/invitations`],
      ["POST", `/api/v1/festivals/${festB}/invitations`, { email: "me@example.test", level: "owner" }],
      ["POST", `/api/v1/festivals/${festB}/invitations/${invitationB}/revoke`],
      ["POST", `/api/v1/api-keys/${bobKey.apiKeyId}/revoke`],
      ["PATCH", `/api/v1/me/wallets/${bobWallet.id}`, { label: "mine now" }],
      ["DELETE", `/api/v1/me/wallets/${bobWallet.id}`],
      // an id from A's festival under B's... and a festival that does not exist at all look the same
      ["GET", `/api/v1/festivals/${newId()}/permissions`],
    ];
    for (const [method, path, body] of attempts) {
      const before = await db("audit_log").count({ n: "*" });
      const res = await api.request(method, path, { headers: alice.headers, body });
      assert.equal(res.status, 404, `${method} ${path} as org A owner: ${res.status} ${JSON.stringify(res.body)}`);
      assert.deepEqual(await db("audit_log").count({ n: "*" }), before, `${method} ${path} must not write`);
    }
    // an organization-bound key of A does not reach B either, even for an admin's key
    const adminKey = await createTestApiKey(db, admin, ["organizations:read"], { organizationId: orgA });
    assert.equal((await api.get(`/api/v1/organizations/${orgB}`, adminKey.headers)).status, 404);
    // B's objects are untouched
    assert.equal((await db("organizations").where({ id: orgB }).first()).name, "Test organization");
    assert.equal((await db("api_keys").where({ id: bobKey.apiKeyId }).first()).revoked_at, null);
  });

  it("a viewer cannot write; a scoped manager or administrator cannot act outside its scope: 403", async () => {
    const cases: Array<[TestUser, string, string, unknown, number]> = [
      [vic, "POST", `/api/v1/festivals/${festA}/invitations`, { email: "a@example.test", level: "viewer", scope: "all" }, 403],
      [vic, "GET", `/api/v1/festivals/${festA}/permissions`, undefined, 403],
      [sam, "POST", `/api/v1/festivals/${festA}/invitations`, { email: "b@example.test", level: "viewer", scope: "schedule" }, 403],
      [adam, "POST", `/api/v1/festivals/${festA}/invitations`, { email: "c@example.test", level: "manager", scope: "venues" }, 403],
      [adam, "POST", `/api/v1/festivals/${festA}/invitations`, { email: "c@example.test", level: "manager", scope: "all" }, 403],
      [adam, "POST", `/api/v1/festivals/${festA}/invitations`, { email: "c@example.test", level: "owner", scope: "schedule" }, 403],
      [adam, "POST", `/api/v1/festivals/${festA}/invitations`, { email: "c@example.test", level: "manager", scope: "schedule" }, 201],
      [vic, "PATCH", `/api/v1/organizations/${orgA}`, { name: "x" }, 404], // a festival viewer is not an organization member
      [alice, "GET", `/api/v1/users/${vic.userId}/roles`, undefined, 403], // admins only
      [alice, "GET", "/api/v1/audit", undefined, 403],
    ];
    for (const [user, method, path, body, status] of cases) {
      const res = await api.request(method, path, { headers: user.headers, body });
      assert.equal(res.status, status, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    // organization member (not admin) cannot change the organization
    const member = await createTestUser(db);
    await db("organization_members").insert({ id: newId(), organization_id: orgA, user_id: member.userId, role: "member" });
    assert.equal((await api.get(`/api/v1/organizations/${orgA}`, member.headers)).status, 200);
    assert.equal((await api.request("PATCH", `/api/v1/organizations/${orgA}`, { headers: member.headers, body: { name: "x" } })).status, 403);
    assert.equal((await api.get(`/api/v1/organizations/${orgA}/audit`, member.headers)).status, 403);
  });

  it("API keys: scopes, revocation, usage, per-key rate limit, never on user-only routes", async () => {
    const created = await api.post("/api/v1/api-keys", { name: "reader", scopes: ["organizations:read"], rateLimitPerMinute: 4 }, alice.headers);
    assert.equal(created.status, 201);
    const headers = { authorization: `Bearer ${created.body.key}` };
    assert.equal((await api.get(`/api/v1/organizations/${orgA}`, headers)).status, 200);
    assert.equal((await api.get("/api/v1/me", headers)).status, 403, "lacks profile:read");
    assert.equal((await api.post("/api/v1/organizations", { name: "x", slug: "x-y" }, headers)).status, 403, "user-only route");
    assert.equal((await api.get(`/api/v1/organizations/${orgA}`, headers)).status, 200);
    assert.equal((await api.get(`/api/v1/organizations/${orgA}`, headers)).status, 429, "per-key limit of 4/min, every request counts");

    await api.app.locals.routeDeps.principals.apiKeys.flush();
    const listed = await api.get("/api/v1/api-keys", alice.headers);
    const mine = listed.body.items.find((k: { id: string }) => k.id === created.body.id);
    assert.equal(mine.usageCount, 5);
    assert.ok(mine.lastUsedAt);
    assert.equal(mine.key, undefined, "the secret is shown once");
    const stored = await db("api_keys").where({ id: created.body.id }).first();
    assert.notEqual(stored.key_hash, created.body.key);

    await api.post(`/api/v1/api-keys/${created.body.id}/revoke`, undefined, alice.headers);
    assert.equal((await api.get(`/api/v1/organizations/${orgA}`, headers)).status, 401);
  });

  it("admins and organization owners query the audit trail, filtered and cursor-paged", async () => {
    const all = await api.get(`/api/v1/audit?limit=2&actorUserId=${alice.userId}`, admin.headers);
    assert.equal(all.status, 200);
    assert.equal(all.body.items.length, 2);
    const next = await api.get(`/api/v1/audit?limit=2&actorUserId=${alice.userId}&cursor=${all.body.nextCursor}`, admin.headers);
    assert.equal(next.body.items.length, 2);
    assert.ok(next.body.items[0].createdAt <= all.body.items[1].createdAt);
    assert.notEqual(next.body.items[0].id, all.body.items[1].id);

    const own = await api.get(`/api/v1/organizations/${orgA}/audit?limit=100`, alice.headers);
    assert.equal(own.status, 200);
    assert.ok(own.body.items.length > 0);
    assert.ok(own.body.items.every((e: { organizationId: string }) => e.organizationId === orgA));
    assert.equal((await api.get(`/api/v1/audit?cursor=garbage`, admin.headers)).status, 400);
    assert.equal((await api.get(`/api/v1/audit?limit=1000`, admin.headers)).status, 400);
  });

  it("the database refuses UPDATE, DELETE and TRUNCATE on the audit trail", async () => {
    await assert.rejects(db("audit_log").update({ action: "x.y" }), /append-only/);
    await assert.rejects(db("audit_log").where({ actor_user_id: alice.userId }).delete(), /append-only/);
    await assert.rejects(db.raw("truncate audit_log"), /append-only/);
    const partition = `audit_log_${new Date().toISOString().slice(0, 7).replace("-", "_")}`;
    await assert.rejects(db(partition).delete(), /append-only/);
  });
});
