import assert from "node:assert/strict";
import { createTestOrganization, createTestUser } from "../../support/auth.js";
import { useTestApi } from "../../support/http.js";

describe("API keys: create, list, revoke, organization keys", () => {
  const t = useTestApi();

  it("the secret is shown once; the key acts for its user within its scopes; a revocation takes effect at once", async () => {
    const alice = await createTestUser(t.db);
    const created = await t.api.post("/api/v1/api-keys", { name: "ci", scopes: ["profile:read", "profile:read"] }, alice.headers);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.key, new RegExp(`^fk_${created.body.prefix}_`));
    assert.deepEqual(created.body.scopes, ["profile:read"], "duplicates dropped");
    assert.equal(created.body.organizationId, null);
    assert.equal(created.body.usageCount, 0);
    const stored = await t.db("api_keys").where({ id: created.body.id }).first();
    assert.notEqual(stored.key_hash, created.body.key);

    const headers = { "x-api-key": created.body.key };
    const me = await t.api.get("/api/v1/me", headers);
    assert.equal(me.status, 200);
    assert.equal(me.body.id, alice.userId);
    assert.equal((await t.api.get("/api/v1/organizations", headers)).status, 403, "outside its scopes");

    const listed = await t.api.get("/api/v1/api-keys", alice.headers);
    assert.deepEqual(
      listed.body.items.map((k: { id: string }) => k.id),
      [created.body.id],
    );
    assert.equal("key" in listed.body.items[0], false, "never shown again");

    const revoked = await t.api.post(`/api/v1/api-keys/${created.body.id}/revoke`, undefined, alice.headers);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revokedAt);
    assert.equal((await t.api.get("/api/v1/me", headers)).status, 401);
    const again = await t.api.post(`/api/v1/api-keys/${created.body.id}/revoke`, undefined, alice.headers);
    assert.deepEqual(again.body, revoked.body, "revoking twice changes nothing");
  });

  it("an organization key needs organization admin; the organization's admins see and revoke it, members and strangers do not", async () => {
    const [owner, admin, member, stranger] = await Promise.all([createTestUser(t.db), createTestUser(t.db), createTestUser(t.db), createTestUser(t.db)]);
    const { organizationId } = await createTestOrganization(t.db, [
      [owner, "owner"],
      [admin, "admin"],
      [member, "member"],
    ]);
    const asMember = await t.api.post("/api/v1/api-keys", { name: "sync", scopes: ["festivals:read"], organizationId }, member.headers);
    assert.equal(asMember.status, 403);
    assert.equal(asMember.body.code, "insufficient_organization_role");
    assert.equal((await t.api.post("/api/v1/api-keys", { name: "sync", scopes: ["festivals:read"], organizationId }, stranger.headers)).status, 404);

    const key = await t.api.post("/api/v1/api-keys", { name: "sync", scopes: ["festivals:read"], organizationId }, owner.headers);
    assert.equal(key.status, 201, JSON.stringify(key.body));
    assert.equal(key.body.organizationId, organizationId);
    const ids = async (user: { headers: Record<string, string> }) =>
      (await t.api.get("/api/v1/api-keys", user.headers)).body.items.map((k: { id: string }) => k.id);
    assert.deepEqual(await ids(admin), [key.body.id]);
    assert.deepEqual(await ids(member), []);
    assert.deepEqual(await ids(stranger), []);

    assert.equal((await t.api.post(`/api/v1/api-keys/${key.body.id}/revoke`, undefined, member.headers)).status, 404);
    assert.equal((await t.api.post(`/api/v1/api-keys/${key.body.id}/revoke`, undefined, stranger.headers)).status, 404);
    const revoked = await t.api.post(`/api/v1/api-keys/${key.body.id}/revoke`, undefined, admin.headers);
    assert.equal(revoked.status, 200);
    const audit = await t.db("audit_log").where({ entity_id: key.body.id }).orderBy("created_at").select("action", "organization_id");
    assert.deepEqual(audit, [
      { action: "api_key.created", organization_id: organizationId },
      { action: "api_key.revoked", organization_id: organizationId },
    ]);
  });
});
