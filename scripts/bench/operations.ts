import os from "node:os";
import { Model } from "objection";
import { loadConfig } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import { createLogger } from "../../lib/logger.js";
import { buildApp } from "../../backend/src/app.js";
import { AccessTokens } from "../../backend/src/modules/auth/access-tokens.js";
import { BadgeCodec } from "../../backend/src/modules/staff/badges.js";
import { seedEvent } from "../../test/backend/gate/fixtures.js";
import { latencyProfile, listen, machineNote, openBenchDatabase } from "./harness.js";
import { writeBenchReport } from "./report.js";

/**
 * `npm run bench:operations`: one edition with STAFF staff members (10,000: ten times the
 * ~1,000 Engelsystem states), SHIFTS shifts (2,000) and SPOTS camping spots (50,000), seeded
 * straight into a fresh database, then the real app on loopback with the load generator in its
 * own process (harness.ts), open loop (paced.ts: latency from each request's scheduled start):
 *
 * - eligibleShiftsP99Ms: GET /editions/{id}/me/eligible-shifts?limit=20 at ELIGIBLE_RPS, as
 *   many different staff members (their role, prerequisites, window, fullness, overlap);
 * - coverageBoardP99Ms: GET /editions/{id}/coverage at COVERAGE_RPS (a manager);
 * - shiftCheckInP99Ms: POST /editions/{id}/shift-check-ins at CHECK_IN_RPS, each request a
 *   different badge of someone with a shift starting now (a lead at a kiosk);
 * - overbooked: after BURST concurrent sign-ups for BURST_SHIFTS shifts of NEEDED places each,
 *   how many places are held beyond a shift's needed count (must be 0), and how many sign-ups
 *   were admitted (must be BURST_SHIFTS x NEEDED).
 *
 * BENCH_SCALE (default 1) multiplies the seed sizes (0.1 for a quick run); BENCH_DURATION_S the
 * seconds of each paced run (default 5). Targets: each p99 <= 50 ms, overbooked 0.
 */
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const STAFF = Math.round(10_000 * SCALE);
const SHIFTS = Math.round(2_000 * SCALE);
const SPOTS = Math.round(50_000 * SCALE);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ELIGIBLE_RPS = Number(process.env.ELIGIBLE_RPS ?? 200);
const COVERAGE_RPS = Number(process.env.COVERAGE_RPS ?? 50);
const CHECK_IN_RPS = Number(process.env.CHECK_IN_RPS ?? 100);
const CONNECTIONS = 50;
const TARGET_P99_MS = 50;
const ROLES = 20;
const DEPARTMENTS = 5;
const BURST_SHIFTS = 20;
const NEEDED = 5;
const BURST_PER_SHIFT = 25;

async function insertBatched(db: Awaited<ReturnType<typeof openBenchDatabase>>["db"], table: string, rows: object[]) {
  for (let i = 0; i < rows.length; i += 2000) await db(table).insert(rows.slice(i, i + 2000));
}

