import assert from "node:assert/strict";
import { newId } from "../../../lib/ids.js";
import { call, expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { buildFestival } from "../../support/festival.js";

describe("artists", () => {
  const t = useTestApi();

  it("creates, reads, changes and soft-deletes an artist", async () => {
    const f = await buildFestival(t.db, t.api);
    const artist = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/artists`, f.owner, {
      name: "Nina",
      genre: "house",
      links: { instagram: "https://instagram.example/nina" },
    });
    assert.equal(artist.festivalId, f.festivalId);
    assert.deepEqual(artist.links, { instagram: "https://instagram.example/nina" });
    assert.equal((await expectStatus(t.api, 200, "PATCH", `/api/v1/artists/${artist.id}`, f.owner, { bio: "Berlin" })).bio, "Berlin");
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/artists/${artist.id}`, f.owner)).genre, "house");
    await expectStatus(t.api, 204, "DELETE", `/api/v1/artists/${artist.id}`, f.owner);
    await expectProblem(t.api, { status: 404, code: "artist_not_found" }, "GET", `/api/v1/artists/${artist.id}`, f.owner);
    assert.ok((await t.db("artists").where({ id: artist.id }).first()).deleted_at);
  });

  it("refuses invalid input naming the field", async () => {
    const f = await buildFestival(t.db, t.api);
    const path = `/api/v1/festivals/${f.festivalId}/artists`;
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.name"] }, "POST", path, f.owner, { genre: "techno" });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.links.Bad Key"] }, "POST", path, f.owner, {
      name: "X",
      links: { "Bad Key": "https://x.example" },
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body"] }, "POST", path, f.owner, { name: "X", role: "admin" });
    await expectProblem(t.api, { status: 422, code: "invalid_user", fields: ["body.userId"] }, "POST", path, f.owner, { name: "X", userId: newId() });
  });

  it("another organization's artists are not found (404)", async () => {
    const mine = await buildFestival(t.db, t.api);
    const theirs = await buildFestival(t.db, t.api);
    const artist = await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${theirs.festivalId}/artists`, theirs.owner, { name: "Theirs" });
    for (const [method, path, body] of [
      ["GET", `/api/v1/artists/${artist.id}`],
      ["PATCH", `/api/v1/artists/${artist.id}`, { name: "Mine" }],
      ["DELETE", `/api/v1/artists/${artist.id}`],
      ["GET", `/api/v1/festivals/${theirs.festivalId}/artists`],
      ["POST", `/api/v1/festivals/${theirs.festivalId}/artists`, { name: "Intruder" }],
    ] as const) {
      assert.equal((await call(t.api, method, path, mine.owner, body)).status, 404, `${method} ${path}`);
    }
    assert.equal((await t.db("artists").where({ id: artist.id }).first()).name, "Theirs");
  });

  it("lists by name, a page at a time, and searches", async () => {
    const f = await buildFestival(t.db, t.api);
    for (const name of ["Cleo", "Abe", "Bram"]) await expectStatus(t.api, 201, "POST", `/api/v1/festivals/${f.festivalId}/artists`, f.owner, { name });
    const first = await expectStatus(t.api, 200, "GET", `/api/v1/festivals/${f.festivalId}/artists?limit=2`, f.owner);
    const second = await expectStatus(
      t.api,
      200,
      "GET",
      `/api/v1/festivals/${f.festivalId}/artists?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`,
      f.owner,
    );
    assert.deepEqual(
      [...first.items, ...second.items].map((a: { name: string }) => a.name),
      ["Abe", "Bram", "Cleo"],
    );
    assert.equal(second.nextCursor, null);
    const found = await expectStatus(t.api, 200, "GET", `/api/v1/festivals/${f.festivalId}/artists?q=bra`, f.owner);
    assert.deepEqual(
      found.items.map((a: { name: string }) => a.name),
      ["Bram"],
    );
  });
});
