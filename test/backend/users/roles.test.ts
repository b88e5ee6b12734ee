import assert from "node:assert/strict";
import { newId } from "../../../lib/ids.js";
import { createTestUser } from "../../support/auth.js";
import { useTestApi } from "../../support/http.js";

describe("users: platform roles", () => {
  const t = useTestApi();

  it("an admin lists, grants and revokes roles; lists are sorted by name; the user's session sees a change at once", async () => {
    const [admin, user] = await Promise.all([createTestUser(t.db, { roles: ["admin"] }), createTestUser(t.db, { roles: ["staff", "fan"] })]);
    const path = `/api/v1/users/${user.userId}/roles`;
    assert.deepEqual((await t.api.get(path, admin.headers)).body, { userId: user.userId, roles: ["fan", "staff"] });
    assert.deepEqual((await t.api.get("/api/v1/me", user.headers)).body.roles, ["fan", "staff"]);
    assert.deepEqual((await t.api.get("/api/v1/auth/session", user.headers)).body.roles, ["fan", "staff"]);

    const granted = await t.api.request("PUT", `${path}/artist`, { headers: admin.headers });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    assert.deepEqual(granted.body.roles, ["artist", "fan", "staff"]);
    assert.deepEqual((await t.api.get("/api/v1/me", user.headers)).body.roles, ["artist", "fan", "staff"]);
    const twice = await t.api.request("PUT", `${path}/artist`, { headers: admin.headers });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.code, "role_already_granted");

    const revoked = await t.api.request("DELETE", `${path}/staff`, { headers: admin.headers });
    assert.equal(revoked.status, 200);
    assert.deepEqual(revoked.body.roles, ["artist", "fan"]);
    assert.deepEqual((await t.api.get("/api/v1/me", user.headers)).body.roles, ["artist", "fan"]);
    const notGranted = await t.api.request("DELETE", `${path}/staff`, { headers: admin.headers });
    assert.equal(notGranted.status, 404);
    assert.equal(notGranted.body.code, "role_not_granted");

    const actions = await t
      .db("audit_log")
      .where({ entity_id: user.userId })
      .whereIn("action", ["user_role.granted", "user_role.revoked"])
      .orderBy("created_at");
    assert.deepEqual(
      actions.map((a) => [a.action, a.after?.role ?? a.before?.role]),
      [
        ["user_role.granted", "artist"],
        ["user_role.revoked", "staff"],
      ],
    );
  });

  it("only admins manage roles; an admin keeps their own admin role; unknown users and roles are refused", async () => {
    const [admin, user] = await Promise.all([createTestUser(t.db, { roles: ["admin"] }), createTestUser(t.db)]);
    assert.equal((await t.api.get(`/api/v1/users/${admin.userId}/roles`, user.headers)).status, 403);
    assert.equal((await t.api.request("PUT", `/api/v1/users/${user.userId}/roles/admin`, { headers: user.headers })).status, 403);
    const own = await t.api.request("DELETE", `/api/v1/users/${admin.userId}/roles/admin`, { headers: admin.headers });
    assert.equal(own.status, 422);
    assert.equal(own.body.code, "cannot_revoke_own_admin");
    assert.equal((await t.api.get(`/api/v1/users/${newId()}/roles`, admin.headers)).status, 404);
    assert.equal((await t.api.request("PUT", `/api/v1/users/${newId()}/roles/fan`, { headers: admin.headers })).status, 404);
    const unknownRole = await t.api.request("PUT", `/api/v1/users/${user.userId}/roles/wizard`, { headers: admin.headers });
    assert.equal(unknownRole.status, 400);
    assert.equal(unknownRole.body.errors[0].field, "params.role");
  });
});
