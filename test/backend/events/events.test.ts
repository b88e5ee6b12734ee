import assert from "node:assert/strict";
import { newId } from "../../../lib/ids.js";
import { call, expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { buildFestival } from "../../support/festival.js";

describe("events and event categories", () => {
  const t = useTestApi();

  it("creates an event in its edition's time zone, changes and soft-deletes it", async () => {
    const f = await buildFestival(t.db, t.api);
    const category = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/event-categories`, f.owner, { name: "Music" });
    const event = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/events`, f.owner, {
      name: "Opening night",
      slug: "opening",
      editionId: f.editionId,
      categoryId: category.id,
      startsAt: "2025-07-04T20:00",
      endsAt: "2025-07-05T02:00",
      tags: ["techno"],
    });
    assert.equal(event.timezone, "Europe/Amsterdam");
    assert.equal(event.startsAt, "2025-07-04T18:00:00.000Z");
    assert.deepEqual(event.tags, ["techno"]);
    const changed = await expectStatus(t.api, 200, "PATCH", `/api/v1/events/${event.id}`, f.owner, { capacity: 800, tags: ["house"] });
    assert.equal(changed.capacity, 800);
    assert.deepEqual(changed.tags, ["house"]);
    const listed = await expectStatus(t.api, 200, "GET", `/api/v1/festivals/${f.festivalId}/events?tag=house`, f.owner);
    assert.deepEqual(
      listed.items.map((e: { id: string; timezone: string }) => [e.id, e.timezone]),
      [[event.id, "Europe/Amsterdam"]],
    );
    await expectStatus(t.api, 204, "DELETE", `/api/v1/events/${event.id}`, f.owner);
    await expectProblem(t.api, { status: 404, code: "event_not_found" }, "GET", `/api/v1/events/${event.id}`, f.owner);
  });

  it("an event without an edition is shown in UTC", async () => {
    const f = await buildFestival(t.db, t.api);
    const event = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/events`, f.owner, { name: "Pre-party", slug: "pre" });
    assert.equal(event.timezone, "UTC");
    const listed = await expectStatus(t.api, 200, "GET", `/api/v1/festivals/${f.festivalId}/events`, f.owner);
    assert.equal(listed.items.find((e: { id: string }) => e.id === event.id).timezone, "UTC");
  });

  it("refuses invalid input naming the field", async () => {
    const f = await buildFestival(t.db, t.api);
    const other = await buildFestival(t.db, t.api);
    const path = `/api/v1/festivals/${f.festivalId}/events`;
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.slug"] }, "POST", path, f.owner, { name: "X", slug: "Not A Slug" });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.name"] }, "POST", path, f.owner, { slug: "x" });
    await expectProblem(t.api, { status: 422, code: "invalid_edition", fields: ["body.editionId"] }, "POST", path, f.owner, {
      name: "X",
      slug: "x",
      editionId: other.editionId,
    });
    await expectProblem(t.api, { status: 422, code: "invalid_category", fields: ["body.categoryId"] }, "POST", path, f.owner, {
      name: "X",
      slug: "x",
      categoryId: newId(),
    });
    await expectProblem(
      t.api,
      { status: 400, code: "invalid_input", fields: ["body.name"] },
      "POST",
      `/api/v1/festivals/${f.festivalId}/event-categories`,
      f.owner,
      {},
    );
  });

  it("another organization's events and categories are not found (404)", async () => {
    const mine = await buildFestival(t.db, t.api);
    const theirs = await buildFestival(t.db, t.api);
    const event = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${theirs.festivalId}/events`, theirs.owner, { name: "Theirs", slug: "theirs" });
    const category = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${theirs.festivalId}/event-categories`, theirs.owner, { name: "Theirs" });
    for (const [method, path, body] of [
      ["GET", `/api/v1/events/${event.id}`],
      ["PATCH", `/api/v1/events/${event.id}`, { name: "Mine" }],
      ["DELETE", `/api/v1/events/${event.id}`],
      ["GET", `/api/v1/festivals/${theirs.festivalId}/events`],
      ["GET", `/api/v1/festivals/${theirs.festivalId}/tags`],
      ["PATCH", `/api/v1/event-categories/${category.id}`, { name: "Mine" }],
      ["DELETE", `/api/v1/event-categories/${category.id}`],
    ] as const) {
      assert.equal((await call(t.api, method, path, mine.owner, body)).status, 404, `${method} ${path}`);
    }
  });

  it("lists events newest first, a page at a time, every event once", async () => {
    const f = await buildFestival(t.db, t.api);
    const ids: string[] = [];
    for (const slug of ["a", "b", "c"])
      ids.push((await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/events`, f.owner, { name: slug, slug })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = await expectStatus(
        t.api,
        200,
        "GET",
        `/api/v1/festivals/${f.festivalId}/events?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        f.owner,
      );
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
  });
});
