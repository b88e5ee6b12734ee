import type { Knex } from "knex";
import { newId } from "../../../lib/ids.js";
import { expectStatus } from "../../support/api-suite.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import type { TestApi } from "../../support/http.js";
import { seedEvent, type SeededEvent } from "../gate/fixtures.js";

/**
 * An edition with staff structure, built through the API on a festival the gate fixtures
 * seeded (so it has an event contract and gate zones): a Security department, a driver-licence
 * qualification, roles Steward (no prerequisite), Driver (needs the licence) and Shift lead
 * (a lead role: may check others in). The organizer owns the festival (manager access).
 */
export interface OperationsWorld {
  event: SeededEvent;
  manager: TestUser;
  editionId: string;
  departmentId: string;
  licenceId: string;
  roles: { steward: string; driver: string; lead: string };
}

let counter = 0;

export async function operationsWorld(db: Knex, api: TestApi, opts: { published?: boolean } = {}): Promise<OperationsWorld> {
  const event = await seedEvent(db);
  const manager = event.organizer;
  // what a platform admin's verification leaves behind: publishing (the edition, its schedule) needs it
  await db("organizer_profiles").insert({
    id: newId(),
    user_id: manager.userId,
    company_name: "Ops events",
    verification_status: "verified",
    verified_at: new Date(),
  });
  const edition = await expectStatus(api, 201, "POST", `/api/v1/festivals/${event.festivalId}/editions`, manager, {
    name: "Ops",
    slug: `ops-${++counter}`,
    timezone: "Europe/Amsterdam",
    startsAt: "2026-06-01T10:00",
    endsAt: "2027-12-31T04:00",
    status: opts.published === false ? "draft" : "published",
  });
  const base = `/api/v1/editions/${edition.id}/staff`;
  const department = await expectStatus(api, 201, "POST", `${base}/departments`, manager, { name: "Security" });
  const licence = await expectStatus(api, 201, "POST", `${base}/qualification-types`, manager, {
    code: "driver-licence",
    name: "Driver licence",
    kind: "licence",
  });
  const steward = await expectStatus(api, 201, "POST", `${base}/roles`, manager, { name: "Steward", departmentId: department.id });
  const driver = await expectStatus(api, 201, "POST", `${base}/roles`, manager, { name: "Driver", departmentId: department.id, prerequisites: [licence.id] });
  const lead = await expectStatus(api, 201, "POST", `${base}/roles`, manager, { name: "Shift lead", departmentId: department.id, isLead: true });
  return {
    event,
    manager,
    editionId: edition.id,
    departmentId: department.id,
    licenceId: licence.id,
    roles: { steward: steward.id, driver: driver.id, lead: lead.id },
  };
}

let badge = 0;

/** A new user made staff of the world's edition in `roleId`; returns the user and the member id. */
export async function addMember(
  db: Knex,
  api: TestApi,
  w: OperationsWorld,
  roleId: string,
): Promise<{ user: TestUser; memberId: string; badgeNumber: string }> {
  const user = await createTestUser(db, { displayName: "Staff" });
  const badgeNumber = `B-${++badge}`;
  const member = await expectStatus(api, 201, "POST", `/api/v1/editions/${w.editionId}/staff/members`, w.manager, {
    userId: user.userId,
    roleId,
    departmentId: w.departmentId,
    badgeNumber,
  });
  return { user, memberId: member.id, badgeNumber };
}

export const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

/** A shift of `roleId` starting in `startMinutes` for `lengthMinutes`. */
export async function createShift(
  api: TestApi,
  w: OperationsWorld,
  roleId: string,
  opts: { startMinutes?: number; lengthMinutes?: number; needed?: number; zoneId?: string; extra?: Record<string, unknown> } = {},
) {
  const start = opts.startMinutes ?? 24 * 60;
  return expectStatus(api, 201, "POST", `/api/v1/editions/${w.editionId}/shifts`, w.manager, {
    roleId,
    departmentId: w.departmentId,
    title: `Shift at +${start}m`,
    startsAt: inMinutes(start),
    endsAt: inMinutes(start + (opts.lengthMinutes ?? 120)),
    needed: opts.needed ?? 2,
    ...(opts.zoneId ? { zoneId: opts.zoneId } : {}),
    ...opts.extra,
  });
}
