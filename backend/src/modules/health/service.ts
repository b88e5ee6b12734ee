import type { Knex } from "knex";
import type { PublicClient } from "viem";
import { mirrorFreshness } from "../chain-mirror/freshness.js";

export interface ReadinessDeps {
  db: Knex;
  chain?: { client: PublicClient; chainId: number };
  maxLagBlocks: number;
}

export interface Readiness {
  ready: boolean;
  database: { ok: boolean; latencyMs?: number; error?: string };
  chain: { ok: boolean; chainId?: number; head?: string; error?: string };
  indexer: { ok: boolean; block?: string; lagBlocks?: number; lagSeconds?: number; failures?: number; error?: string };
}

/** Database reachable, chain reachable, indexer close enough to the head. */
export async function checkReadiness({ db, chain, maxLagBlocks }: ReadinessDeps): Promise<Readiness> {
  const [database, head] = await Promise.all([checkDatabase(db), checkChainHead(chain)]);
  const indexer = database.ok && head.ok ? await checkIndexer(db, chain!.chainId, head.head!, maxLagBlocks) : { ok: false, error: "needs database and chain" };
  const chainStatus = head.ok
    ? { ok: true, chainId: chain!.chainId, head: head.head!.toString() }
    : { ok: false, ...(chain ? { chainId: chain.chainId } : {}), error: head.error };
  return { ready: database.ok && head.ok && indexer.ok, database, chain: chainStatus, indexer };
}

async function checkDatabase(db: Knex): Promise<Readiness["database"]> {
  const started = performance.now();
  try {
    await db.raw("select 1");
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function checkChainHead(chain: ReadinessDeps["chain"]): Promise<{ ok: boolean; head?: bigint; error?: string }> {
  if (!chain) return { ok: false, error: "no chain configured" };
  try {
    return { ok: true, head: await chain.client.getBlockNumber({ cacheTime: 0 }) };
  } catch (error) {
    return { ok: false, error: (error as Error).message.split("\n")[0] };
  }
}

/** Failures in a row after which an indexer that keeps retrying counts as down. */
const FAILURES_NOT_READY = 3;
/** A heartbeat older than this: the indexer process is gone or hung (it beats every 5 s). */
const HEARTBEAT_STALE_MS = 30_000;

async function checkIndexer(db: Knex, chainId: number, head: bigint, maxLagBlocks: number): Promise<Readiness["indexer"]> {
  const status = await db("indexer_status").where({ chain_id: chainId }).first();
  if (status?.state === "stopped") return { ok: false, error: `indexer stopped: ${status.last_error}` };
  if (status && status.failures >= FAILURES_NOT_READY) {
    return { ok: false, failures: status.failures, error: `indexer keeps failing: ${status.last_error}` };
  }
  if (status && Date.now() - new Date(status.heartbeat_at).getTime() > HEARTBEAT_STALE_MS) {
    return { ok: false, error: `indexer has not reported since ${new Date(status.heartbeat_at).toISOString()}` };
  }
  const mirror = await mirrorFreshness(db, chainId, { maxLagBlocks, head });
  if (mirror.block === null) return { ok: false, error: "indexer has not started on this chain" };
  const lagSeconds = mirror.lagBlocks <= 0 ? 0 : Math.max(0, Math.round((Date.now() - mirror.blockTimestamp!.getTime()) / 1000));
  return { ok: mirror.fresh, block: String(mirror.block), lagBlocks: mirror.lagBlocks, lagSeconds };
}
