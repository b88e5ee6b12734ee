import type { Queryable } from "./sql.js";

/**
 * indexer_status: the loop's heartbeat and its run of failures, for GET /ready (health
 * module). A cursor that stands still looks the same whether the chain is quiet or the
 * indexer is stuck; this row tells them apart.
 */
export interface IndexerState {
  failures: number;
  lastError?: string;
  /** A non-retryable error ended the loop: the indexer is not coming back by itself. */
  stopped?: boolean;
}

export async function writeStatus(db: Queryable, chainId: number, state: IndexerState, startedAt: Date): Promise<void> {
  await db.query(
    `insert into indexer_status (chain_id, state, failures, last_error, last_error_at, heartbeat_at, started_at)
     values ($1, $2, $3, $4, case when $4::text is null then null else now() end, now(), $5)
     on conflict (chain_id) do update set
       state = excluded.state, failures = excluded.failures, heartbeat_at = now(), started_at = excluded.started_at,
       last_error = coalesce(excluded.last_error, indexer_status.last_error),
       last_error_at = coalesce(excluded.last_error_at, indexer_status.last_error_at)`,
    [chainId, state.stopped ? "stopped" : state.failures > 0 ? "failing" : "running", state.failures, state.lastError ?? null, startedAt],
  );
}
