import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import express from "express";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { loadConfig } from "../../lib/config.js";
import { createKnex, startEmbeddedPostgres } from "../../lib/database.js";
import { newId } from "../../lib/ids.js";
import { createLogger } from "../../lib/logger.js";
import { migrateLatest } from "../../lib/migrate.js";
import { buildApp } from "../../backend/src/app.js";
import { AccessTokens } from "../../backend/src/modules/auth/access-tokens.js";
import { verifySiwe } from "../../backend/src/modules/auth/siwe.js";
import { writeBenchReport } from "./report.js";

/**
 * `npm run bench:auth`: SIWE verification rate, then autocannon (50 connections) against an
 * authenticated read on the real app and a bare Express route, in the same run.
 * Targets: authedRps >= 0.5 x bareRps, authedP99Ms <= 10.
 */
const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function cannon(url: string, headers: Record<string, string> = {}) {
  // In-process load generator: it shares the CPU with the server, equally for both routes.
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, p50: result.latency.p50 };
}

async function main(): Promise<void> {
  const parent = mkdtempSync(path.join(os.tmpdir(), "festival-bench-auth-"));
  chmodSync(parent, 0o755);
  const pg = await startEmbeddedPostgres({ dir: path.join(parent, "pg"), persistent: false, database: "bench" });
  const db = createKnex(pg.url, { min: 2, max: 20 });
  const servers: Server[] = [];
  try {
    await migrateLatest(db);
    const config = loadConfig({ LOG_LEVEL: "silent" });

    // 1. SIWE verification (parse + checks + secp256k1 recovery), sequential, in-process
    const account = privateKeyToAccount(generatePrivateKey());
    const message = createSiweMessage({
      domain: config.auth.siwe.domain, uri: config.auth.siwe.uri, address: account.address,
      chainId: config.auth.siwe.chainIds[0]!, nonce: "benchnonce0123456789", version: "1", issuedAt: new Date(),
    });
    const signature = await account.signMessage({ message });
    for (let i = 0; i < 50; i++) await verifySiwe({ config }, message, signature); // warm up
    const n = 500;
    const started = performance.now();
    for (let i = 0; i < n; i++) await verifySiwe({ config }, message, signature);
    const siweVerificationsPerSec = n / ((performance.now() - started) / 1000);

    // 2. a signed-in user and the two servers
    const userId = newId();
    const sessionId = newId();
    await db("users").insert({ id: userId, display_name: "bench" });
    await db("auth_sessions").insert({ id: sessionId, user_id: userId, method: "test", expires_at: new Date(Date.now() + 3600_000) });
    const { token } = await new AccessTokens(config.auth.jwtSecret, config.auth.issuer, config.auth.accessTokenTtlSeconds).issue(userId, sessionId);
    const auth = { authorization: `Bearer ${token}` };

    const api = await listen(buildApp({ config, db, log: createLogger("bench", "silent") }));
    const bare = await listen(express().get("/bare", (_req, res) => void res.json({ status: "ok" })));
    servers.push(api.server, bare.server);

    const check = await fetch(`${api.url}/api/v1/auth/session`, { headers: auth });
    if (check.status !== 200) throw new Error(`authenticated read answered ${check.status}`);

    await cannon(`${bare.url}/bare`); // warm both paths (JIT) before measuring
    await cannon(`${api.url}/api/v1/auth/session`, auth);
    const bareRun = await cannon(`${bare.url}/bare`);
    const authed = await cannon(`${api.url}/api/v1/auth/session`, auth);
    const me = await cannon(`${api.url}/api/v1/me`, auth);

    const ratio = authed.rps / bareRun.rps;
    await writeBenchReport(
      "auth",
      {
        siweVerificationsPerSec: Math.round(siweVerificationsPerSec),
        authedRps: Math.round(authed.rps),
        authedP50Ms: authed.p50,
        authedP99Ms: authed.p99,
        bareRps: Math.round(bareRun.rps),
        bareP99Ms: bareRun.p99,
        ratio: Math.round(ratio * 1000) / 1000,
        meWithDbReadRps: Math.round(me.rps),
        meWithDbReadP99Ms: me.p99,
        connections: CONNECTIONS,
        durationSeconds: DURATION_S,
        targetsMet: ratio >= 0.5 && authed.p99 <= 10,
      },
      [
        "authed = GET /api/v1/auth/session through the full app (helmet, CORS, request id + access log, JWT, cached session, rate limiter, zod response)",
        "bare = a plain Express app answering JSON; /api/v1/me adds one indexed database read per request",
        `machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} at the end`,
      ],
    );
  } finally {
    for (const s of servers) s.close();
    await db.destroy();
    await pg.stop();
    rmSync(parent, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error("bench:auth failed:", error);
    process.exit(1);
  },
);
