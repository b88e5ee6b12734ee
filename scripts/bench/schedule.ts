import { get, type Server } from "node:http";
import express from "express";
import type { Knex } from "knex";
import { loadConfig } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import { createLogger } from "../../lib/logger.js";
import { buildApp } from "../../backend/src/app.js";
import { AccessTokens } from "../../backend/src/modules/auth/access-tokens.js";
import { latencyProfile, listen, loadTest, machineNote, openBenchDatabase } from "./harness.js";
import { writeBenchReport } from "./report.js";

/**
 * `npm run bench:schedule`: seeds a festival at scale with set-based SQL (500,000 users,
 * 20 stages, 2,000 time slots with an artist each, 100,000 personal schedules of 10 picks),
 * publishes the schedule through the API, then measures, against a bare Express route in the
 * same run:
 *   - the published schedule of the edition (public, cached rendered JSON + ETag);
 *   - one attendee's personal schedule, rotating over many different signed-in attendees.
 * Throughput: autocannon, 50 connections, closed loop. Latency: 50 connections at a fixed
 * REFERENCE_RPS (open loop, scripts/bench/paced.ts), then a sweep for the highest rate within
 * target; the personal schedule's reference phase runs REPETITIONS times, each followed by the
 * bare route at the same rate (personalP99VsBare: median of the p99 ratios). REFERENCE_RPS = 500/s: about 3x the peak of a 500,000-attendee festival where each
 * attendee opens the schedule 5 times in the 4 busiest hours (500,000 x 5 / 14,400 s = 174/s).
 * Targets: p99 <= 50 ms for both, personalP99VsBare <= 3.
 */
const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const USERS = Number(process.env.BENCH_USERS ?? 500_000);
const STAGES = 20;
const SLOTS_PER_STAGE = 100;
const PERSONAL_SCHEDULES = Number(process.env.BENCH_PERSONAL_SCHEDULES ?? 100_000);
const PICKS = 10;
const SIGNED_IN_ATTENDEES = Number(process.env.BENCH_SIGNED_IN ?? 5_000);
const REFERENCE_RPS = Number(process.env.BENCH_REFERENCE_RPS ?? 500);
const TARGET_P99_MS = 50;
const REPETITIONS = 3; // of the personal schedule's paced phase only
const TARGET_P99_VS_BARE = 3;

