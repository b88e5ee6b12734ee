import { Model } from "objection";
import { loadConfig } from "../../lib/config.js";
import { createLogger } from "../../lib/logger.js";
import { buildApp } from "../../backend/src/app.js";
import { AccessTokens } from "../../backend/src/modules/auth/access-tokens.js";
import { listen, machineNote, openBenchDatabase, pacedTest } from "./harness.js";
import { writeBenchReport } from "./report.js";

/**
 * `npm run bench:backoffice`: the back office under row-level security on a fresh database
 * with BENCH_COMPANIES companies (100), BENCH_ARTISTS artists (20,000, spread over the
 * companies), BENCH_EXPENSES expenses (200,000; a fifth of them waiting for approval) and
 * BENCH_CONTRACTS contracts (50,000, one version each), seeded in SQL.
 *
 * (1) open loop (paced.ts) at BENCH_RATE requests/s (default 100: 1,000 users each asking
 * every 10 s) for BENCH_DURATION_S, from BENCH_USERS distinct signed-in users (1,000, each in
 * their own company, every request with the next user's token) over 100 keep-alive
 * connections: approvalQueueP99Ms (GET .../approval-queue as the companies' admins and
 * accountants) and artistDashboardP99Ms (GET .../expenses?mine=true, an artist's own
 * expenses, and GET .../contracts, their contracts, alternating).
 * (2) rlsOverheadRatio: the same two statements run in SQL, interleaved, as the tenant role
 * under the policies (company from app.company_id) and as the owner with the company as an
 * explicit predicate (RLS bypassed); the ratio of the medians.
 *
 * A small run: BENCH_COMPANIES=10 BENCH_ARTISTS=500 BENCH_EXPENSES=5000 BENCH_CONTRACTS=1000 BENCH_USERS=100 BENCH_DURATION_S=3
 */
const COMPANIES = Number(process.env.BENCH_COMPANIES ?? 100);
const ARTISTS = Number(process.env.BENCH_ARTISTS ?? 20_000);
const EXPENSES = Number(process.env.BENCH_EXPENSES ?? 200_000);
const CONTRACTS = Number(process.env.BENCH_CONTRACTS ?? 50_000);
const USERS = Number(process.env.BENCH_USERS ?? 1_000);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = 100;
const SQL_ROUNDS = Number(process.env.BENCH_SQL_ROUNDS ?? 2_000);
const TARGET_P99_MS = 50;
const TARGET_RLS_RATIO = 1.3;

