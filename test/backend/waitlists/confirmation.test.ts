import assert from "node:assert/strict";
import { useTestApi, call, expectStatus } from "../../support/api-suite.js";
import { buildFestival, type FestivalFixture } from "../../support/festival.js";

describe("waitlist entries are confirmed by the email's owner", () => {
  const t = useTestApi();
  let f: FestivalFixture;
  let eventId: string;
  before(async () => {
    f = await buildFestival(t.db, t.api, { stages: 1 });
    const event = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/events`, f.owner, {
      name: "Sold out",
      slug: `sold-${Date.now()}`,
      status: "published",
      soldOut: true,
    });
    eventId = event.id;
  });

  const mailsTo = (email: string) => t.db("outbound_emails").where({ to_address: email, template: "waitlist_confirmation" }).orderBy("created_at");
  const listed = async (status?: string) =>
    (await expectStatus(t.api, 200, "GET", `/api/v1/events/${eventId}/waitlist${status ? `?status=${status}` : ""}`, f.owner)).items.map(
      (e: { email: string }) => e.email,
    );

  it("joining leaves the entry pending and mails a token; the organizer's list leaves it out until the token comes back", async () => {
    const email = `fan-${Date.now()}@example.test`;
    const joined = await expectStatus(t.api, 201, "POST", `/api/v1/events/${eventId}/waitlist`, undefined, { email });
    assert.equal(joined.status, "pending");
    const [mail] = await mailsTo(email);
    assert.ok(mail, "a confirmation mail is queued");
    assert.equal(mail.data.entryId, joined.id);
    const stored = await t.db("waitlist_entries").where({ id: joined.id }).first();
    assert.notEqual(stored.confirmation_token_hash, mail.data.token, "the token is stored hashed");

    assert.ok(!(await listed()).includes(email), "unconfirmed entries are not among those to contact");
    assert.ok((await listed("pending")).includes(email));

    const confirmed = await expectStatus(t.api, 200, "POST", "/api/v1/waitlist-entries/confirm", undefined, { token: mail.data.token });
    assert.equal(confirmed.id, joined.id);
    assert.equal(confirmed.status, "confirmed");
    assert.ok((await listed()).includes(email));

    const again = await call(t.api, "POST", "/api/v1/waitlist-entries/confirm", undefined, { token: mail.data.token });
    assert.equal(again.status, 400, "single use");
    assert.equal(again.body.errors[0].field, "body.token");
    assert.equal((await call(t.api, "POST", `/api/v1/events/${eventId}/waitlist`, undefined, { email })).status, 409);
  });

  it("the organizer cannot confirm in the owner's place", async () => {
    const email = `someone-else-${Date.now()}@example.test`;
    const joined = await expectStatus(t.api, 201, "POST", `/api/v1/events/${eventId}/waitlist`, undefined, { email });
    const res = await call(t.api, "POST", `/api/v1/waitlist-entries/${joined.id}/confirm`, f.owner);
    assert.equal(res.status, 404);
    assert.equal((await t.db("waitlist_entries").where({ id: joined.id }).first()).status, "pending");
  });

  it("joining again while pending mails a fresh token and voids the old one (nobody holds an address hostage)", async () => {
    const email = `victim-${Date.now()}@example.test`;
    await expectStatus(t.api, 201, "POST", `/api/v1/events/${eventId}/waitlist`, undefined, { email });
    const rejoined = await expectStatus(t.api, 201, "POST", `/api/v1/events/${eventId}/waitlist`, undefined, { email });
    const mails = await mailsTo(email);
    assert.equal(mails.length, 2);
    assert.equal((await call(t.api, "POST", "/api/v1/waitlist-entries/confirm", undefined, { token: mails[0].data.token })).status, 400);
    const ok = await expectStatus(t.api, 200, "POST", "/api/v1/waitlist-entries/confirm", undefined, { token: mails[1].data.token });
    assert.equal(ok.id, rejoined.id);
    assert.equal((await t.db("waitlist_entries").where({ event_id: eventId, email })).length, 1);
  });

  it("an expired token confirms nothing", async () => {
    const email = `late-${Date.now()}@example.test`;
    const joined = await expectStatus(t.api, 201, "POST", `/api/v1/events/${eventId}/waitlist`, undefined, { email });
    await t
      .db("waitlist_entries")
      .where({ id: joined.id })
      .update({ confirmation_expires_at: new Date(Date.now() - 1000) });
    const [mail] = await mailsTo(email);
    assert.equal((await call(t.api, "POST", "/api/v1/waitlist-entries/confirm", undefined, { token: mail.data.token })).status, 400);
    assert.equal((await t.db("waitlist_entries").where({ id: joined.id }).first()).status, "pending");
  });
});
