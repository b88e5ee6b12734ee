import type { Hex } from "viem";
import { KEY_SEPARATOR, type Touched } from "../store/derive.js";
import type { BlockRow, ContractRow, FactRow, TransactionRow } from "../store/tables.js";
import type { TableSpec } from "../store/sql.js";
import { logRow, type BatchOutput, type EntityKind, type FollowedContract, type LogContext } from "../handlers/types.js";

/**
 * Everything one block range produced, ready to be written in one transaction:
 * blocks, transactions, discovered contracts, log-table rows, facts, touched entities,
 * and where the cursor goes (the range's last block).
 */
export interface Batch {
  chainId: number;
  fromBlock: bigint;
  to: { number: bigint; hash: Hex; timestamp: Date };
  blocks: BlockRow[];
  transactions: TransactionRow[];
  contracts: ContractRow[];
  rows: Map<TableSpec<never>, unknown[]>;
  facts: FactRow[];
  touched: Touched;
  logCount: number;
}

export function createBatchOutput(batch: Batch, onFollow: (contract: FollowedContract) => void): BatchOutput {
  return {
    row(table, row) {
      const list = batch.rows.get(table as TableSpec<never>);
      if (list) list.push(row);
      else batch.rows.set(table as TableSpec<never>, [row]);
    },
    fact(ctx: LogContext, topic, payload) {
      batch.facts.push({
        ...logRow(ctx),
        topic,
        payload: { chainId: ctx.chainId, contract: ctx.address, txHash: ctx.txHash, ...payload },
        block_timestamp: ctx.blockTimestamp,
      });
    },
    follow(ctx, contract) {
      batch.contracts.push({
        chain_id: ctx.chainId,
        address: contract.address,
        kind: contract.kind,
        event_id: contract.eventId,
        factory_address: contract.factoryAddress,
        deployment_block_number: contract.fromBlock,
        deployment_block_hash: ctx.blockHash,
        deployment_tx_hash: ctx.txHash,
        deployment_log_index: ctx.logIndex,
      });
      onFollow(contract);
    },
    touch(entity: EntityKind, ...key: string[]) {
      const set = batch.touched.get(entity);
      const k = key.join(KEY_SEPARATOR);
      if (set) set.add(k);
      else batch.touched.set(entity, new Set([k]));
    },
  };
}