async function cannon(url: string, opts: { headers?: Record<string, string>; authorizations?: string[]; expect304?: boolean } = {}) {
  const result = await loadTest({ url, connections: CONNECTIONS, duration: DURATION_S, headers: opts.headers ?? {}, authorizations: opts.authorizations });
  const wrong = opts.expect304 ? result.total - result.statuses["3xx"] : result.non2xx;
  if (wrong > 0 || result.errors > 0) throw new Error(`${url}: ${wrong} unexpected statuses, ${result.errors} errors`);
  return { ...result, mbPerSec: result.bytesPerSec / 1e6 };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const out = await fn();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

/** Everything with set-based SQL; uuidv7() is built into PostgreSQL 18. */
async function seed(db: Knex) {
  const ownerId = newId();
  const organizationId = newId();
  const festivalId = newId();
  const editionId = newId();
  const venueId = newId();
  await timed(`seed ${USERS.toLocaleString("en-US")} users`, () =>
    db.raw("insert into users (id, display_name) select uuidv7(), 'fan ' || g from generate_series(1, ?) g", [USERS]),
  );
  await db("users").insert({ id: ownerId, display_name: "owner" });
  // publishing needs a verified organizer
  await db("organizer_profiles").insert({
    id: newId(),
    user_id: ownerId,
    company_name: "Bench events",
    verification_status: "verified",
    verified_at: new Date(),
  });
  await db("organizations").insert({ id: organizationId, name: "Bench org", slug: `bench-${organizationId}` });
  await db("organization_members").insert({ id: newId(), organization_id: organizationId, user_id: ownerId, role: "owner" });
  await db("festivals").insert({ id: festivalId, organization_id: organizationId, name: "Bench Fest", slug: "bench-fest" });
  const startsAt = new Date("2025-07-03T08:00:00Z");
  await db("editions").insert({
    id: editionId,
    festival_id: festivalId,
    name: "2025",
    slug: "y2025",
    timezone: "Europe/Amsterdam",
    starts_at: startsAt,
    ends_at: new Date(startsAt.getTime() + 5 * 86_400_000),
    status: "published",
  });
  await db("venues").insert({ id: venueId, festival_id: festivalId, name: "Bench park" });
  await db("edition_venues").insert({ id: newId(), edition_id: editionId, venue_id: venueId });
  await timed(`seed ${STAGES} stages, ${STAGES * SLOTS_PER_STAGE} slots, artists and engagements`, async () => {
    await db.raw("insert into stages (id, venue_id, name, sort_order) select uuidv7(), ?, 'Stage ' || s, s from generate_series(1, ?) s", [venueId, STAGES]);
    await db.raw(
      `insert into time_slots (id, edition_id, stage_id, starts_at, ends_at, kind, title)
       select uuidv7(), ?, st.id, ?::timestamptz + make_interval(mins => i * 60), ?::timestamptz + make_interval(mins => i * 60 + 45), 'performance', st.name || ' set ' || i
         from stages st cross join generate_series(0, ? - 1) i where st.venue_id = ?`,
      [editionId, startsAt, startsAt, SLOTS_PER_STAGE, venueId],
    );
    await db.raw(
      `insert into artists (id, festival_id, name, genre)
       select uuidv7(), ?, 'Artist ' || g, (array['techno', 'house', 'indie', 'hip hop', 'jazz'])[1 + g % 5] from generate_series(1, ?) g`,
      [festivalId, STAGES * SLOTS_PER_STAGE],
    );
    await db.raw(
      `insert into engagements (id, time_slot_id, artist_id)
       select uuidv7(), t.id, a.id
         from (select id, row_number() over (order by id) n from time_slots where edition_id = ?) t
         join (select id, row_number() over (order by id) n from artists where festival_id = ?) a using (n)`,
      [editionId, festivalId],
    );
  });
  return { ownerId, editionId };
}

async function seedPersonalSchedules(db: Knex, editionId: string) {
  await timed(`seed ${PERSONAL_SCHEDULES.toLocaleString("en-US")} personal schedules x ${PICKS} picks`, async () => {
    await db.raw(
      `insert into personal_schedules (id, user_id, edition_id)
       select uuidv7(), id, ? from users where display_name like 'fan %' order by id limit ?`,
      [editionId, PERSONAL_SCHEDULES],
    );
    // pick k of schedule n: engagement number (n * 7919 + k * 197) mod count, distinct for k < 10
    await db.raw(
      `with eng as (
         select e.id, row_number() over (order by e.id) - 1 as n
           from engagements e join time_slots t on t.id = e.time_slot_id where t.edition_id = ?
       ), ps as (
         select id, row_number() over (order by id) as n from personal_schedules where edition_id = ?
       )
       insert into personal_schedule_entries (id, personal_schedule_id, engagement_id)
       select uuidv7(), ps.id, eng.id
         from ps cross join generate_series(0, ? - 1) k
         join eng on eng.n = (ps.n * 7919 + k * 197) % (select count(*) from eng)`,
      [editionId, editionId, PICKS],
    );
  });
  await timed("analyze", () => db.raw("analyze"));
}

async function tokensFor(db: Knex, config: ReturnType<typeof loadConfig>, editionId: string, count: number): Promise<string[]> {
  const users: Array<{ user_id: string }> = await db("personal_schedules")
    .where({ edition_id: editionId })
    .orderByRaw("random()")
    .limit(count)
    .select("user_id");
  const sessions = users.map((u) => ({ id: newId(), user_id: u.user_id, method: "test", expires_at: new Date(Date.now() + 3600_000) }));
  for (let i = 0; i < sessions.length; i += 1000) await db("auth_sessions").insert(sessions.slice(i, i + 1000));
  const tokens = new AccessTokens(config.auth.jwtSecret, config.auth.issuer, config.auth.accessTokenTtlSeconds);
  return Promise.all(sessions.map(async (s) => `Bearer ${(await tokens.issue(s.user_id, s.id)).token}`));
}

async function main(): Promise<void> {
  const { db, stop } = await openBenchDatabase("schedule");
  const servers: Server[] = [];
  try {
    const config = loadConfig({ LOG_LEVEL: "silent" });
    const seedStarted = performance.now();
    const { ownerId, editionId } = await seed(db);
    await seedPersonalSchedules(db, editionId);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    const api = await listen(buildApp({ config, db, log: createLogger("bench", "silent") }));
    const sameSize = { body: Buffer.alloc(0), encoding: "br" };
    const bare = await listen(
      express()
        .get("/bare", (_req, res) => void res.json({ status: "ok" }))
        .get("/bare-same-size", (_req, res) => void res.type("application/json").setHeader("Content-Encoding", sameSize.encoding).end(sameSize.body)),
    );
    servers.push(api.server, bare.server);

    // publish through the API (renders 2,000 slots, stores the document and its ETag)
    const [owner] = await tokensForUser(db, config, ownerId);
    const publishStarted = performance.now();
    const published = await fetch(`${api.url}/api/v1/editions/${editionId}/schedule/publish`, {
      method: "POST",
      headers: { authorization: owner!, "content-type": "application/json" },
      body: JSON.stringify({ notes: "bench" }),
    });
    if (published.status !== 201) throw new Error(`publish answered ${published.status}: ${await published.text()}`);
    const publishMs = performance.now() - publishStarted;

    const attendees = await timed(`sign in ${SIGNED_IN_ATTENDEES.toLocaleString("en-US")} attendees`, () =>
      tokensFor(db, config, editionId, SIGNED_IN_ATTENDEES),
    );
    // settle the seed, the publication and the sessions now: vacuum, then flush their dirty pages,
    // so neither autovacuum nor a timed checkpoint (5 min) writes them out during a measurement
    await db.raw("vacuum analyze");
    await db.raw("checkpoint");
    const scheduleUrl = `${api.url}/api/v1/editions/${editionId}/schedule`;
    const personalUrl = `${api.url}/api/v1/me/schedules/${editionId}`;
    const doc = await fetch(scheduleUrl);
    const documentBytes = (await doc.arrayBuffer()).byteLength;
    // the bytes the route sends to clients that accept brotli (made in the background after publication)
    const compressed = async (encoding: string) =>
      new Promise<{ body: Buffer; encoding: string }>((resolve, reject) =>
        get(scheduleUrl, { headers: { "accept-encoding": encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res
            .on("data", (chunk: Buffer) => chunks.push(chunk))
            .on("end", () => resolve({ body: Buffer.concat(chunks), encoding: String(res.headers["content-encoding"]) }))
            .on("error", reject);
        }).on("error", reject),
      );
    const gzipBytes = (await compressed("gzip")).body.length;
    let sent = await compressed("gzip, br");
    for (let i = 0; i < 300 && sent.encoding !== "br"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      sent = await compressed("gzip, br");
    }
    if (sent.encoding !== "br") throw new Error("the brotli copy of the schedule was not ready after 30 s");
    Object.assign(sameSize, sent);
    const brotliBytes = sameSize.body.length;
    const check = await fetch(personalUrl, { headers: { authorization: attendees[0]! } });
    const sample = (await check.json()) as { entries: unknown[] };
    if (check.status !== 200 || sample.entries.length !== PICKS) throw new Error(`personal schedule answered ${check.status}`);

    await cannon(`${bare.url}/bare`); // warm every path (JIT, session cache) before measuring
    await cannon(scheduleUrl, { headers: { "accept-encoding": "gzip" } });
    await cannon(personalUrl, { authorizations: attendees });
    const bareRun = await cannon(`${bare.url}/bare`);
    const schedule = await cannon(scheduleUrl, { headers: { "accept-encoding": "gzip, br" } });
    const scheduleIdentity = await cannon(scheduleUrl);
    const revalidate = await cannon(scheduleUrl, { headers: { "if-none-match": doc.headers.get("etag")! }, expect304: true });
    const personal = await cannon(personalUrl, { authorizations: attendees });
    const bareSameSize = await cannon(`${bare.url}/bare-same-size`);
    const me = await cannon(`${api.url}/api/v1/me`, { authorizations: attendees });

    const latency = (url: string, extra: { headers?: Record<string, string>; authorizations?: string[] }, versusBare = false) =>
      latencyProfile(() => ({ url, connections: CONNECTIONS, ...extra }), {
        reference: REFERENCE_RPS,
        seconds: DURATION_S,
        sweep: [250, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000],
        targetP99Ms: TARGET_P99_MS,
        // the floor: the bare JSON route under the same open-loop load, right after each repetition
        ...(versusBare ? { bare: () => ({ url: `${bare.url}/bare`, connections: CONNECTIONS }), repetitions: REPETITIONS } : {}),
      });
    console.log(`published schedule at ${REFERENCE_RPS}/s, ${CONNECTIONS} connections, then a sweep ...`);
    const schedulePaced = await latency(scheduleUrl, { headers: { "accept-encoding": "gzip, br" } });
    console.log(`personal schedule at ${REFERENCE_RPS}/s, ${CONNECTIONS} connections, ${REPETITIONS} times against the bare route, then a sweep ...`);
    const personalPaced = await latency(personalUrl, { authorizations: attendees }, true);
    const personalVsBare = personalPaced.versusBare!;
    for (const run of [schedulePaced.atReference, ...personalVsBare.all]) {
      if (run.errors > 0 || run.statuses["2xx"] !== run.sent) throw new Error(`paced run: ${JSON.stringify(run)}`);
    }

    await writeBenchReport(
      "schedule",
      {
        scheduleP99Ms: schedulePaced.atReference.p99,
        scheduleP50Ms: schedulePaced.atReference.p50,
        personalP99Ms: personalPaced.atReference.p99,
        personalP50Ms: personalPaced.atReference.p50,
        personalP99VsBare: personalVsBare.ratio,
        bareP99AtSameRps: personalVsBare.bareP99,
        personalP99Repetitions: personalVsBare.runs,
        latencyAtRps: REFERENCE_RPS,
        scheduleMaxRpsWithinP99Target: schedulePaced.maxRateWithinTarget,
        personalMaxRpsWithinP99Target: personalPaced.maxRateWithinTarget,
        scheduleSweepP99: schedulePaced.sweepP99,
        personalSweepP99: personalPaced.sweepP99,
        scheduleRps: Math.round(schedule.rps),
        scheduleSaturatedP99Ms: schedule.p99,
        scheduleMBps: Math.round(schedule.mbPerSec),
        scheduleDocumentBytes: documentBytes,
        scheduleGzipBytes: gzipBytes,
        scheduleBrotliBytes: brotliBytes,
        scheduleUncompressedP99Ms: scheduleIdentity.p99,
        scheduleUncompressedRps: Math.round(scheduleIdentity.rps),
        revalidate304Rps: Math.round(revalidate.rps),
        revalidate304P99Ms: revalidate.p99,
        personalRps: Math.round(personal.rps),
        personalSaturatedP99Ms: personal.p99,
        bareRps: Math.round(bareRun.rps),
        bareP99Ms: bareRun.p99,
        bareSameSizeRps: Math.round(bareSameSize.rps),
        bareSameSizeP99Ms: bareSameSize.p99,
        authedMeRps: Math.round(me.rps),
        authedMeP99Ms: me.p99,
        publishMs: Math.round(publishMs),
        seedSeconds: Math.round(seedSeconds),
        users: USERS,
        timeSlots: STAGES * SLOTS_PER_STAGE,
        personalSchedules: PERSONAL_SCHEDULES,
        signedInAttendees: attendees.length,
        connections: CONNECTIONS,
        durationSeconds: DURATION_S,
        targetsMet:
          schedulePaced.atReference.p99 <= TARGET_P99_MS && personalPaced.atReference.p99 <= TARGET_P99_MS && personalVsBare.ratio <= TARGET_P99_VS_BARE,
      },
      [
        `targets: scheduleP99Ms and personalP99Ms <= ${TARGET_P99_MS} at ${REFERENCE_RPS}/s, personalP99VsBare <= ${TARGET_P99_VS_BARE}`,
        "schedule = GET /api/v1/editions/{id}/schedule with Accept-Encoding: gzip, br (as apps and browsers send it), public: latest-version pointer cached 1 s, rendered JSON, its brotli/gzip copies and ETag cached per immutable version; scheduleUncompressed = the same without Accept-Encoding",
        `*P99Ms / *P50Ms: open loop at latencyAtRps (${REFERENCE_RPS}/s), ${CONNECTIONS} connections, latency from each request's scheduled start (scripts/bench/paced.ts); personalP99Ms / personalP50Ms: the median of ${REPETITIONS} repetitions, each followed by the bare route at the same rate (bareP99AtSameRps: their median; personalP99VsBare: median of the ${REPETITIONS} ratios personal p99 / bare p99; personalP99Repetitions: each repetition's personal / bare p99); *MaxRpsWithinP99Target: highest rate of the sweep with p99 <= ${TARGET_P99_MS} ms; *Rps and *Saturated*: autocannon, closed loop`,
        "revalidate = the same with If-None-Match: 304, no body",
        `personal = GET /api/v1/me/schedules/{id}, rotating over ${attendees.length} signed-in attendees (JWT + session cache, one indexed query, in-memory join with the published version)`,
        "bare = a plain Express app answering JSON; bareSameSize = the same app sending the schedule's brotli bytes (the transport floor for that body); authedMe = GET /api/v1/me with the same rotating attendees (identity stack + one DB read)",
        "load generators run in their own process",
        machineNote(),
      ],
    );
  } finally {
    for (const s of servers) s.close();
    await stop();
  }
}

async function tokensForUser(db: Knex, config: ReturnType<typeof loadConfig>, userId: string): Promise<string[]> {
  const sessionId = newId();
  await db("auth_sessions").insert({ id: sessionId, user_id: userId, method: "test", expires_at: new Date(Date.now() + 3600_000) });
  const tokens = new AccessTokens(config.auth.jwtSecret, config.auth.issuer, config.auth.accessTokenTtlSeconds);
  return [`Bearer ${(await tokens.issue(userId, sessionId)).token}`];
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error("bench:schedule failed:", error);
    process.exit(1);
  },
);
