import assert from "node:assert/strict";
import { useTestApi, call, expectStatus } from "../../support/api-suite.js";
import { buildFestival, createPerformance } from "../../support/festival.js";

describe("what the schedule uses cannot be removed", () => {
  const t = useTestApi();

  it("a venue, stage, edition link or artist with live slots or engagements answers 409 and stays; once freed it goes", async () => {
    const f = await buildFestival(t.db, t.api);
    const { slotId, engagementId, artistId } = await createPerformance(t.api, f, 0, "2025-07-04T12:00", "2025-07-04T13:00", "Busy Artist");

    const refused = [
      [`/api/v1/venues/${f.venueId}`, "venue_in_use"],
      [`/api/v1/stages/${f.stageIds[0]}`, "stage_in_use"],
      [`/api/v1/editions/${f.editionId}/venues/${f.venueId}`, "venue_in_use"],
      [`/api/v1/artists/${artistId}`, "artist_engaged"],
    ];
    for (const [path, code] of refused) {
      const res = await call(t.api, "DELETE", path!, f.owner);
      assert.equal(res.status, 409, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code);
    }
    assert.equal((await t.db("venues").where({ id: f.venueId }).first()).deleted_at, null);
    assert.equal((await t.db("stages").where({ id: f.stageIds[0] }).first()).deleted_at, null);
    assert.equal((await t.db("artists").where({ id: artistId }).first()).deleted_at, null);
    assert.ok(await t.db("edition_venues").where({ edition_id: f.editionId, venue_id: f.venueId }).first());

    // the other stage has no slots: it goes
    await expectStatus(t.api, 204, "DELETE", `/api/v1/stages/${f.stageIds[1]}`, f.owner);
    await expectStatus(t.api, 204, "DELETE", `/api/v1/engagements/${engagementId}`, f.owner);
    await expectStatus(t.api, 204, "DELETE", `/api/v1/artists/${artistId}`, f.owner);
    await expectStatus(t.api, 204, "DELETE", `/api/v1/time-slots/${slotId}`, f.owner);
    await expectStatus(t.api, 204, "DELETE", `/api/v1/editions/${f.editionId}/venues/${f.venueId}`, f.owner);
    await expectStatus(t.api, 204, "DELETE", `/api/v1/venues/${f.venueId}`, f.owner);
    assert.notEqual((await t.db("venues").where({ id: f.venueId }).first()).deleted_at, null);
  });
});
