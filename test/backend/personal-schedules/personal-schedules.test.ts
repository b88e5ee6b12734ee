import assert from "node:assert/strict";
import { newId } from "../../../lib/ids.js";
import { createTestUser } from "../../support/auth.js";
import { call, expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { buildFestival, createPerformance } from "../../support/festival.js";

describe("personal schedules", () => {
  const t = useTestApi();

  it("a fan adds and removes published performances; each fan sees only their own picks", async () => {
    const f = await buildFestival(t.db, t.api);
    const p = await createPerformance(t.api, f, 0, "2025-07-04T18:00", "2025-07-04T19:00", "Picked");
    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, {});
    const fan = await createTestUser(t.db, { roles: ["fan"] });
    const other = await createTestUser(t.db, { roles: ["fan"] });
    const added = await expectStatus(t.api, 200, "PUT", `/api/v1/me/schedules/${f.editionId}/entries/${p.engagementId}`, fan);
    assert.equal(added.entries.length, 1);
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/me/schedules/${f.editionId}`, fan)).entries.length, 1);
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/me/schedules/${f.editionId}`, other)).entries.length, 0, "another fan's picks stay theirs");
    await expectProblem(
      t.api,
      { status: 404, code: "personal_schedule_entry_not_found" },
      "DELETE",
      `/api/v1/me/schedules/${f.editionId}/entries/${p.engagementId}`,
      other,
    );
    await expectStatus(t.api, 204, "DELETE", `/api/v1/me/schedules/${f.editionId}/entries/${p.engagementId}`, fan);
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/me/schedules/${f.editionId}`, fan)).entries.length, 0);
  });

  it("refuses what is not in the published schedule, naming the field, and an edition without one (404)", async () => {
    const f = await buildFestival(t.db, t.api);
    const fan = await createTestUser(t.db, { roles: ["fan"] });
    await expectProblem(t.api, { status: 404, code: "schedule_not_found" }, "GET", `/api/v1/me/schedules/${f.editionId}`, fan);
    const p = await createPerformance(t.api, f, 0, "2025-07-04T18:00", "2025-07-04T19:00", "Published");
    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, {});
    const draftOnly = await createPerformance(t.api, f, 1, "2025-07-04T18:00", "2025-07-04T19:00", "Draft only");
    for (const engagementId of [draftOnly.engagementId, newId()]) {
      await expectProblem(
        t.api,
        { status: 422, code: "not_in_published_schedule", fields: ["params.engagementId"] },
        "PUT",
        `/api/v1/me/schedules/${f.editionId}/entries/${engagementId}`,
        fan,
      );
    }
    await expectProblem(
      t.api,
      { status: 400, code: "invalid_input", fields: ["params.engagementId"] },
      "PUT",
      `/api/v1/me/schedules/${f.editionId}/entries/nope`,
      fan,
    );
    assert.equal((await call(t.api, "PUT", `/api/v1/me/schedules/${f.editionId}/entries/${p.engagementId}`, undefined)).status, 401);
  });
});
