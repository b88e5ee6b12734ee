import { fork } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import type express from "express";
import { createApiKnex, createScratchDatabase, startEmbeddedPostgres, type Knex } from "../../lib/database.js";
import { migrateLatest } from "../../lib/migrate.js";
import { runPaced, type PacedOptions, type PacedResult } from "./paced.js";
import { showStalls, watchStalls } from "./stalls.js";

/**
 * What every HTTP benchmark shares: a fresh migrated database, servers on loopback, and a
 * load generator in its own process (autocannon for closed-loop throughput, paced.ts for
 * latency at a fixed rate), so its CPU is never charged to the server's event loop and every
 * route, the bare baseline too, is measured the same way.
 */

export interface BenchDatabase {
  db: Knex;
  /** Its connection string, for code that opens its own connections (the job queue). */
  url: string;
  stop(): Promise<void>;
}

/** A fresh database on TEST_DATABASE_URL's server (dropped at the end), else a throw-away embedded PostgreSQL. */
export async function openBenchDatabase(name: string): Promise<BenchDatabase> {
  const server = process.env.TEST_DATABASE_URL;
  if (server) {
    const scratch = await createScratchDatabase(server, `festival_bench_${name}_${process.pid}`);
    const db = await createApiKnex(scratch.url); // the pool the API process runs with
    await migrateLatest(db);
    return {
      db,
      url: scratch.url,
      stop: async () => {
        await db.destroy();
        await scratch.drop();
      },
    };
  }
  const parent = mkdtempSync(path.join(os.tmpdir(), `festival-bench-${name}-`));
  // BENCH_PG_SETTINGS="name=value,...": server settings for an experiment (e.g. synchronous_commit=off to see what commit flushes cost)
  const settings = Object.fromEntries(
    (process.env.BENCH_PG_SETTINGS ?? "")
      .split(",")
      .filter(Boolean)
      .map((kv) => kv.split("=") as [string, string]),
  );
  // BENCH_PG_LOG=file: the server's log lines go there (with log_min_duration_statement etc. in BENCH_PG_SETTINGS)
  const logFile = process.env.BENCH_PG_LOG;
  const onLog = logFile ? (line: string) => appendFileSync(logFile, line.endsWith("\n") ? line : `${line}\n`) : undefined;
  const embedded = await startEmbeddedPostgres({ dir: path.join(parent, "pg"), persistent: false, database: "bench", settings, onLog });
  const db = await createApiKnex(embedded.url);
  await migrateLatest(db);
  return {
    db,
    url: embedded.url,
    stop: async () => {
      await db.destroy();
      await embedded.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

export async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

export interface LoadOptions extends autocannon.Options {
  /** Request bodies sent in turn (POST), e.g. one distinct ticket per request. */
  bodies?: string[];
  /** Authorization headers sent in turn, e.g. many different signed-in users. */
  authorizations?: string[];
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  statuses: { "2xx": number; "3xx": number; "4xx": number; "5xx": number };
  bytesPerSec: number;
}

/** Runs autocannon (closed loop: as fast as the connections go) in a child process and returns its figures. */
export function loadTest(opts: LoadOptions): Promise<LoadResult> {
  return inClientProcess<LoadResult>({ kind: "autocannon", opts });
}

/** Runs the open-loop generator (paced.ts: a fixed request rate, latency from each scheduled start) in a child process. */
export function pacedTest(opts: PacedOptions): Promise<PacedResult> {
  return inClientProcess<PacedResult>({ kind: "paced", opts });
}

/**
 * Latency under load: p99 at the rate that matters (`reference`, for `seconds`), then p99 at
 * rising `sweep` rates (shorter runs) until one misses `targetP99Ms`, so the report says both
 * "p99 at that rate" and "the highest rate within target". `load` gives each run's options
 * (a run may need fresh request bodies, e.g. passes that expire).
 *
 * With `bare` (the bare route's options), the reference phase runs `repetitions` times, each
 * time the route then the bare route at the same rate, and `versusBare` is the median of the
 * per-repetition ratios p99 / bare p99: a figure that the machine's own noise (another
 * process, a slow core) moves much less than an absolute p99. Only this phase is repeated;
 * `atReference` is then the repetition with the median p99.
 */
export async function latencyProfile(
  load: (rate: number, seconds: number) => Omit<PacedOptions, "rate" | "durationSeconds">,
  {
    reference,
    seconds,
    sweep,
    targetP99Ms,
    sweepSeconds = 5,
    bare,
    repetitions = 3,
  }: {
    reference: number;
    seconds: number;
    sweep: number[];
    targetP99Ms: number;
    sweepSeconds?: number;
    bare?: (rate: number, seconds: number) => Omit<PacedOptions, "rate" | "durationSeconds">;
    repetitions?: number;
  },
): Promise<{ atReference: PacedResult; maxRateWithinTarget: number; sweepP99: string; versusBare?: VersusBare }> {
  const run = async (rate: number, durationSeconds: number) => {
    const stalls = watchStalls();
    const result = await pacedTest({ ...load(rate, durationSeconds), rate, durationSeconds });
    console.log(`    (this process: ${showStalls(stalls.stop())})`);
    return result;
  };
  const show = (r: PacedResult) => `p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, ${r.errors} errors`;
  let atReference: PacedResult;
  let versusBare: VersusBare | undefined;
  if (bare) {
    const runs: Array<{ app: PacedResult; bare: PacedResult }> = [];
    for (let i = 0; i < repetitions; i++) {
      const app = await run(reference, seconds);
      const floor = await pacedTest({ ...bare(reference, seconds), rate: reference, durationSeconds: seconds });
      console.log(`  paced at ${reference}/s for ${seconds} s (${i + 1}/${repetitions}): ${show(app)}; bare route p99 ${floor.p99} ms`);
      runs.push({ app, bare: floor });
    }
    const byP99 = [...runs].sort((a, b) => a.app.p99 - b.app.p99);
    atReference = byP99[Math.floor(runs.length / 2)]!.app;
    versusBare = {
      ratio: Number(median(runs.map((r) => r.app.p99 / Math.max(r.bare.p99, 0.001))).toFixed(2)),
      p99: median(runs.map((r) => r.app.p99)),
      bareP99: median(runs.map((r) => r.bare.p99)),
      runs: runs.map((r) => `${r.app.p99} / ${r.bare.p99} ms`).join(", "),
      all: runs.map((r) => r.app),
    };
  } else {
    atReference = await run(reference, seconds);
    console.log(`  paced at ${reference}/s for ${seconds} s: ${show(atReference)}`);
  }
  let maxRateWithinTarget = 0;
  const swept: string[] = [];
  for (const rate of sweep) {
    const r = await run(rate, sweepSeconds);
    console.log(`  sweep ${rate}/s: ${show(r)}`);
    swept.push(`${rate}/s: ${r.p99} ms`);
    if (r.p99 > targetP99Ms || r.errors > 0) break;
    maxRateWithinTarget = rate;
  }
  return { atReference, maxRateWithinTarget, sweepP99: swept.join(", "), versusBare };
}

/** The reference phase against the bare route at the same rate, over repetitions. */
export interface VersusBare {
  /** Median over the repetitions of p99 / the bare route's p99 in the same repetition. */
  ratio: number;
  /** Median p99 of the route, and of the bare route, over the repetitions (ms). */
  p99: number;
  bareP99: number;
  /** Each repetition's "route / bare" p99, in order. */
  runs: string;
  /** Each repetition's result (to check statuses and errors). */
  all: PacedResult[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type ClientJob = { kind: "autocannon"; opts: LoadOptions } | { kind: "paced"; opts: PacedOptions };

async function inClientProcess<T>(job: ClientJob): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "festival-bench-client-"));
  const file = path.join(dir, "job.json");
  writeFileSync(file, JSON.stringify(job));
  const child = fork(fileURLToPath(import.meta.url), ["--client", file], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    return await new Promise<T>((resolve, reject) => {
      child.once("message", (m) => resolve(m as T));
      child.once("exit", (code) => reject(new Error(`load generator exited with code ${code}`)));
    });
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function clientMain(file: string): Promise<void> {
  const job = JSON.parse(readFileSync(file, "utf8")) as ClientJob;
  const figures = job.kind === "paced" ? await runPaced(job.opts) : await runAutocannon(job.opts);
  process.send!(figures, () => process.exit(0));
}

async function runAutocannon({ bodies, authorizations, ...opts }: LoadOptions): Promise<LoadResult> {
  if (bodies || authorizations) {
    let next = 0;
    const method = opts.method ?? (bodies ? "POST" : "GET");
    opts.requests = [
      {
        method,
        setupRequest: (req: autocannon.Request) => {
          const i = next++;
          return {
            ...req,
            ...(bodies ? { body: bodies[i % bodies.length] } : {}),
            ...(authorizations ? { headers: { ...req.headers, authorization: authorizations[i % authorizations.length]! } } : {}),
          };
        },
      } as autocannon.Request,
    ];
  }
  const result = await new Promise<autocannon.Result>((resolve, reject) => autocannon(opts, (error, r) => (error ? reject(error) : resolve(r))));
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses: { "2xx": result["2xx"], "3xx": result["3xx"], "4xx": result["4xx"], "5xx": result["5xx"] },
    bytesPerSec: result.throughput.average,
  };
}

export function machineNote(): string {
  return `machine: ${os.cpus().length} CPUs, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} at the end`;
}

const clientArg = process.argv.indexOf("--client");
if (clientArg >= 0 && process.argv[1] === fileURLToPath(import.meta.url)) {
  clientMain(process.argv[clientArg + 1]!).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
