import type { Hex } from "viem";
import type { TableSpec } from "../store/sql.js";

export type ContractKind = "factory" | "event_ticket" | "revenue_split";

/** A followed contract, as in smart_contracts. */
export interface FollowedContract {
  address: Hex;
  kind: ContractKind;
  eventId: bigint | null;
  factoryAddress: Hex | null;
  /** First block whose logs belong to this contract (its deployment block). */
  fromBlock: bigint;
}

/** Where a decoded log sits on the chain; every row derived from it carries this. */
export interface LogContext {
  chainId: number;
  address: Hex;
  contract: FollowedContract;
  blockNumber: bigint;
  blockHash: Hex;
  blockTimestamp: Date;
  txHash: Hex;
  logIndex: number;
}

/**
 * A derived entity whose current state is recomputed from the append-only event tables:
 * after a batch for the keys it touched, after a rollback for the keys of deleted rows.
 * Keys are tuples of strings (addresses, decimal ids): ticket (contract, tokenId),
 * event_tickets (contract: every ticket of it), tier (contract, tierId), event (ticket
 * contract), split (split contract: payees, totals and balances of every currency).
 */
export type EntityKind = "ticket" | "event_tickets" | "tier" | "event" | "split";

/** What handlers produce for one batch; the store writes it in one transaction. */
export interface BatchOutput {
  row<Row>(table: TableSpec<Row>, row: Row): void;
  /** A fact for the outbox (delivered once the log's block is final). */
  fact(ctx: LogContext, topic: string, payload: Record<string, unknown>): void;
  /** Start following a contract from `contract.fromBlock` (factory discovery). */
  follow(ctx: LogContext, contract: FollowedContract): void;
  touch(entity: EntityKind, ...key: string[]): void;
}

export type Handler<Args> = (args: Args, ctx: LogContext, out: BatchOutput) => void;

/** Columns every log-derived row has (chain position), in the order handlers write them. */
export interface LogRow {
  chain_id: number;
  block_number: bigint;
  block_hash: Hex;
  log_index: number;
  tx_hash: Hex;
  contract_address: Hex;
}

export function logRow(ctx: LogContext): LogRow {
  return {
    chain_id: ctx.chainId,
    block_number: ctx.blockNumber,
    block_hash: ctx.blockHash,
    log_index: ctx.logIndex,
    tx_hash: ctx.txHash,
    contract_address: ctx.address,
  };
}

export const logColumns = [
  ["chain_id", "bigint"],
  ["block_number", "bigint"],
  ["block_hash", "text"],
  ["log_index", "integer"],
  ["tx_hash", "text"],
  ["contract_address", "text"],
] as const;

/**
 * An append-only event table: rows keyed by (chain_id, block_number, log_index),
 * deleted above the common ancestor on a reorg. `touches` says which derived entities a
 * row feeds, so a rollback knows what to recompute.
 */
export interface EventTable<Row> extends TableSpec<Row> {
  touches: ReadonlyArray<{ entity: EntityKind; columns: readonly string[] }>;
}
