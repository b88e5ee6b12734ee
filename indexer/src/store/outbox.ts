import { newId } from "../../../lib/ids.js";
import { insertRows, type Queryable } from "./sql.js";
import { outboxTable, type FactRow } from "./tables.js";

/**
 * Moves the facts of blocks that became final (block_number <= finalized) from
 * chain_pending_facts to outbox, in the caller's transaction.
 * Invariant: a fact is in the outbox only once its block is final, at most once
 * (uq_outbox_fact), and a fact of a block dropped by a reorg above the finality depth
 * never gets there (its pending row is deleted by the rollback first).
 */
export async function publishFinalized(db: Queryable, chainId: number, finalized: bigint): Promise<number> {
  const { rows } = await db.query<FactRow & { block_number: string }>(
    `delete from chain_pending_facts where chain_id = $1 and block_number <= $2
     returning chain_id, block_number, block_hash, log_index, tx_hash, contract_address, topic, payload, block_timestamp`,
    [chainId, finalized.toString()],
  );
  if (rows.length === 0) return 0;
  rows.sort((a, b) => Number(BigInt(a.block_number) - BigInt(b.block_number)) || a.log_index - b.log_index);
  return insertRows(
    db,
    outboxTable,
    rows.map((r) => ({ ...r, id: newId() })),
  );
}
