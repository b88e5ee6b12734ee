import type pg from "pg";
import type { Hex } from "viem";
import { KEY_SEPARATOR, recompute, type Touched } from "./derive.js";
import { LOG_TABLES } from "./tables.js";
import type { Cursor } from "./cursor.js";

export interface RollbackResult {
  cursor: Cursor;
  deletedLogs: number;
  /** Outbox facts of dropped blocks that had not been delivered yet: removed. */
  retractedFacts: number;
  /** Outbox facts of dropped blocks the backend had already delivered (a reorg deeper than finality). */
  deliveredDroppedFacts: number;
}

/**
 * Undoes everything derived from blocks above `ancestor` (the common ancestor of the stored
 * chain and the node's chain), in ONE transaction with the cursor move:
 * delete the log rows, transactions, blocks, pending facts and discovered contracts above it,
 * then recompute the current state of every entity those log rows fed.
 * Facts already in the outbox exist only for final blocks, so they are touched only by a
 * reorg deeper than the finality depth: undelivered ones are removed, delivered ones reported.
 */
export async function rollbackTo(
  pool: pg.Pool,
  chainId: number,
  ancestor: { number: bigint; hash: Hex; timestamp: Date },
  previous: Cursor,
): Promise<RollbackResult> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const params = [chainId, ancestor.number.toString()];
    const touched: Touched = new Map();
    let deletedLogs = 0;
    for (const table of LOG_TABLES) {
      const columns = [...new Set(table.touches.flatMap((t) => t.columns))];
      const { rows, rowCount } = await client.query<Record<string, string>>(
        `delete from ${table.name} where chain_id = $1 and block_number > $2
         returning ${columns.length ? columns.map((c) => `${c}::text`).join(", ") : "1 as one"}`,
        params,
      );
      deletedLogs += rowCount ?? 0;
      for (const { entity, columns: keyColumns } of table.touches) {
        let set = touched.get(entity);
        if (!set) touched.set(entity, (set = new Set()));
        for (const row of rows) set.add(keyColumns.map((c) => row[c]).join(KEY_SEPARATOR));
      }
    }
    await client.query(`delete from chain_transactions where chain_id = $1 and block_number > $2`, params);
    await client.query(`delete from chain_blocks where chain_id = $1 and number > $2`, params);
    await client.query(`delete from chain_pending_facts where chain_id = $1 and block_number > $2`, params);
    await client.query(`delete from smart_contracts where chain_id = $1 and deployment_block_number > $2 and kind <> 'factory'`, params);
    const retracted = await client.query(`delete from outbox where chain_id = $1 and block_number > $2 and delivered_at is null`, params);
    const delivered = await client.query<{ n: string }>(`select count(*)::text as n from outbox where chain_id = $1 and block_number > $2`, params);
    await recompute(client, chainId, touched);
    const cursor: Cursor = {
      ...previous,
      number: ancestor.number,
      hash: ancestor.hash,
      timestamp: ancestor.timestamp,
      finalized: previous.finalized < ancestor.number ? previous.finalized : ancestor.number,
    };
    await client.query(
      `update indexer_cursors set block_number = $2, block_hash = $3, block_timestamp = $4, finalized_block_number = $5,
         updated_at = now() where chain_id = $1`,
      [chainId, cursor.number.toString(), cursor.hash, cursor.timestamp, cursor.finalized.toString()],
    );
    await client.query("commit");
    return {
      cursor,
      deletedLogs,
      retractedFacts: retracted.rowCount ?? 0,
      deliveredDroppedFacts: Number(delivered.rows[0]?.n ?? 0),
    };
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
