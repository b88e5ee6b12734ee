import assert from "node:assert/strict";
import { useTestApi } from "../../support/api-suite.js";
import { buildFestival } from "../../support/festival.js";

describe("festivals: published editions anyone may browse (GET /public/editions)", () => {
  const t = useTestApi();

  it("lists published editions with their festival's name, without sign-in, a page at a time", async () => {
    const a = await buildFestival(t.db, t.api, { startsAt: "2031-07-04T10:00", endsAt: "2031-07-06T02:00" });
    const b = await buildFestival(t.db, t.api, { startsAt: "2031-07-05T10:00", endsAt: "2031-07-07T02:00" });
    const draft = await buildFestival(t.db, t.api, { publishEdition: false });
    const seen: Array<{ id: string; festivalName: string; festivalId: string }> = [];
    let cursor: string | null = null;
    do {
      const res = await t.api.get(`/api/v1/public/editions?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    const ids = seen.map((e) => e.id);
    assert.ok(ids.includes(a.editionId) && ids.includes(b.editionId));
    assert.ok(ids.indexOf(a.editionId) < ids.indexOf(b.editionId), "soonest first");
    assert.equal(ids.includes(draft.editionId), false, "a draft edition is not listed");
    assert.equal(new Set(ids).size, ids.length, "no edition twice across pages");
    assert.match(seen.find((e) => e.id === a.editionId)!.festivalName, /^Fest /);
  });

  it("drops the editions of a deleted festival", async () => {
    const f = await buildFestival(t.db, t.api);
    await t.db("festivals").where({ id: f.festivalId }).update({ deleted_at: new Date() });
    const res = await t.api.get("/api/v1/public/editions?limit=100");
    assert.equal(
      res.body.items.some((e: { id: string }) => e.id === f.editionId),
      false,
    );
  });
});

describe("festivals: one published edition (GET /public/editions/{id})", () => {
  const t = useTestApi();

  it("answers a published edition to anyone, 404 for a draft or a deleted festival's", async () => {
    const f = await buildFestival(t.db, t.api);
    const res = await t.api.get(`/api/v1/public/editions/${f.editionId}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.festivalId, f.festivalId);
    assert.match(res.body.festivalName, /^Fest /);
    const draft = await buildFestival(t.db, t.api, { publishEdition: false });
    assert.equal((await t.api.get(`/api/v1/public/editions/${draft.editionId}`)).status, 404);
    await t.db("festivals").where({ id: f.festivalId }).update({ deleted_at: new Date() });
    assert.equal((await t.api.get(`/api/v1/public/editions/${f.editionId}`)).status, 404);
  });
});
