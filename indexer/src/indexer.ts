import pg from "pg";
import type { Hex } from "viem";
import { LOCAL_CHAIN_IDS } from "../../lib/chain.js";
import { OperatorError, PlatformError, RetryableError } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { FollowedContract } from "./handlers/types.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { createRpc, type Rpc } from "./rpc/client.js";
import { sleep, withRetry } from "./rpc/retry.js";
import { readCursor, touchHead, writeCursor, type Cursor } from "./store/cursor.js";
import { rollbackTo } from "./store/rollback.js";
import { writeBatch, type WriteHook } from "./store/writer.js";
import { fetchRange, type FetchResult } from "./sync/fetch.js";
import { createProgress, type Progress } from "./sync/progress.js";
import { findCommonAncestor } from "./sync/reorg.js";

export interface IndexerOptions {
  rpcUrl: string;
  databaseUrl: string;
  factoryAddress: Hex;
  /** The factory's deployment block: indexing starts there. */
  deployBlock: bigint;
  /** Finality depth; default 0 on local chains, 12 elsewhere. */
  confirmations?: number;
  pollIntervalMs?: number;
  batchBlocks?: number;
  rpcTimeoutMs?: number;
  /** Ceiling of the RPC retry backoff (default 10 s). */
  rpcRetryMaxDelayMs?: number;
  log: Logger;
  metrics?: Metrics;
  /** Tests: called between the writes of every batch (throw to simulate a crash). */
  writeHook?: WriteHook;
  /** Show a progress bar during backfill (default: when stdout is a TTY). */
  progressBar?: boolean;
}

