import type { Hex } from "viem";
import type { Queryable } from "./sql.js";

/**
 * indexer_cursors: one row per chain. block_* is the last block whose logs are fully in the
 * database; it moves only inside the transaction that wrote that block's rows, so after a
 * crash the indexer resumes at exactly the next block. head_* and lag_seconds are for GET
 * /ready and monitoring; finalized_block_number is the highest block whose facts are in the
 * outbox.
 */
export interface Cursor {
  chainId: number;
  number: bigint;
  hash: Hex;
  timestamp: Date;
  finalized: bigint;
  factoryAddress: Hex | null;
}

export async function readCursor(db: Queryable, chainId: number): Promise<Cursor | undefined> {
  const { rows } = await db.query<{
    block_number: string;
    block_hash: Hex;
    block_timestamp: Date;
    finalized_block_number: string;
    factory_address: Hex | null;
  }>(
    `select block_number::text, block_hash, block_timestamp, finalized_block_number::text, factory_address
     from indexer_cursors where chain_id = $1`,
    [chainId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    chainId,
    number: BigInt(row.block_number),
    hash: row.block_hash,
    timestamp: row.block_timestamp,
    finalized: BigInt(row.finalized_block_number),
    factoryAddress: row.factory_address,
  };
}

export async function writeCursor(db: Queryable, cursor: Cursor, head: { number: bigint; timestamp: Date }, confirmations: number): Promise<void> {
  const lagSeconds = Math.max(0, Math.round((head.timestamp.getTime() - cursor.timestamp.getTime()) / 1000));
  await db.query(
    `insert into indexer_cursors (chain_id, block_number, block_hash, block_timestamp, head_block_number, head_seen_at,
       finalized_block_number, confirmations, lag_seconds, factory_address, updated_at)
     values ($1, $2, $3, $4, $5, now(), $6, $7, $8, $9, now())
     on conflict (chain_id) do update set
       block_number = excluded.block_number, block_hash = excluded.block_hash, block_timestamp = excluded.block_timestamp,
       head_block_number = greatest(excluded.head_block_number, excluded.block_number), head_seen_at = now(),
       finalized_block_number = excluded.finalized_block_number, confirmations = excluded.confirmations,
       lag_seconds = excluded.lag_seconds, factory_address = excluded.factory_address, updated_at = now()`,
    [
      cursor.chainId,
      cursor.number.toString(),
      cursor.hash,
      cursor.timestamp,
      head.number.toString(),
      cursor.finalized.toString(),
      confirmations,
      lagSeconds,
      cursor.factoryAddress,
    ],
  );
}

/** The head moved (or did not) but no batch was written: keep /ready's view of the head fresh. */
export async function touchHead(db: Queryable, chainId: number, head: { number: bigint; timestamp: Date }, cursorTimestamp: Date): Promise<void> {
  const lagSeconds = Math.max(0, Math.round((head.timestamp.getTime() - cursorTimestamp.getTime()) / 1000));
  await db.query(
    `update indexer_cursors set head_block_number = greatest($2, block_number), head_seen_at = now(), lag_seconds = $3
     where chain_id = $1`,
    [chainId, head.number.toString(), lagSeconds],
  );
}
