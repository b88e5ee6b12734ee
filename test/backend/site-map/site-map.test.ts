import assert from "node:assert/strict";
import { createTestUser } from "../../support/auth.js";
import { expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { operationsWorld } from "../staff/fixtures.js";

interface FeatureCollection {
  type: string;
  features: Array<{ type: string; geometry: { type: string; coordinates: number[] }; properties: { name: string; category: string; openNow: boolean | null } }>;
}

describe("site map: points of interest as GeoJSON", () => {
  const t = useTestApi();

  it("serves a published edition's points as an RFC 7946 FeatureCollection to anyone", async () => {
    const w = await operationsWorld(t.db, t.api);
    const path = `/api/v1/editions/${w.editionId}/map-points`;
    const bar = await expectStatus(t.api, 201, "POST", path, w.manager, {
      category: "bar",
      name: "Main bar",
      longitude: 4.8897,
      latitude: 52.3731,
      openingHours: [{ opensAt: new Date(Date.now() - 3600_000).toISOString(), closesAt: new Date(Date.now() + 3600_000).toISOString() }],
    });
    await expectStatus(t.api, 201, "POST", path, w.manager, { category: "first_aid", name: "First aid", longitude: 4.89, latitude: 52.374 });
    const gone = await expectStatus(t.api, 201, "POST", path, w.manager, { category: "toilet", name: "Toilets", longitude: 4.891, latitude: 52.372 });
    await expectStatus(t.api, 204, "DELETE", `/api/v1/map-points/${gone.id}`, w.manager);
    await expectStatus(t.api, 200, "PATCH", `/api/v1/map-points/${bar.id}`, w.manager, { name: "Main bar (cash-free)" });

    const res = await fetch(`${t.api.base}/api/v1/editions/${w.editionId}/map`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/geo\+json/);
    const geo = (await res.json()) as FeatureCollection;
    assert.equal(geo.type, "FeatureCollection");
    assert.deepEqual(
      geo.features.map((f) => f.properties.name),
      ["Main bar (cash-free)", "First aid"],
    );
    const feature = geo.features[0]!;
    assert.equal(feature.type, "Feature");
    assert.deepEqual(feature.geometry, { type: "Point", coordinates: [4.8897, 52.3731] });
    assert.equal(feature.properties.category, "bar");
    assert.equal(feature.properties.openNow, true);
    assert.equal(geo.features[1]!.properties.openNow, null);
    const onlyAid = (await (await fetch(`${t.api.base}/api/v1/editions/${w.editionId}/map?category=first_aid`)).json()) as FeatureCollection;
    assert.equal(onlyAid.features.length, 1);
    assert.equal((await fetch(`${t.api.base}/api/v1/editions/${w.editionId}/map?category=nope`)).status, 400);
    const doc = await expectStatus(t.api, 200, "GET", "/openapi.json", undefined);
    for (const path of [
      "/api/v1/editions/{editionId}/map",
      "/api/v1/editions/{editionId}/staff/members",
      "/api/v1/shifts/{shiftId}/signups",
      "/api/v1/editions/{editionId}/me/eligible-shifts",
      "/api/v1/editions/{editionId}/coverage",
      "/api/v1/camping-spots/{spotId}/bookings",
    ]) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
  });

  it("keeps a draft edition's map to the festival; refuses bad points", async () => {
    const w = await operationsWorld(t.db, t.api, { published: false });
    const path = `/api/v1/editions/${w.editionId}/map-points`;
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.latitude"] }, "POST", path, w.manager, {
      category: "bar",
      name: "Off the globe",
      longitude: 4.8,
      latitude: 95,
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.category"] }, "POST", path, w.manager, {
      category: "spaceport",
      name: "X",
      longitude: 1,
      latitude: 1,
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.openingHours.0.closesAt"] }, "POST", path, w.manager, {
      category: "bar",
      name: "Backwards",
      longitude: 1,
      latitude: 1,
      openingHours: [{ opensAt: "2026-07-01T20:00:00Z", closesAt: "2026-07-01T18:00:00Z" }],
    });
    await expectStatus(t.api, 201, "POST", path, w.manager, { category: "gate", name: "North gate", longitude: 1, latitude: 1 });
    assert.equal((await fetch(`${t.api.base}/api/v1/editions/${w.editionId}/map`)).status, 404);
    const stranger = await createTestUser(t.db);
    assert.equal((await fetch(`${t.api.base}/api/v1/editions/${w.editionId}/map`, { headers: stranger.headers })).status, 404);
    const own = await fetch(`${t.api.base}/api/v1/editions/${w.editionId}/map`, { headers: w.manager.headers });
    assert.equal(own.status, 200);
    assert.equal(((await own.json()) as FeatureCollection).features.length, 1);
    await expectProblem(t.api, { status: 404, code: "edition_not_found" }, "POST", path, stranger, { category: "gate", name: "X", longitude: 1, latitude: 1 });
  });
});
