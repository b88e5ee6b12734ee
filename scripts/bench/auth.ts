import type { Server } from "node:http";
import express from "express";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { loadConfig } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import { createLogger } from "../../lib/logger.js";
import { buildApp } from "../../backend/src/app.js";
import { AccessTokens } from "../../backend/src/modules/auth/access-tokens.js";
import { verifySiwe } from "../../backend/src/modules/auth/siwe.js";
import { latencyProfile, listen, loadTest, machineNote, openBenchDatabase, pacedTest } from "./harness.js";
import { writeBenchReport } from "./report.js";

/**
 * `npm run bench:auth`: SIWE verification rate, then autocannon (50 connections, closed loop)
 * against an authenticated read on the real app and a bare Express route, in the same run,
 * for throughput; then the authenticated read's latency at 50 connections under a fixed load
 * of half the bare route's throughput (reported, not a target: on 2 shared cores the bare
 * route itself misses 10 ms there), and a sweep for the highest rate that keeps p99 within 10 ms.
 * Targets (the festival's): authedRps >= 0.5 x bareRps, and p99 <= 10 ms at >= 1,000 req/s
 * (authedMaxRpsWithinP99Target).
 */
const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const TARGET_P99_MS = 10;
const TARGET_RATIO = 0.5;
/** The rate the authenticated read must serve within TARGET_P99_MS. */
const TARGET_RPS_WITHIN_P99 = 1000;

async function cannon(url: string, headers: Record<string, string> = {}) {
  const result = await loadTest({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

async function main(): Promise<void> {
  const { db, stop } = await openBenchDatabase("auth");
  const servers: Server[] = [];
  try {
    const config = loadConfig({ LOG_LEVEL: "silent" });

    // 1. SIWE verification (parse + checks + secp256k1 recovery), sequential, in-process
    const account = privateKeyToAccount(generatePrivateKey());
    const message = createSiweMessage({
      domain: config.auth.siwe.domain,
      uri: config.auth.siwe.uri,
      address: account.address,
      chainId: config.auth.siwe.chainIds[0]!,
      nonce: "benchnonce0123456789",
      version: "1",
      issuedAt: new Date(),
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

    const targetRate = Math.round(bareRun.rps / 2);
    console.log(
      `authenticated read at a fixed ${targetRate}/s (half the bare route's throughput), ${CONNECTIONS} connections, then a sweep (target: p99 <= ${TARGET_P99_MS} ms at >= ${TARGET_RPS_WITHIN_P99}/s) ...`,
    );
    const {
      atReference: atTarget,
      maxRateWithinTarget,
      sweepP99,
    } = await latencyProfile(() => ({ url: `${api.url}/api/v1/auth/session`, headers: auth, connections: CONNECTIONS }), {
      reference: targetRate,
      seconds: DURATION_S,
      sweep: [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000],
      targetP99Ms: TARGET_P99_MS,
    });
    if (atTarget.errors > 0 || atTarget.statuses["2xx"] !== atTarget.sent) throw new Error(`paced run: ${JSON.stringify(atTarget)}`);
    // the floor: the bare route under the same open-loop load, measured the same way
    const bareAtTarget = await pacedTest({ url: `${bare.url}/bare`, connections: CONNECTIONS, rate: targetRate, durationSeconds: DURATION_S });
    await writeBenchReport(
      "auth",
      {
        siweVerificationsPerSec: Math.round(siweVerificationsPerSec),
        authedRps: Math.round(authed.rps),
        authedP99Ms: atTarget.p99,
        authedP50Ms: atTarget.p50,
        authedP99AtRps: targetRate,
        authedMaxRpsWithinP99Target: maxRateWithinTarget,
        sweepP99,
        bareP99AtSameRps: bareAtTarget.p99,
        saturatedP50Ms: authed.p50,
        saturatedP99Ms: authed.p99,
        bareRps: Math.round(bareRun.rps),
        bareSaturatedP99Ms: bareRun.p99,
        ratio: Math.round(ratio * 1000) / 1000,
        meWithDbReadRps: Math.round(me.rps),
        meWithDbReadP99Ms: me.p99,
        connections: CONNECTIONS,
        durationSeconds: DURATION_S,
        targetsMet: ratio >= TARGET_RATIO && maxRateWithinTarget >= TARGET_RPS_WITHIN_P99,
      },
      [
        `targets: ratio >= ${TARGET_RATIO}, authedMaxRpsWithinP99Target >= ${TARGET_RPS_WITHIN_P99} (the highest swept rate with p99 <= ${TARGET_P99_MS} ms)`,
        "authed = GET /api/v1/auth/session through the full app (helmet, CORS, request id + access log, JWT, cached session, rate limiter, zod response)",
        "bare = a plain Express app answering JSON; /api/v1/me adds one indexed database read per request",
        "authedRps, bareRps, ratio, saturated*: autocannon, closed loop (each connection sends as soon as its last answer came: latency there is connections / throughput)",
        "authedP99Ms / authedP50Ms (reported, not a target): open loop at authedP99AtRps (half the bare route's throughput), evenly spaced, latency from each request's scheduled start (scripts/bench/paced.ts); authedMaxRpsWithinP99Target: highest rate of the sweep with p99 <= 10 ms; bareP99AtSameRps: the bare route at authedP99AtRps, measured the same way (the floor of this machine and client)",
        "load generators run in their own process",
        machineNote(),
      ],
    );
  } finally {
    for (const s of servers) s.close();
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error("bench:auth failed:", error);
    process.exit(1);
  },
);