async function main(): Promise<void> {
  const { db, stop } = await openBenchDatabase("backoffice");
  Model.knex(db);
  const config = loadConfig({ ...process.env, LOG_LEVEL: "silent" });
  console.log(`seeding: ${COMPANIES} companies, ${ARTISTS} artists, ${EXPENSES} expenses, ${CONTRACTS} contracts ...`);
  const seedStarted = performance.now();
  const seed = (sql: string, bindings: unknown[] = []) => db.raw(sql, bindings as never);
  // companies c = 0..COMPANIES-1, each with an admin and an accountant; artist a works for company a % COMPANIES
  await seed(
    `
    create table bench_companies as
      select c, gen_random_uuid() as id, gen_random_uuid() as admin_id, gen_random_uuid() as accountant_id, gen_random_uuid() as production_id
      from generate_series(0, ? - 1) c`,
    [COMPANIES],
  );
  await seed(
    `create table bench_artists as
      select a, a % ? as c, gen_random_uuid() as user_id, gen_random_uuid() as artist_id from generate_series(0, ? - 1) a`,
    [COMPANIES, ARTISTS],
  );
  await seed(`insert into organizations (id, name, slug) select id, 'Company ' || c, 'bench-company-' || c from bench_companies`);
  await seed(`insert into users (id, email, display_name)
      select admin_id, 'admin' || c || '@bench.test', 'Admin ' || c from bench_companies
      union all select accountant_id, 'accountant' || c || '@bench.test', 'Accountant ' || c from bench_companies
      union all select user_id, 'artist' || a || '@bench.test', 'Artist ' || a from bench_artists`);
  await seed(`insert into company_settings (company_id, timezone, default_currency) select id, 'Europe/Berlin', 'EUR' from bench_companies`);
  await seed(`insert into company_roles (id, company_id, user_id, role)
      select gen_random_uuid(), id, admin_id, 'admin' from bench_companies
      union all select gen_random_uuid(), id, accountant_id, 'accountant' from bench_companies
      union all select gen_random_uuid(), c.id, a.user_id, 'artist' from bench_artists a join bench_companies c using (c)`);
  await seed(`insert into company_artists (id, company_id, user_id, stage_name)
      select a.artist_id, c.id, a.user_id, 'Artist ' || a.a from bench_artists a join bench_companies c using (c)`);
  await seed(`insert into productions (id, company_id, name, starts_on, ends_on, currency)
      select production_id, id, 'Season ' || c, current_date - 200, current_date + 200, 'EUR' from bench_companies`);
  await seed(
    `insert into expenses (id, company_id, artist_id, submitter_user_id, production_id, category, description, expense_date,
        amount_minor, currency, exchange_rate, base_amount_minor, base_currency, status, required_approvals, submitted_at, created_at)
      select gen_random_uuid(), c.id, a.artist_id, a.user_id, c.production_id, 'travel', 'expense ' || e, current_date - (e % 80),
        1000 + (e % 90000), 'EUR', 1, 1000 + (e % 90000), 'EUR',
        (array['submitted', 'approved', 'paid', 'in_review', 'draft', 'approved', 'paid', 'rejected', 'submitted', 'paid'])[1 + e % 10],
        1, now() - make_interval(mins => e % 100000), now() - make_interval(mins => e % 100000)
      from generate_series(0, ? - 1) e join bench_artists a on a.a = e % ? join bench_companies c on c.c = a.c`,
    [EXPENSES, ARTISTS],
  );
  await seed(
    `insert into artist_contracts (id, company_id, artist_id, production_id, number, status, created_at)
      select gen_random_uuid(), c.id, a.artist_id, c.production_id, 'AC-' || k, (array['draft', 'pending_signature', 'cancelled'])[1 + k % 3], now() - make_interval(mins => k)
      from generate_series(0, ? - 1) k join bench_artists a on a.a = k % ? join bench_companies c on c.c = a.c`,
    [CONTRACTS, ARTISTS],
  );
  await seed(`insert into artist_contract_versions (id, company_id, contract_id, version, fee_minor, currency, starts_on, ends_on, document_sha256)
      select gen_random_uuid(), company_id, id, 1, 250000, 'EUR', current_date, current_date + 30, sha256(id::text::bytea) from artist_contracts`);
  // settle the bulk load before measuring: visibility map (index-only scans), statistics, and no checkpoint or autovacuum mid-run
  await seed("vacuum (analyze)");
  await seed("checkpoint");
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`  seeded in ${seedSeconds.toFixed(1)} s`);

  // signed-in users: the companies' reviewers and artists of every company, one session each
  const reviewers: Array<{ company: string; user: string }> = (await db("bench_companies").select("id", "admin_id", "accountant_id")).flatMap(
    (r: { id: string; admin_id: string; accountant_id: string }) => [
      { company: r.id, user: r.admin_id },
      { company: r.id, user: r.accountant_id },
    ],
  );
  const artists: Array<{ company: string; user: string }> = await db("bench_artists as a")
    .join("bench_companies as c", "c.c", "a.c")
    .orderBy("a.a")
    .limit(Math.max(1, USERS - Math.min(reviewers.length, USERS / 2)))
    .select("c.id as company", "a.user_id as user");
  const tokens = new AccessTokens(config.auth.jwtSecret, config.auth.issuer, 3600);
  const sign = async (users: Array<{ company: string; user: string }>) => {
    const sessions = users.map((u) => ({ id: crypto.randomUUID(), user_id: u.user, method: "test", expires_at: new Date(Date.now() + 3600_000) }));
    for (let i = 0; i < sessions.length; i += 1000) await db("auth_sessions").insert(sessions.slice(i, i + 1000));
    return Promise.all(users.map(async (u, i) => ({ ...u, authorization: `Bearer ${(await tokens.issue(u.user, sessions[i]!.id)).token}` })));
  };
  const reviewerUsers = await sign(reviewers.slice(0, Math.min(reviewers.length, USERS / 2)));
  const artistUsers = await sign(artists);
  console.log(`  ${reviewerUsers.length + artistUsers.length} signed-in users`);

  const app = buildApp({ config, db, log: createLogger("bench", "silent") });
  const api = await listen(app);
  const queuePaths = reviewerUsers.map((u) => `/api/v1/companies/${u.company}/approval-queue?limit=20`);
  const dashboardPaths = artistUsers.map((u, i) =>
    i % 2 === 0 ? `/api/v1/companies/${u.company}/expenses?mine=true&limit=20` : `/api/v1/companies/${u.company}/contracts?limit=20`,
  );
  const paced = async (name: string, paths: string[], authorizations: string[]) => {
    await pacedTest({ url: api.url, paths, authorizations, connections: CONNECTIONS, rate: Math.min(RATE, 100), durationSeconds: 2 }); // warm-up
    const r = await pacedTest({ url: api.url, paths, authorizations, connections: CONNECTIONS, rate: RATE, durationSeconds: DURATION_S });
    console.log(
      `  ${name}: open loop ${RATE}/s for ${DURATION_S} s: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, ${JSON.stringify(r.statuses)}, ${r.errors} errors`,
    );
    return r;
  };
  const queue = await paced(
    "approval queue",
    queuePaths,
    reviewerUsers.map((u) => u.authorization),
  );
  const dashboard = await paced(
    "artist dashboard",
    dashboardPaths,
    artistUsers.map((u) => u.authorization),
  );

  // RLS on vs off: the same statements, interleaved, on one connection
  console.log(`rls overhead: ${SQL_ROUNDS} rounds of each statement with RLS and without ...`);
  const queueSql = (explicit: boolean) => `select e.* from expenses e where ${explicit ? "e.company_id = $1 and" : ""} e.status in ('submitted', 'in_review')
      and e.submitter_user_id <> $2 and not exists (select 1 from expense_approvals a where a.expense_id = e.id and a.approver_user_id = $2)
      order by e.submitted_at, e.id limit 21`;
  const mineSql = (explicit: boolean) =>
    `select * from expenses where ${explicit ? "company_id = $1 and" : ""} submitter_user_id = $2 order by created_at desc, id desc limit 21`;
  const client = await db.client.acquireConnection();
  const times = { rls: [] as number[], plain: [] as number[] };
  try {
    for (let i = 0; i < SQL_ROUNDS; i++) {
      const reviewer = reviewers[i % reviewers.length]!;
      const artist = artists[i % artists.length]!;
      for (const rls of i % 2 === 0 ? [true, false] : [false, true]) {
        const started = performance.now();
        await client.query("begin");
        // the same round trips in both: the plain round sets a setting nothing reads
        if (rls) await client.query("select set_config('role', 'backoffice_tenant', true), set_config('app.company_id', $1, true)", [reviewer.company]);
        else await client.query("select set_config('app.bench', $1, true), set_config('app.bench2', $1, true)", [reviewer.company]);
        await client.query(rls ? queueSql(false).replaceAll("$2", "$1") : queueSql(true), rls ? [reviewer.user] : [reviewer.company, reviewer.user]);
        await client.query(rls ? "select set_config('app.company_id', $1, true)" : "select set_config('app.bench', $1, true)", [artist.company]);
        await client.query(rls ? mineSql(false).replaceAll("$2", "$1") : mineSql(true), rls ? [artist.user] : [artist.company, artist.user]);
        await client.query("commit");
        (rls ? times.rls : times.plain).push(performance.now() - started);
      }
    }
  } finally {
    await db.client.releaseConnection(client);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rlsMedian = median(times.rls);
  const plainMedian = median(times.plain);
  const ratio = Number((rlsMedian / plainMedian).toFixed(3));
  console.log(`  median round: RLS ${rlsMedian.toFixed(3)} ms, plain ${plainMedian.toFixed(3)} ms, ratio ${ratio}`);

  await new Promise<void>((resolve) => api.server.close(() => resolve()));
  const figures = {
    companies: COMPANIES,
    artists: ARTISTS,
    expenses: EXPENSES,
    contracts: CONTRACTS,
    users: reviewerUsers.length + artistUsers.length,
    rateRps: RATE,
    seedSeconds: Number(seedSeconds.toFixed(1)),
    approvalQueueP50Ms: queue.p50,
    approvalQueueP99Ms: queue.p99,
    approvalQueueAchievedRps: queue.achievedRps,
    approvalQueueNon2xx: queue.sent - (queue.statuses["2xx"] ?? 0),
    artistDashboardP50Ms: dashboard.p50,
    artistDashboardP99Ms: dashboard.p99,
    artistDashboardAchievedRps: dashboard.achievedRps,
    artistDashboardNon2xx: dashboard.sent - (dashboard.statuses["2xx"] ?? 0),
    rlsRoundMedianMs: Number(rlsMedian.toFixed(3)),
    plainRoundMedianMs: Number(plainMedian.toFixed(3)),
    rlsOverheadRatio: ratio,
    approvalQueueP99Pass: queue.p99 <= TARGET_P99_MS,
    artistDashboardP99Pass: dashboard.p99 <= TARGET_P99_MS,
    rlsOverheadRatioPass: ratio <= TARGET_RLS_RATIO,
  };
  await writeBenchReport("backoffice", figures, [
    `open loop at ${RATE}/s over ${CONNECTIONS} keep-alive connections, each request with the next of ${figures.users} users' tokens (their own company's path)`,
    "artist dashboard: an artist's own expenses (mine=true) and their contracts, alternating; approval queue: an admin's or accountant's queue",
    "rlsOverheadRatio: median round (begin, settings, queue statement, settings, own-expenses statement, commit) as the tenant role under RLS vs as the owner with company_id as an explicit predicate (same round trips)",
    machineNote(),
  ]);
  await stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