async function main(): Promise<void> {
  const { db, stop } = await openBenchDatabase("operations");
  Model.knex(db);
  const config = loadConfig({ ...process.env, LOG_LEVEL: "silent" });
  const tokens = new AccessTokens(config.auth.jwtSecret, config.auth.issuer, 3600);
  const badges = new BadgeCodec(config);
  const hour = 3600_000;
  const now = Date.now();

  console.log(`seeding: one edition, ${STAFF} staff, ${SHIFTS} shifts, ${SPOTS} camping spots ...`);
  const event = await seedEvent(db);
  const editionId = newId();
  await db("editions").insert({
    id: editionId,
    festival_id: event.festivalId,
    name: "Bench",
    slug: "bench",
    starts_at: new Date(now - 24 * hour),
    ends_at: new Date(now + 30 * 24 * hour),
    timezone: "Europe/Amsterdam",
    status: "published",
  });
  const departments = Array.from({ length: DEPARTMENTS }, (_, i) => ({ id: newId(), edition_id: editionId, name: `Department ${i}` }));
  await db("staff_departments").insert(departments);
  const licence = { id: newId(), edition_id: editionId, code: "driver-licence", name: "Driver licence", kind: "licence" };
  await db("staff_qualification_types").insert(licence);
  const roles = Array.from({ length: ROLES }, (_, i) => ({
    id: newId(),
    edition_id: editionId,
    department_id: departments[i % DEPARTMENTS]!.id,
    name: `Role ${i}`,
    is_lead: i === 0,
  }));
  await db("staff_roles").insert(roles);
  // every other role needs the licence
  await db("staff_role_requirements").insert(
    roles.filter((_, i) => i % 2 === 1).map((r) => ({ role_id: r.id, qualification_type_id: licence.id, edition_id: editionId })),
  );

  const members: Array<{ id: string; user_id: string; role: number }> = [];
  {
    const users = [];
    const rows = [];
    const held = [];
    for (let i = 0; i < STAFF; i++) {
      const userId = newId();
      const role = i % ROLES;
      const id = newId();
      users.push({ id: userId, email: `staff-${i}-${userId}@bench.test`, display_name: `Staff ${i}`, email_verified_at: new Date() });
      rows.push({ id, edition_id: editionId, user_id: userId, role_id: roles[role]!.id, department_id: roles[role]!.department_id, badge_number: `S-${i}` });
      if (i % 4 !== 3) held.push({ member_id: id, qualification_type_id: licence.id, edition_id: editionId });
      members.push({ id, user_id: userId, role });
    }
    await insertBatched(db, "users", users);
    await insertBatched(db, "staff_members", rows);
    await insertBatched(db, "staff_member_qualifications", held);
  }

  // shifts: spread over the coming days, 4 h each, in turn per role; a quarter at gate zones
  const zones = Object.values(event.zones);
  const shifts: Array<{ id: string; role: number }> = [];
  {
    const rows = [];
    for (let i = 0; i < SHIFTS; i++) {
      const role = i % ROLES;
      const start = now + 24 * hour + Math.floor(i / ROLES) * 2 * hour;
      const id = newId();
      rows.push({
        id,
        edition_id: editionId,
        role_id: roles[role]!.id,
        department_id: roles[role]!.department_id,
        zone_id: i % 4 === 0 ? zones[i % zones.length] : null,
        title: `Shift ${i}`,
        starts_at: new Date(start),
        ends_at: new Date(start + 4 * hour),
        needed: 5 + (i % 6),
        leave_cutoff_minutes: 120,
      });
      shifts.push({ id, role });
    }
    await insertBatched(db, "shifts", rows);
  }
  // some sign-ups already: each member in the first 40 % signs up for one shift of their role (the trigger counts them)
  {
    const rows = [];
    const byRole = new Map<number, string[]>();
    for (const s of shifts) byRole.set(s.role, [...(byRole.get(s.role) ?? []), s.id]);
    const taken = new Map<string, number>();
    for (let i = 0; i < Math.floor(STAFF * 0.4); i++) {
      const m = members[i]!;
      const list = byRole.get(m.role)!;
      const shiftId = list[i % list.length]!;
      if ((taken.get(shiftId) ?? 0) >= 4) continue;
      taken.set(shiftId, (taken.get(shiftId) ?? 0) + 1);
      rows.push({ id: newId(), shift_id: shiftId, member_id: m.id, edition_id: editionId, starts_at: new Date(), ends_at: new Date() });
    }
    await insertBatched(db, "shift_signups", rows);
  }
  // shifts under way soon, for check-in: members of the last 10 % (no other sign-up), 10 per shift
  const checkInMembers = members.slice(Math.floor(STAFF * 0.9));
  {
    const byRole = new Map<number, typeof checkInMembers>();
    for (const m of checkInMembers) byRole.set(m.role, [...(byRole.get(m.role) ?? []), m]);
    const signups = [];
    for (const [role, list] of byRole) {
      for (let k = 0; k < list.length; k += 10) {
        const id = newId();
        await db("shifts").insert({
          id,
          edition_id: editionId,
          role_id: roles[role]!.id,
          department_id: roles[role]!.department_id,
          zone_id: zones[k % zones.length],
          title: "Now",
          starts_at: new Date(now + 30 * 60_000),
          ends_at: new Date(now + 4 * hour),
          needed: 10,
        });
        for (const m of list.slice(k, k + 10))
          signups.push({ id: newId(), shift_id: id, member_id: m.id, edition_id: editionId, starts_at: new Date(), ends_at: new Date() });
      }
    }
    await insertBatched(db, "shift_signups", signups);
  }
  // the burst: shifts of the lead role with NEEDED places, and members of that role with nothing else
  const burstShifts: string[] = [];
  for (let i = 0; i < BURST_SHIFTS; i++) {
    const id = newId();
    const start = now + 20 * 24 * hour + i * 5 * hour;
    await db("shifts").insert({
      id,
      edition_id: editionId,
      role_id: roles[0]!.id,
      department_id: roles[0]!.department_id,
      title: `Burst ${i}`,
      starts_at: new Date(start),
      ends_at: new Date(start + 4 * hour),
      needed: NEEDED,
    });
    burstShifts.push(id);
  }
  // camping: 10 zones, SPOTS spots
  {
    const campingZones = Array.from({ length: 10 }, (_, i) => ({ id: newId(), edition_id: editionId, code: `field-${i}`, name: `Field ${i}` }));
    await db("camping_zones").insert(campingZones);
    const spots = [];
    for (let i = 0; i < SPOTS; i++) {
      const zone = campingZones[i % 10]!;
      spots.push({
        id: newId(),
        zone_id: zone.id,
        edition_id: editionId,
        code: `S-${i}`,
        kind: i % 7 === 0 ? "caravan" : "tent",
        size_sqm: 20,
        price_minor: 4500,
        currency: "EUR",
      });
    }
    await insertBatched(db, "camping_spots", spots);
  }

  // sessions and tokens for the callers
  const session = async (userId: string) => {
    const sessionId = newId();
    await db("auth_sessions").insert({ id: sessionId, user_id: userId, method: "test", expires_at: new Date(now + 2 * hour) });
    return `Bearer ${(await tokens.issue(userId, sessionId)).token}`;
  };
  const browsing = members.slice(Math.floor(STAFF * 0.5), Math.floor(STAFF * 0.5) + 500);
  const browsingAuth = await Promise.all(browsing.map((m) => session(m.user_id)));
  const managerAuth = event.organizer.headers.authorization;
  const burstMembers = members.filter((m, i) => m.role === 0 && i >= Math.floor(STAFF * 0.4) && i < Math.floor(STAFF * 0.9));
  const burstAuth = await Promise.all(burstMembers.slice(0, BURST_SHIFTS * BURST_PER_SHIFT).map((m) => session(m.user_id)));
  await db.raw("vacuum analyze");
  await db.raw("checkpoint");

  const app = buildApp({ config, db, log: createLogger("bench", "silent") });
  const api = await listen(app);
  const base = `${api.url}/api/v1/editions/${editionId}`;

  const sample = await fetch(`${base}/me/eligible-shifts?limit=20`, { headers: { authorization: browsingAuth[0]! } });
  const sampleBody = (await sample.json()) as { items: unknown[] };
  if (sample.status !== 200 || sampleBody.items.length === 0) throw new Error(`eligible shifts: ${sample.status} ${JSON.stringify(sampleBody).slice(0, 300)}`);

  console.log(`eligible shifts, open loop at ${ELIGIBLE_RPS}/s over ${CONNECTIONS} connections, ${DURATION_S} s ...`);
  const eligible = await latencyProfile(() => ({ url: `${base}/me/eligible-shifts?limit=20`, connections: CONNECTIONS, authorizations: browsingAuth }), {
    reference: ELIGIBLE_RPS,
    seconds: DURATION_S,
    sweep: [],
    targetP99Ms: TARGET_P99_MS,
  });
  const coverageAt = encodeURIComponent(new Date(now + hour).toISOString());
  console.log(`coverage board, open loop at ${COVERAGE_RPS}/s ...`);
  const coverage = await latencyProfile(() => ({ url: `${base}/coverage?at=${coverageAt}`, connections: 10, headers: { authorization: managerAuth } }), {
    reference: COVERAGE_RPS,
    seconds: DURATION_S,
    sweep: [],
    targetP99Ms: TARGET_P99_MS,
  });
  console.log(`shift check-in, open loop at ${CHECK_IN_RPS}/s, each request a different badge ...`);
  const badgeBodies = checkInMembers.map((m) => JSON.stringify({ badge: badges.encode(m.id) }));
  const checkIn = await latencyProfile(
    () => ({
      url: `${base}/shift-check-ins`,
      method: "POST",
      connections: CONNECTIONS,
      headers: { "content-type": "application/json", authorization: managerAuth },
      bodies: badgeBodies,
    }),
    { reference: CHECK_IN_RPS, seconds: DURATION_S, sweep: [], targetP99Ms: TARGET_P99_MS },
  );

  console.log(`burst: ${burstAuth.length} concurrent sign-ups for ${BURST_SHIFTS} shifts of ${NEEDED} places ...`);
  const results = await Promise.all(
    burstAuth.map((authorization, i) =>
      fetch(`${api.url}/api/v1/shifts/${burstShifts[i % BURST_SHIFTS]}/signups`, { method: "POST", headers: { authorization } }).then(async (r) => ({
        status: r.status,
        code: r.status === 201 ? null : ((await r.json()) as { code: string }).code,
      })),
    ),
  );
  const admitted = results.filter((r) => r.status === 201).length;
  const refusals = new Map<string, number>();
  for (const r of results) if (r.code) refusals.set(r.code, (refusals.get(r.code) ?? 0) + 1);
  const { rows: over } = await db.raw<{ rows: Array<{ overbooked: number }> }>(
    `select coalesce(sum(greatest(n - s.needed, 0)), 0)::int as overbooked
       from shifts s join (select shift_id, count(*)::int as n from shift_signups
                            where status in ('SCHEDULED', 'CONFIRMED', 'IN_PROGRESS', 'COMPLETED') group by shift_id) c on c.shift_id = s.id
      where s.edition_id = ?`,
    [editionId],
  );

  const ok = (r: { atReference: { errors: number; statuses: Record<string, number>; sent: number } }) =>
    r.atReference.errors === 0 && r.atReference.statuses["2xx"] === r.atReference.sent;
  await writeBenchReport(
    "operations",
    {
      eligibleShiftsP99Ms: eligible.atReference.p99,
      eligibleShiftsP50Ms: eligible.atReference.p50,
      eligibleShiftsRps: ELIGIBLE_RPS,
      coverageBoardP99Ms: coverage.atReference.p99,
      coverageBoardP50Ms: coverage.atReference.p50,
      coverageBoardRps: COVERAGE_RPS,
      shiftCheckInP99Ms: checkIn.atReference.p99,
      shiftCheckInP50Ms: checkIn.atReference.p50,
      shiftCheckInRps: CHECK_IN_RPS,
      overbooked: over[0]!.overbooked,
      burstSignups: results.length,
      burstAdmitted: admitted,
      burstExpectedAdmitted: Math.min(results.length, BURST_SHIFTS * NEEDED),
      allPacedRequests2xx: ok(eligible) && ok(coverage) && ok(checkIn),
      staff: STAFF,
      shifts: SHIFTS,
      campingSpots: SPOTS,
      durationS: DURATION_S,
      cpus: os.cpus().length,
    },
    [
      `targets: each p99 <= ${TARGET_P99_MS} ms, overbooked 0`,
      `burst refusals: ${[...refusals].map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`,
      "p99 / p50: open loop (paced.ts) at the stated rate, latency from each request's scheduled start",
      "check-in: a festival manager's kiosk, each request a different badge of someone whose shift starts in 30 minutes (a repeat answers already_checked_in, also 200)",
      machineNote(),
    ],
  );
  await new Promise((r) => api.server.close(r));
  await stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
