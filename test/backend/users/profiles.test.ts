import assert from "node:assert/strict";
import { createTestUser } from "../../support/auth.js";
import { useTestApi } from "../../support/http.js";

describe("users: role profiles", () => {
  const t = useTestApi();

  it("creating a profile grants its role at once; reading it back masks the tax id", async () => {
    const olivia = await createTestUser(t.db, { roles: ["fan"] });
    assert.equal((await t.api.get("/api/v1/me/profiles/organizer", olivia.headers)).status, 404);
    const put = await t.api.request("PUT", "/api/v1/me/profiles/organizer", {
      headers: olivia.headers,
      body: { companyName: "Moonrise Events", website: "https://moonrise.example", taxId: "DE123456789", bankDetails: "IBAN DE00 1234" },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.kind, "organizer");
    assert.equal(put.body.userId, olivia.userId);
    assert.equal(put.body.companyName, "Moonrise Events");
    assert.equal(put.body.taxIdLast4, "••••6789");
    assert.equal(put.body.hasBankDetails, true);
    assert.equal(put.body.verificationStatus, "unverified");
    assert.equal(put.body.verifiedAt, null);
    for (const secret of ["taxId", "taxIdEncrypted", "bankDetails", "bankDetailsEncrypted", "createdBy", "updatedBy"])
      assert.equal(secret in put.body, false, secret);

    assert.deepEqual((await t.api.get("/api/v1/me/profiles/organizer", olivia.headers)).body, put.body);
    assert.deepEqual((await t.api.get("/api/v1/me", olivia.headers)).body.roles, ["fan", "organizer"], "the cached session sees the new role, sorted");
    const row = await t.db("organizer_profiles").where({ user_id: olivia.userId }).first();
    assert.ok(!row.tax_id_encrypted.toString("utf8").includes("DE123456789"), "encrypted at rest");
  });

  it("each kind has its own body; a fan profile starts at bronze", async () => {
    const fan = await createTestUser(t.db);
    const put = await t.api.request("PUT", "/api/v1/me/profiles/fan", { headers: fan.headers, body: { favouriteGenres: ["techno", "dub"] } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(
      { favouriteGenres: put.body.favouriteGenres, loyaltyPoints: put.body.loyaltyPoints, loyaltyTier: put.body.loyaltyTier },
      { favouriteGenres: ["techno", "dub"], loyaltyPoints: 0, loyaltyTier: "bronze" },
    );
    const artist = await t.api.request("PUT", "/api/v1/me/profiles/artist", { headers: fan.headers, body: { stageName: "DJ Test", genres: ["house"] } });
    assert.equal(artist.status, 200);
    assert.deepEqual(
      { stageName: artist.body.stageName, genres: artist.body.genres, bio: artist.body.bio },
      { stageName: "DJ Test", genres: ["house"], bio: null },
    );
    const wrongBody = await t.api.request("PUT", "/api/v1/me/profiles/sponsor", { headers: fan.headers, body: { stageName: "not a sponsor" } });
    assert.equal(wrongBody.status, 400);
    assert.deepEqual((await t.api.get("/api/v1/me", fan.headers)).body.roles, ["artist", "fan"]);
    const audit = await t.db("audit_log").where({ entity_id: artist.body.id }).select("action", "entity_type");
    assert.deepEqual(audit, [{ action: "profile.created", entity_type: "artist_profile" }]);
  });

  it("a platform admin verifies an organizer; changing the verified company sends it back to review", async () => {
    const [olivia, admin, stranger] = await Promise.all([createTestUser(t.db), createTestUser(t.db, { roles: ["admin"] }), createTestUser(t.db)]);
    await t.api.request("PUT", "/api/v1/me/profiles/organizer", { headers: olivia.headers, body: { companyName: "Moonrise Events", taxId: "DE123456789" } });
    const path = `/api/v1/users/${olivia.userId}/profiles/organizer/verification`;
    assert.equal((await t.api.post(path, { status: "verified" }, stranger.headers)).status, 403);
    const verified = await t.api.post(path, { status: "verified" }, admin.headers);
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    assert.equal(verified.body.verificationStatus, "verified");
    assert.equal(verified.body.verifiedBy, admin.userId);
    assert.ok(verified.body.verifiedAt);

    const sameIdentity = await t.api.request("PUT", "/api/v1/me/profiles/organizer", {
      headers: olivia.headers,
      body: { companyName: "Moonrise Events", taxId: "DE123456789", website: "https://moonrise.example" },
    });
    assert.equal(sameIdentity.body.verificationStatus, "verified", "a new website keeps the verification");
    const renamed = await t.api.request("PUT", "/api/v1/me/profiles/organizer", { headers: olivia.headers, body: { companyName: "Sunset Events" } });
    assert.equal(renamed.body.verificationStatus, "pending");
    assert.equal(renamed.body.verifiedAt, null);
    assert.equal(renamed.body.verifiedBy, null);
    assert.equal((await t.api.post(`/api/v1/users/${stranger.userId}/profiles/organizer/verification`, { status: "verified" }, admin.headers)).status, 404);
  });
});
