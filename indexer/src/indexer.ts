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
import { discardChain } from "./store/discard.js";
import { writeStatus } from "./store/status.js";
import { rollbackTo } from "./store/rollback.js";
import { writeBatch, type WriteHook } from "./store/writer.js";
import { fetchRange, type FetchResult } from "./sync/fetch.js";
import { createProgress, type Progress } from "./sync/progress.js";
import { findCommonAncestor, NoCommonAncestorError } from "./sync/reorg.js";

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
  /** How often the loop's heartbeat (indexer_status, read by GET /ready) is written; default 5 s. */
  heartbeatMs?: number;
}

/** Advisory lock class of "the active indexer of chain <id>" (the second key is the chain id). */
export const ACTIVE_INDEXER_LOCK = 0x1de7;

export interface Indexer {
  /** Runs until stop(); rejects only on a non-retryable error. */
  run(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the cursor is at or above `block` (polls the in-memory cursor). */
  waitForBlock(block: bigint, timeoutMs?: number): Promise<void>;
  readonly cursor: Cursor | undefined;
  readonly chainId: number | undefined;
  /** False while another indexer is active for the chain and this one stands by. */
  readonly active: boolean;
  readonly pool: pg.Pool;
}

/** A range holding more logs than this is split next time; fewer than a quarter grows it back. */
const TARGET_LOGS_PER_BATCH = 4000;

/**
 * The sync engine. Backfill and realtime are one loop over block ranges:
 * read the head; if it is behind or beside the cursor with another hash, the chain
 * reorganised; else read ranges [cursor+1, head] (the next range is fetched while the
 * previous one is written), each written with the cursor in one transaction.
 * Any error: log, back off, reload and re-check state from the database (init), go on. Nothing is skipped:
 * the cursor only ever moves by a committed batch or a committed rollback.
 */
export function createIndexer(opts: IndexerOptions): Indexer {
  const log = opts.log;
  const metrics = opts.metrics ?? createMetrics();
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4 });
  // An idle client's connection can drop (database restart, shutdown order); pg-pool then
  // emits "error", which would crash the process if nobody listened. The next query reconnects.
  pool.on("error", (error) => log.warn({ err: error.message }, "idle database connection lost"));
  // A checked-out client between two queries (a batch waiting on the RPC) gets the same
  // "terminating connection" as an event, not as a query's error: without a listener that
  // crashed the process on a Postgres restart. Its next query fails, and the loop starts over.
  pool.on("connect", (client) => client.on("error", (error) => log.warn({ err: error.message }, "database connection lost")));
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
  let initialised = false;
  let running: Promise<void> | undefined;
  const factory = opts.factoryAddress.toLowerCase() as Hex;
  const startedAt = new Date();
  let failures = 0;
  let lastError: string | undefined;
  let leader: pg.Client | undefined;
  let stopping: Promise<void> | undefined;

  /** The heartbeat: written on a timer, and at once when the loop fails or recovers. */
  async function reportStatus(): Promise<void> {
    if (chainId === undefined || !leader) return;
    await writeStatus(pool, chainId, { failures, lastError: failures > 0 ? lastError : undefined }, startedAt).catch((error) =>
      log.debug({ err: (error as Error).message }, "could not write the indexer status"),
    );
  }
  const heartbeat = setInterval(() => void reportStatus(), opts.heartbeatMs ?? 5000);
  heartbeat.unref();

  /**
   * The mirror starts on a stored block (the factory's parent); if the node has another block
   * there, this is not the chain the mirror was built from. On a local dev chain that means a
   * new node (in-memory chains restart empty): throw the old chain's state away and start over.
   * Anywhere else it is a configuration error, retried (and shown by /ready) until fixed.
   */
  async function ensureSameChain(): Promise<void> {
    const { rows } = await pool.query<{ number: string; hash: Hex }>(
      `select number::text, hash from chain_blocks where chain_id = $1 and number >= 0 order by number limit 1`,
      [chainId],
    );
    const stored = rows[0];
    if (!stored) return;
    const onNode = await rpc.header(BigInt(stored.number));
    if (onNode?.hash === stored.hash) return;
    await newChain(`block ${stored.number} is ${onNode ? onNode.hash : "missing"} on the node, ${stored.hash} in the mirror`);
  }

  async function newChain(reason: string): Promise<void> {
    if (!LOCAL_CHAIN_IDS.has(chainId!)) {
      throw new Error(
        `the node's chain ${chainId} is not the one this database mirrors (${reason}): point CHAIN_RPC_URL at that chain or use another database`,
      );
    }
    const discarded = await discardChain(pool, chainId!);
    log.warn(
      { chainId, reason, ...discarded },
      `chain ${chainId} is a new local chain: dropped the previous chain's mirror and discarded its ${discarded.eventContracts} event contract(s); indexing from block ${opts.deployBlock}`,
    );
    cursor = undefined;
  }

  /**
   * One indexer per chain writes at a time: the active one holds a session advisory lock on a
   * connection of its own; another one started against the same database waits for the lock
   * (a standby) and takes over the moment the active one's session ends (its process died,
   * or stopped). Losing the lock's connection loses the role: the loop starts over from
   * init, which waits for the lock again before reading any state.
   */
  async function becomeActive(): Promise<void> {
    if (leader) return;
    // named, so pg_stat_activity (joined with pg_locks) says which process is the active one
    const client = new pg.Client({ connectionString: opts.databaseUrl, application_name: `festival-indexer pid ${process.pid}` });
    client.on("error", () => {});
    await client.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1, $2) as ok", [ACTIVE_INDEXER_LOCK, chainId]);
      if (!rows[0]!.ok) {
        log.info({ chainId }, "standby: another indexer is active for this chain; waiting to take over");
        const cancel = () => void client.end().catch(() => {});
        abort.signal.addEventListener("abort", cancel, { once: true });
        await client.query("select pg_advisory_lock($1, $2)", [ACTIVE_INDEXER_LOCK, chainId]);
        abort.signal.removeEventListener("abort", cancel);
        log.info({ chainId }, "took over as the active indexer");
      }
    } catch (error) {
      await client.end().catch(() => {});
      throw new RetryableError("could not take the active-indexer lock", { cause: error });
    }
    client.on("error", (error) => {
      log.error({ err: error.message, chainId }, "lost the active-indexer lock's connection; standing by again");
      leader = undefined;
    });
    client.on("end", () => {
      leader = undefined;
    });
    leader = client;
  }

  async function init(): Promise<void> {
    chainId = await withRetry(() => rpc.chainId(), { label: "eth_chainId", signal: abort.signal });
    await becomeActive();
    confirmations = opts.confirmations ?? (LOCAL_CHAIN_IDS.has(chainId) ? 0 : 12);
    await loadState();
    if (cursor) await ensureSameChain();
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
    initialised = true;
  }

  /** In-memory state is a cache of the database; after any failure it is read again. */
  async function loadState(): Promise<void> {
    cursor = await readCursor(pool, chainId!);
    const { rows } = await pool.query<{
      address: Hex;
      kind: FollowedContract["kind"];
      event_id: string | null;
      factory_address: Hex | null;
      deployment_block_number: string;
    }>(`select address, kind, event_id::text, factory_address, deployment_block_number::text from smart_contracts where chain_id = $1`, [chainId]);
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
    let ancestor: Awaited<ReturnType<typeof findCommonAncestor>>;
    try {
      ancestor = await findCommonAncestor(rpc, pool, chainId!, previous.number);
    } catch (error) {
      // the node was replaced while we ran: the next round starts on the new chain
      if (error instanceof NoCommonAncestorError) return await newChain(error.message);
      throw error;
    }
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
    const progress: Progress | undefined = backfill ? createProgress({ from: start, to: head.number, log, tty: opts.progressBar }) : undefined;
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
    while (!stopped) {
      try {
        if (initialised && !leader) throw new RetryableError("no longer the active indexer");
        if (!initialised || !cursor) {
          await init();
          await reportStatus();
        }
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
        if (failures > 0) {
          failures = 0;
          await reportStatus();
        }
      } catch (error) {
        if (stopped) break;
        if (error instanceof PlatformError && !error.retryable) {
          // retrying cannot help: say so in indexer_status (GET /ready), then run() rejects and main exits with one line
          clearInterval(heartbeat);
          if (chainId !== undefined) {
            await writeStatus(pool, chainId, { failures: failures + 1, lastError: error.message, stopped: true }, startedAt).catch(() => {});
          }
          throw error;
        }
        failures++;
        lastError = (error as Error).message?.split("\n")[0] ?? String(error);
        await reportStatus();
        const delay = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        log.error({ err: error, failures, retryInMs: delay }, "indexer loop failed; reloading state and retrying");
        await sleep(delay, abort.signal);
        // init() reads the state from the database again and checks it (same chain, same
        // factory) before anything else runs: a failed check must fail every round
        initialised = false;
      }
    }
  }

  return {
    run() {
      running ??= loop();
      return running;
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearInterval(heartbeat);
        abort.abort();
        await running?.catch(() => {});
        await leader?.end().catch(() => {});
        await pool.end();
      })();
      return stopping;
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
    get active() {
      return leader !== undefined;
    },
    pool,
  };
}

/** Up to this many blocks behind the head, catching up counts as realtime (no progress bar). */
const FULL_RANGE_REALTIME = 64n;
