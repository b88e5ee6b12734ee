import assert from "node:assert/strict";
import type { Knex } from "knex";
import { newId } from "../../../lib/ids.js";
import { createTestFestival, createTestOrganization } from "../../support/auth.js";
import { testDatabase } from "../../support/database.js";

describe("festivals schema: rules the database holds", () => {
  let db: Knex;
  before(async () => {
    db = await testDatabase();
  });

  const rejectsWith = (p: Promise<unknown>, constraint: string) => assert.rejects(p, (e: { constraint?: string }) => e.constraint === constraint);

  it("validates IANA zones and edition dates", async () => {
    const r = await db.raw("select is_valid_timezone('Europe/Amsterdam') a, is_valid_timezone('Mars/Base') b, is_valid_timezone('x; drop table users') c");
    assert.deepEqual(r.rows[0], { a: true, b: false, c: false });
    const { organizationId } = await createTestOrganization(db);
    const { festivalId } = await createTestFestival(db, organizationId);
    const edition = (over: object) => ({
      id: newId(),
      festival_id: festivalId,
      name: "e",
      slug: `e-${newId().slice(-6)}`,
      timezone: "Europe/Amsterdam",
      starts_at: "2025-07-01T10:00Z",
      ends_at: "2025-07-02T10:00Z",
      ...over,
    });
    await rejectsWith(db("editions").insert(edition({ ends_at: "2025-07-01T10:00Z" })), "ck_editions_end_after_start");
    await rejectsWith(db("editions").insert(edition({ timezone: "Europe/Atlantis" })), "ck_editions_timezone");
    await db("editions").insert(edition({}));
  });

  it("counts tag uses, keeps one waitlist entry per email and event", async () => {
    const { organizationId } = await createTestOrganization(db);
    const { festivalId } = await createTestFestival(db, organizationId);
    const tagId = newId();
    await db("tags").insert({ id: tagId, festival_id: festivalId, name: "Techno" });
    const events = [newId(), newId()];
    for (const id of events) await db("events").insert({ id, festival_id: festivalId, name: "x", slug: `x-${id.slice(-8)}` });
    await db("event_tags").insert(events.map((event_id) => ({ event_id, tag_id: tagId })));
    assert.equal((await db("tags").where({ id: tagId }).first()).usage_count, 2);
    await db("event_tags").where({ event_id: events[0] }).delete();
    assert.equal((await db("tags").where({ id: tagId }).first()).usage_count, 1);
    await rejectsWith(db("tags").insert({ id: newId(), festival_id: festivalId, name: "techno" }), "uq_tags_festival_name"); // citext

    await db("waitlist_entries").insert({ id: newId(), event_id: events[1], email: "a@example.test" });
    await rejectsWith(db("waitlist_entries").insert({ id: newId(), event_id: events[1], email: "A@example.test" }), "uq_waitlist_entries_event_email");
    await rejectsWith(
      db("waitlist_entries").insert({ id: newId(), event_id: events[1], email: "b@example.test", status: "confirmed" }),
      "ck_waitlist_entries_confirmed_at",
    );
  });

  it("installs the job queue", async () => {
    const r = await db.raw(
      "select count(*)::int as n from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'graphile_worker' and p.proname = 'add_job'",
    );
    assert.ok(r.rows[0].n >= 1);
  });
});