export interface Indexer {
  /** Runs until stop(); rejects only on a non-retryable error. */
  run(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the cursor is at or above `block` (polls the in-memory cursor). */
  waitForBlock(block: bigint, timeoutMs?: number): Promise<void>;
  readonly cursor: Cursor | undefined;
  readonly chainId: number | undefined;
  readonly pool: pg.Pool;
}

/** A range holding more logs than this is split next time; fewer than a quarter grows it back. */
const TARGET_LOGS_PER_BATCH = 4000;

/**
 * The sync engine. Backfill and realtime are one loop over block ranges:
 * read the head; if it is behind or beside the cursor with another hash, the chain
 * reorganised; else read ranges [cursor+1, head] (the next range is fetched while the
 * previous one is written), each written with the cursor in one transaction.
 * Any error: log, back off, reload state from the database, go on. Nothing is skipped:
 * the cursor only ever moves by a committed batch or a committed rollback.
 */
export function createIndexer(opts: IndexerOptions): Indexer {
  const log = opts.log;
  const metrics = opts.metrics ?? createMetrics();
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4 });
  // An idle client's connection can drop (database restart, shutdown order); pg-pool then
  // emits "error", which would crash the process if nobody listened. The next query reconnects.
  pool.on("error", (error) => log.warn({ err: error.message }, "idle database connection lost"));
  const abort = new AbortController();
  const rpc: Rpc = createRpc({
    url: opts.rpcUrl,
    timeoutMs: opts.rpcTimeoutMs ?? 10_000,
    retry: {
      signal: abort.signal,
      maxDelayMs: opts.rpcRetryMaxDelayMs ?? 10_000,
      onRetry: ({ label, attempt, delayMs, error }) => {
        metrics.rpcRetries.inc({ method: label });
        log.warn({ method: label, attempt, delayMs, err: (error as Error).message?.split("\n")[0] }, "rpc request failed, retrying");
      },
    },
  });
  const pollMs = opts.pollIntervalMs ?? 1000;
  const maxRange = BigInt(opts.batchBlocks ?? 2000);
  // Ranges start small and double while they stay light: many small batches let the next
  // range be fetched while the previous one is written (and keep responses small).
  let rangeSize = maxRange < 8n ? maxRange : 8n;
  let chainId: number | undefined;
  let confirmations = 0;
  let cursor: Cursor | undefined;
  let contracts = new Map<Hex, FollowedContract>();
  let stopped = false;
  let running: Promise<void> | undefined;
  const factory = opts.factoryAddress.toLowerCase() as Hex;

  async function init(): Promise<void> {
    chainId = await withRetry(() => rpc.chainId(), { label: "eth_chainId", signal: abort.signal });
    confirmations = opts.confirmations ?? (LOCAL_CHAIN_IDS.has(chainId) ? 0 : 12);
    await loadState();
    if (!cursor) {
      // Start on the factory's parent block: stored, so the reorg walk always ends.
      const start = opts.deployBlock - 1n;
      const parent = start >= 0n ? await rpc.header(start) : null;
      if (start >= 0n && !parent) throw new RetryableError(`block ${start} not found`);
      const hash = (parent?.hash ?? `0x${"0".repeat(64)}`) as Hex;
      const timestamp = new Date(parent ? Number(BigInt(parent.timestamp)) * 1000 : 0);
      const client = await pool.connect();
      try {
        await client.query("begin");
        await client.query(
          `insert into chain_blocks (chain_id, number, hash, parent_hash, timestamp) values ($1, $2, $3, $4, $5)
           on conflict do nothing`,
          [chainId, start.toString(), hash, parent?.parentHash ?? hash, timestamp],
        );
        await client.query(
          `insert into smart_contracts (chain_id, address, kind, deployment_block_number) values ($1, $2, 'factory', $3)
           on conflict do nothing`,
          [chainId, factory, opts.deployBlock.toString()],
        );
        const initial: Cursor = { chainId, number: start, hash, timestamp, finalized: start, factoryAddress: factory };
        await writeCursor(client, initial, { number: start, timestamp }, confirmations);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
      await loadState();
    }
    if (cursor!.factoryAddress && cursor!.factoryAddress !== factory) {
      throw new OperatorError(
        `this database mirrors factory ${cursor!.factoryAddress} on chain ${chainId}, not ${factory}: use another database or the same factory`,
      );
    }
  }

  /** In-memory state is a cache of the database; after any failure it is read again. */
  async function loadState(): Promise<void> {
    cursor = await readCursor(pool, chainId!);
    const { rows } = await pool.query<{ address: Hex; kind: FollowedContract["kind"]; event_id: string | null; factory_address: Hex | null; deployment_block_number: string }>(
      `select address, kind, event_id::text, factory_address, deployment_block_number::text from smart_contracts where chain_id = $1`,
      [chainId],
    );
    contracts = new Map(
      rows.map((r) => [
        r.address,
        {
          address: r.address,
          kind: r.kind,
          eventId: r.event_id === null ? null : BigInt(r.event_id),
          factoryAddress: r.factory_address,
          fromBlock: BigInt(r.deployment_block_number),
        },
      ]),
    );
  }

  async function handleReorg(reason: string): Promise<void> {
    const previous = cursor!;
    const ancestor = await findCommonAncestor(rpc, pool, chainId!, previous.number);
    const result = await rollbackTo(pool, chainId!, ancestor, previous);
    metrics.reorgs.inc({ chain_id: chainId });
    const depth = Number(previous.number - ancestor.number);
    const fields = { reason, from: previous.number.toString(), ancestor: ancestor.number.toString(), depth, deletedLogs: result.deletedLogs };
    if (ancestor.number < previous.finalized) {
      log.error(
        { ...fields, finalized: previous.finalized.toString(), retractedFacts: result.retractedFacts, deliveredDroppedFacts: result.deliveredDroppedFacts },
        "reorg deeper than the finality depth: mirror rolled back, undelivered outbox facts of dropped blocks removed",
      );
    } else {
      log.warn(fields, "reorg: rolled back to the common ancestor");
    }
    await loadState();
  }

  async function catchUp(head: { number: bigint; timestamp: Date }): Promise<void> {
    const start = cursor!.number + 1n;
    const backfill = head.number - start > FULL_RANGE_REALTIME;
    const progress: Progress | undefined = backfill
      ? createProgress({ from: start, to: head.number, log, tty: opts.progressBar })
      : undefined;
    const fetchCtx = { rpc, chainId: chainId!, contracts };
    const fetchNext = (parent: { number: bigint; hash: Hex }): Promise<FetchResult> | undefined => {
      const from = parent.number + 1n;
      if (from > head.number) return undefined;
      const to = from + rangeSize - 1n < head.number ? from + rangeSize - 1n : head.number;
      const p = fetchRange(fetchCtx, from, to, parent);
      p.catch(() => {}); // awaited below; a write failure must not leave it unhandled
      return p;
    };
    try {
      let next = fetchNext(cursor!);
      while (next && !stopped) {
        const waitStart = performance.now();
        const result = await next;
        const fetchWaitMs = Math.round(performance.now() - waitStart);
        if (result.kind === "reorg") return await handleReorg("parent hash mismatch");
        if (result.kind === "moved") {
          log.debug({ reason: result.reason }, "chain moved while reading; reading again");
          return;
        }
        const { batch } = result;
        next = fetchNext(batch.to); // overlap: fetch the next range while this one is written
        const finalizedTarget = head.number - BigInt(confirmations);
        const reach = batch.to.number < finalizedTarget ? batch.to.number : finalizedTarget;
        const finalized = reach > cursor!.finalized ? reach : cursor!.finalized;
        const writeStart = performance.now();
        cursor = await writeBatch(pool, batch, { finalized, head, confirmations, factoryAddress: factory, hook: opts.writeHook });
        const writeMs = Math.round(performance.now() - writeStart);
        observe(head);
        metrics.events.inc({ chain_id: chainId }, batch.logCount);
        progress?.update(batch.to.number, batch.logCount);
        log.debug({ from: batch.fromBlock.toString(), to: batch.to.number.toString(), logs: batch.logCount, fetchWaitMs, writeMs }, "indexed");
        if (batch.logCount > TARGET_LOGS_PER_BATCH && rangeSize > 1n) rangeSize = rangeSize / 2n;
        else if (batch.logCount < TARGET_LOGS_PER_BATCH / 4 && rangeSize < maxRange) rangeSize = rangeSize * 2n > maxRange ? maxRange : rangeSize * 2n;
      }
    } finally {
      progress?.stop();
    }
  }

  function observe(head: { number: bigint; timestamp: Date }): void {
    const labels = { chain_id: chainId };
    metrics.headBlock.set(labels, Number(head.number));
    metrics.indexedBlock.set(labels, Number(cursor!.number));
    metrics.lagBlocks.set(labels, Math.max(0, Number(head.number - cursor!.number)));
    metrics.lagSeconds.set(labels, Math.max(0, (head.timestamp.getTime() - cursor!.timestamp.getTime()) / 1000));
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      try {
        if (chainId === undefined || !cursor) await init();
        const raw = await rpc.header("latest");
        if (!raw) throw new RetryableError("node returned no latest block");
        const head = { number: BigInt(raw.number), hash: raw.hash, timestamp: new Date(Number(BigInt(raw.timestamp)) * 1000) };
        const c = cursor!;
        if (head.number < c.number || (head.number === c.number && head.hash !== c.hash)) {
          await handleReorg(head.number < c.number ? "head below cursor" : "head hash changed");
        } else if (head.number === c.number) {
          await touchHead(pool, chainId!, head, c.timestamp);
          observe(head);
          await sleep(pollMs, abort.signal);
        } else {
          await catchUp(head);
        }
        failures = 0;
      } catch (error) {
        if (stopped) break;
        if (error instanceof PlatformError && !error.retryable) throw error; // retrying cannot help: run() rejects, main exits with one line
        failures++;
        const delay = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        log.error({ err: error, failures, retryInMs: delay }, "indexer loop failed; reloading state and retrying");
        await sleep(delay, abort.signal);
        try {
          if (chainId !== undefined) await loadState();
        } catch {
          // the database may be the thing that is down: next round tries again
        }
      }
    }
  }

  return {
    run() {
      running ??= loop();
      return running;
    },
    async stop() {
      stopped = true;
      abort.abort();
      await running?.catch(() => {});
      await pool.end();
    },
    async waitForBlock(block, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!cursor || cursor.number < block) {
        if (Date.now() > deadline) throw new Error(`indexer did not reach block ${block} (at ${cursor?.number})`);
        await sleep(20);
      }
    },
    get cursor() {
      return cursor;
    },
    get chainId() {
      return chainId;
    },
    pool,
  };
}

/** Up to this many blocks behind the head, catching up counts as realtime (no progress bar). */
const FULL_RANGE_REALTIME = 64n;
