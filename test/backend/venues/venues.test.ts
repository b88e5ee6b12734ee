import assert from "node:assert/strict";
import { call, expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { buildFestival } from "../../support/festival.js";

const amsterdam = { city: "Amsterdam", country: "NL", latitude: 52.36, longitude: 4.87 };

describe("venues and stages", () => {
  const t = useTestApi();

  it("creates, reads, changes and soft-deletes a venue and its stages", async () => {
    const f = await buildFestival(t.db, t.api, { stages: 0 });
    const venue = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/venues`, f.owner, { name: "Dome", ...amsterdam });
    assert.equal(venue.festivalId, f.festivalId);
    assert.equal(venue.latitude, 52.36);
    const changed = await expectStatus(t.api, 200, "PATCH", `/api/v1/venues/${venue.id}`, f.owner, { city: "Utrecht", postalCode: "3511" });
    assert.equal(changed.city, "Utrecht");
    assert.equal(changed.postalCode, "3511");
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/venues/${venue.id}`, f.owner)).city, "Utrecht");

    const stage = await expectStatus(t.api, 201, "POST", `/api/v1/venues/${venue.id}/stages`, f.owner, { name: "Main", capacity: 5000 });
    assert.equal(stage.venueId, venue.id);
    assert.equal((await expectStatus(t.api, 200, "PATCH", `/api/v1/stages/${stage.id}`, f.owner, { sortOrder: 3 })).sortOrder, 3);
    await expectStatus(t.api, 204, "DELETE", `/api/v1/stages/${stage.id}`, f.owner);
    assert.deepEqual((await expectStatus(t.api, 200, "GET", `/api/v1/venues/${venue.id}/stages`, f.owner)).items, []);

    await expectStatus(t.api, 204, "DELETE", `/api/v1/venues/${venue.id}`, f.owner);
    await expectProblem(t.api, { status: 404, code: "venue_not_found" }, "GET", `/api/v1/venues/${venue.id}`, f.owner);
    const row = await t.db("venues").where({ id: venue.id }).first();
    assert.ok(row.deleted_at, "the row stays for history");
  });

  it("refuses invalid input naming the field", async () => {
    const f = await buildFestival(t.db, t.api);
    const path = `/api/v1/festivals/${f.festivalId}/venues`;
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.name"] }, "POST", path, f.owner, { city: "Amsterdam" });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.country"] }, "POST", path, f.owner, { name: "X", country: "nl" });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.longitude"] }, "POST", path, f.owner, { name: "X", latitude: 52 });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.capacity"] }, "POST", `/api/v1/venues/${f.venueId}/stages`, f.owner, {
      name: "S",
      capacity: -1,
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["params.venueId"] }, "GET", "/api/v1/venues/not-a-uuid", f.owner);
  });

  it("another organization's venues and stages are not found (404), not forbidden", async () => {
    const mine = await buildFestival(t.db, t.api);
    const theirs = await buildFestival(t.db, t.api);
    for (const [method, path, body] of [
      ["GET", `/api/v1/venues/${theirs.venueId}`],
      ["PATCH", `/api/v1/venues/${theirs.venueId}`, { name: "Taken" }],
      ["DELETE", `/api/v1/venues/${theirs.venueId}`],
      ["GET", `/api/v1/venues/${theirs.venueId}/stages`],
      ["POST", `/api/v1/venues/${theirs.venueId}/stages`, { name: "Mine now" }],
      ["PATCH", `/api/v1/stages/${theirs.stageIds[0]}`, { name: "Mine now" }],
      ["GET", `/api/v1/festivals/${theirs.festivalId}/venues`],
      ["PUT", `/api/v1/editions/${mine.editionId}/venues/${theirs.venueId}`],
    ] as const) {
      const res = await call(t.api, method, path, mine.owner, body);
      assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
    }
    assert.equal((await t.db("venues").where({ id: theirs.venueId }).first()).name, "Park");
  });

  it("lists a festival's venues by name, a page at a time", async () => {
    const f = await buildFestival(t.db, t.api);
    for (const name of ["Zelt", "Arena", "Bar"]) await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/venues`, f.owner, { name });
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ name: string }>; nextCursor: string | null } = await expectStatus(
        t.api,
        200,
        "GET",
        `/api/v1/festivals/${f.festivalId}/venues?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        f.owner,
      );
      assert.ok(page.items.length <= 1);
      names.push(...page.items.map((v) => v.name));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(names, ["Arena", "Bar", "Park", "Zelt"]);
  });
});
