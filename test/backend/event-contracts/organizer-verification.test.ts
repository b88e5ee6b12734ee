import assert from "node:assert/strict";
import { createTestUser } from "../../support/auth.js";
import { createOrganizer, linkBody, startWorld, type World } from "./world.js";

describe("event contracts: publishing and deploying need an organizer a platform admin verified", function () {
  this.timeout(180_000);
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(() => w?.stop());

  it("a fan with an organization cannot prepare, deploy or publish (403 organizer_not_verified) until a platform admin verifies them", async () => {
    const fan = await createOrganizer(w, w.t.accounts[1]!, { verified: false, roles: ["fan"] });
    const admin = await createTestUser(w.db, { roles: ["admin"], config: w.config });
    const call = (method: string, path: string, body?: unknown, headers = fan.user.headers) => w.api.request(method, path, { headers, body });
    const notVerified = (res: { status: number; body: { code?: string } }) => {
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.code, "organizer_not_verified");
    };
    const serverLink = { ...linkBody(fan.wallet), deployWith: "server", organizerAddress: undefined };
    const edition = { name: "2026", slug: "y2026", timezone: "Europe/Amsterdam", startsAt: "2026-07-03T10:00", endsAt: "2026-07-05T23:00" };

    notVerified(await call("POST", `/api/v1/festivals/${fan.festivalId}/event-contracts`, serverLink));
    notVerified(await call("POST", `/api/v1/festivals/${fan.festivalId}/editions`, { ...edition, status: "published" }));
    const draft = await call("POST", `/api/v1/festivals/${fan.festivalId}/editions`, edition);
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    notVerified(await call("PATCH", `/api/v1/editions/${draft.body.id}`, { status: "published" }));
    notVerified(await call("POST", `/api/v1/editions/${draft.body.id}/schedule/publish`, {}));
    notVerified(await call("POST", `/api/v1/festivals/${fan.festivalId}/events`, { name: "Gig", slug: "gig", status: "published" }));
    assert.equal((await w.db("event_contracts").where({ festival_id: fan.festivalId })).length, 0);

    // an organizer profile alone is not enough, and only a platform admin verifies it
    assert.equal((await call("PUT", "/api/v1/me/profiles/organizer", { companyName: "Fan Events BV" })).status, 200);
    notVerified(await call("POST", `/api/v1/festivals/${fan.festivalId}/event-contracts`, serverLink));
    const verify = (status: string, headers = admin.headers) =>
      call("POST", `/api/v1/users/${fan.user.userId}/profiles/organizer/verification`, { status }, headers);
    assert.equal((await verify("verified", fan.user.headers)).status, 403);
    const verified = await verify("verified");
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    assert.equal(verified.body.verificationStatus, "verified");
    const audit = await w.db("audit_log").where({ action: "organizer_profile.verification_changed", actor_user_id: admin.userId });
    assert.equal(audit.length, 1);

    const prepared = await call("POST", `/api/v1/festivals/${fan.festivalId}/event-contracts`, serverLink);
    assert.equal(prepared.status, 201, JSON.stringify(prepared.body));
    assert.equal((await call("PATCH", `/api/v1/editions/${draft.body.id}`, { status: "published" })).status, 200);
    assert.equal((await call("POST", `/api/v1/editions/${draft.body.id}/schedule/publish`, {})).status, 201);

    // a verification withdrawn stops the deploy; restored, the platform deployer sends it
    assert.equal((await verify("rejected")).status, 200);
    notVerified(await call("POST", `/api/v1/event-contracts/${prepared.body.id}/deploy`));
    assert.equal((await w.db("event_contracts").where({ id: prepared.body.id }).first()).deploy_tx_hash, null);
    assert.equal((await verify("verified")).status, 200);
    const deployed = await call("POST", `/api/v1/event-contracts/${prepared.body.id}/deploy`);
    assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
    assert.ok(deployed.body.deployTxHash);

    // changing the company they were verified as sends them back to review
    assert.equal((await call("PUT", "/api/v1/me/profiles/organizer", { companyName: "Fan Events BV" })).body.verificationStatus, "verified");
    const renamed = await call("PUT", "/api/v1/me/profiles/organizer", { companyName: "Somebody Else Ltd" });
    assert.equal(renamed.body.verificationStatus, "pending");
    notVerified(await call("POST", `/api/v1/festivals/${fan.festivalId}/event-contracts`, serverLink));
  });
});
