import assert from "node:assert/strict";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { useTestApi } from "../../support/api-suite.js";

describe("organizations: listing, members and the last owner", () => {
  const t = useTestApi();
  let owner: TestUser, other: TestUser;

  before(async () => {
    [owner, other] = await Promise.all([createTestUser(t.db, { roles: ["organizer"] }), createTestUser(t.db, { displayName: "Other Person" })]);
  });

  it("lists my organizations with my role, refuses a second membership and keeps one owner", async () => {
    const created = await t.api.post("/api/v1/organizations", { name: "Moonrise", slug: `moonrise-${Date.now()}`, taxId: "DE987654321" }, owner.headers);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const orgId: string = created.body.id;
    assert.equal(created.body.taxIdLast4, "••••4321");

    const mine = await t.api.get("/api/v1/organizations", owner.headers);
    assert.equal(mine.status, 200);
    const listed = mine.body.items.find((o: { id: string }) => o.id === orgId);
    assert.equal(listed.myRole, "owner");
    assert.equal(listed.taxIdLast4, "••••4321");

    const added = await t.api.post(`/api/v1/organizations/${orgId}/members`, { userId: other.userId, role: "member" }, owner.headers);
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.displayName, "Other Person");
    assert.equal(added.body.role, "member");

    const again = await t.api.post(`/api/v1/organizations/${orgId}/members`, { userId: other.userId, role: "admin" }, owner.headers);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, "already_member");
    assert.equal((await t.db("organization_members").where({ organization_id: orgId, user_id: other.userId }).first()).role, "member");

    const members = await t.api.get(`/api/v1/organizations/${orgId}/members`, owner.headers);
    assert.deepEqual(
      members.body.items.map((m: { userId: string; displayName: string | null }) => [m.userId, m.displayName]).sort(),
      [
        [other.userId, "Other Person"],
        [owner.userId, "Test user"],
      ].sort(),
    );

    const ownerMember = members.body.items.find((m: { userId: string }) => m.userId === owner.userId);
    const demote = await t.api.request("PATCH", `/api/v1/organizations/${orgId}/members/${ownerMember.id}`, {
      headers: owner.headers,
      body: { role: "admin" },
    });
    assert.equal(demote.status, 422);
    assert.equal(demote.body.code, "last_owner");
  });
});
