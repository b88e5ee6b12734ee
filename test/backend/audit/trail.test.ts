import assert from "node:assert/strict";
import { expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { buildFestival } from "../../support/festival.js";

describe("audit: an organization's trail", () => {
  const t = useTestApi();

  it("the owner reads their organization's rows newest first, a page at a time, with actor and request", async () => {
    const f = await buildFestival(t.db, t.api);
    await expectStatus(t.api, 200, "PATCH", `/api/v1/venues/${f.venueId}`, f.owner, { city: "Utrecht" });
    const path = `/api/v1/organizations/${f.organizationId}/audit`;
    const seen: Array<{ id: string; createdAt: string; action: string; actorUserId: string | null; requestId: string | null }> = [];
    let cursor: string | null = null;
    do {
      const page: { items: typeof seen; nextCursor: string | null } = await expectStatus(
        t.api,
        200,
        "GET",
        `${path}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        f.owner,
      );
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(new Set(seen.map((e) => e.id)).size, seen.length, "no row twice");
    const expected = await t.db("audit_log").where({ organization_id: f.organizationId }).count<{ n: string }[]>("* as n");
    assert.equal(seen.length, Number(expected[0]!.n));
    assert.equal(seen[0]!.action, "venue.updated");
    assert.equal(seen[0]!.actorUserId, f.owner.userId);
    assert.ok(seen[0]!.requestId);
    assert.deepEqual(
      seen.map((e) => e.createdAt),
      [...seen.map((e) => e.createdAt)].sort().reverse(),
    );
    const filtered = await expectStatus(t.api, 200, "GET", `${path}?action=venue.updated`, f.owner);
    assert.deepEqual(
      filtered.items.map((e: { action: string }) => e.action),
      ["venue.updated"],
    );
  });

  it("another organization's trail is refused; bad filters name the field", async () => {
    const mine = await buildFestival(t.db, t.api);
    const theirs = await buildFestival(t.db, t.api);
    await expectProblem(t.api, { status: 404, code: "organization_not_found" }, "GET", `/api/v1/organizations/${theirs.organizationId}/audit`, mine.owner);
    await expectProblem(
      t.api,
      { status: 400, code: "invalid_input", fields: ["query.from"] },
      "GET",
      `/api/v1/organizations/${mine.organizationId}/audit?from=yesterday`,
      mine.owner,
    );
    await expectProblem(t.api, { status: 403, code: "forbidden" }, "GET", "/api/v1/audit", mine.owner);
  });
});
