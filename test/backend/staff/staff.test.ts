import assert from "node:assert/strict";
import { createTestUser, grantFestivalAccess } from "../../support/auth.js";
import { call, expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { addMember, operationsWorld } from "./fixtures.js";

describe("staff: departments, roles with prerequisites, members with badges", () => {
  const t = useTestApi();

  it("a festival manager builds the structure; the lists show it, prerequisites included", async () => {
    const w = await operationsWorld(t.db, t.api);
    const roles = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${w.editionId}/staff/roles`, w.manager);
    const driver = roles.items.find((r: { name: string }) => r.name === "Driver");
    assert.deepEqual(driver.prerequisites, [w.licenceId]);
    assert.equal(roles.items.find((r: { name: string }) => r.name === "Shift lead").isLead, true);
    const departments = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${w.editionId}/staff/departments`, w.manager);
    assert.deepEqual(
      departments.items.map((d: { name: string }) => d.name),
      ["Security"],
    );
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    const members = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${w.editionId}/staff/members`, w.manager);
    assert.deepEqual(
      members.items.map((m: { id: string }) => m.id),
      [a.memberId],
    );
    const audit = await t.db("audit_log").where({ entity_type: "staff_member", entity_id: a.memberId }).first();
    assert.equal(audit.action, "staff_member.created");
  });

  it("refuses what breaks a rule, naming it", async () => {
    const w = await operationsWorld(t.db, t.api);
    const other = await operationsWorld(t.db, t.api);
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    const members = `/api/v1/editions/${w.editionId}/staff/members`;
    const someone = await createTestUser(t.db);
    const body = { userId: someone.userId, roleId: w.roles.steward, departmentId: w.departmentId, badgeNumber: a.badgeNumber };
    await expectProblem(t.api, { status: 409, code: "badge_number_taken", fields: ["body.badgeNumber"] }, "POST", members, w.manager, body);
    // the same badge number in another edition is fine
    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${other.editionId}/staff/members`, other.manager, {
      ...body,
      roleId: other.roles.steward,
      departmentId: other.departmentId,
    });
    await expectProblem(t.api, { status: 409, code: "already_staff" }, "POST", members, w.manager, { ...body, userId: a.user.userId, badgeNumber: "NEW-1" });
    await expectProblem(t.api, { status: 422, code: "role_not_in_edition", fields: ["body.roleId"] }, "POST", members, w.manager, {
      ...body,
      roleId: other.roles.steward,
      badgeNumber: "NEW-2",
    });
    await expectProblem(t.api, { status: 422, code: "department_not_in_edition", fields: ["body.departmentId"] }, "POST", members, w.manager, {
      ...body,
      departmentId: other.departmentId,
      badgeNumber: "NEW-3",
    });
    await expectProblem(t.api, { status: 422, code: "user_not_found", fields: ["body.userId"] }, "POST", members, w.manager, {
      ...body,
      userId: "0190a0a0-0000-7000-8000-000000000000",
      badgeNumber: "NEW-4",
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.badgeNumber"] }, "POST", members, w.manager, {
      ...body,
      badgeNumber: "no spaces",
    });
    const byEmail = await createTestUser(t.db, { email: `staff-${Date.now()}@example.test` });
    const added = await expectStatus(t.api, 201, "POST", members, w.manager, {
      ...body,
      userId: undefined,
      email: byEmail.email.toUpperCase(),
      badgeNumber: "MAIL-1",
    });
    assert.equal(added.userId, byEmail.userId);
    await expectProblem(t.api, { status: 422, code: "user_not_found", fields: ["body.email"] }, "POST", members, w.manager, {
      ...body,
      userId: undefined,
      email: "nobody@example.test",
      badgeNumber: "MAIL-2",
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.userId"] }, "POST", members, w.manager, {
      ...body,
      email: byEmail.email,
      badgeNumber: "MAIL-3",
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input" }, "POST", members, w.manager, { ...body, role: "x" });
    await expectProblem(t.api, { status: 409, code: "role_name_taken" }, "POST", `/api/v1/editions/${w.editionId}/staff/roles`, w.manager, { name: "steward" });
    await expectProblem(t.api, { status: 422, code: "qualification_type_not_in_edition" }, "POST", `/api/v1/editions/${w.editionId}/staff/roles`, w.manager, {
      name: "Forklift",
      prerequisites: [other.licenceId],
    });
  });

  it("only the festival's managers manage staff; viewers read; strangers see nothing", async () => {
    const w = await operationsWorld(t.db, t.api);
    const viewer = await createTestUser(t.db);
    await grantFestivalAccess(t.db, w.event.festivalId, viewer, "viewer");
    const stranger = await createTestUser(t.db);
    const path = `/api/v1/editions/${w.editionId}/staff/departments`;
    await expectStatus(t.api, 200, "GET", path, viewer);
    await expectProblem(t.api, { status: 403, code: "insufficient_festival_access" }, "POST", path, viewer, { name: "Bar" });
    await expectProblem(t.api, { status: 404, code: "edition_not_found" }, "GET", path, stranger);
    await expectProblem(t.api, { status: 404, code: "edition_not_found" }, "POST", path, stranger, { name: "Bar" });
    assert.equal((await call(t.api, "GET", path, undefined)).status, 401);
    const a = await addMember(t.db, t.api, w, w.roles.steward);
    await expectProblem(t.api, { status: 404, code: "staff_member_not_found" }, "PATCH", `/api/v1/staff-members/${a.memberId}`, stranger, { badgeNumber: "X" });
  });

  it("records qualifications a member holds, and shows a member their badge", async () => {
    const w = await operationsWorld(t.db, t.api);
    const a = await addMember(t.db, t.api, w, w.roles.driver);
    const path = `/api/v1/staff-members/${a.memberId}/qualifications/${w.licenceId}`;
    const granted = await expectStatus(t.api, 200, "PUT", path, w.manager, { validUntil: "2030-01-01T00:00:00Z" });
    assert.deepEqual(granted.qualifications, [{ qualificationTypeId: w.licenceId, validUntil: "2030-01-01T00:00:00.000Z" }]);
    await expectProblem(t.api, { status: 422, code: "qualification_already_expired" }, "PUT", path, w.manager, { validUntil: "2020-01-01T00:00:00Z" });
    const mine = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${w.editionId}/me/staff`, a.user);
    assert.equal(mine.badgeNumber, a.badgeNumber);
    assert.match(mine.badgeQr, new RegExp(`^FSB1\\.${a.memberId}\\.`));
    await expectStatus(t.api, 204, "DELETE", path, w.manager);
    await expectProblem(t.api, { status: 404, code: "staff_member_qualification_not_found" }, "DELETE", path, w.manager);
    const moved = await expectStatus(t.api, 200, "PATCH", `/api/v1/staff-members/${a.memberId}`, w.manager, { roleId: w.roles.steward });
    assert.equal(moved.roleId, w.roles.steward);
    await expectProblem(t.api, { status: 404, code: "not_staff" }, "GET", `/api/v1/editions/${w.editionId}/me/staff`, w.manager);
  });
});
