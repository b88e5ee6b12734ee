import type pg from "pg";
import { blocksTable, contractsTable, LOG_TABLES, outboxTable, pendingFactsTable, transactionsTable } from "./tables.js";

/** Current-state tables the log tables are folded into (derive.ts). */
const STATE_TABLES = [
  "chain_events",
  "chain_tiers",
  "chain_tickets",
  "chain_split_payees",
  "chain_split_totals",
  "chain_split_balances",
  "chain_referral_balances",
];

/** Every table of the chain mirror, in an order that deletes cleanly (also resets a test's mirror). */
export const MIRROR_TABLES: readonly string[] = [
  ...LOG_TABLES.map((t) => t.name),
  ...STATE_TABLES,
  transactionsTable.name,
  blocksTable.name,
  contractsTable.name,
  pendingFactsTable.name,
  outboxTable.name,
  "indexer_cursors",
];

export interface DiscardResult {
  /** Mirror rows of the old chain (logs, state, blocks, contracts, facts) removed. */
  mirrorRows: number;
  /** Event contracts linked to (or waiting for) contracts of the old chain, now `discarded`. */
  eventContracts: number;
}

/**
 * A local dev chain (a Hardhat node keeps its chain in memory) was replaced by a new one under
 * the same chain id: nothing the database knows of the old chain exists any more, and the new
 * chain reuses its contract addresses and token ids. So, in ONE transaction with the cursor's
 * removal: the whole mirror goes; the tickets' gate state goes (check-ins and spent pass
 * nonces, or the new chain's token 1000001 would be "already admitted"); the event contracts
 * become `discarded`, their old addresses kept in discarded_chain, so the new chain's
 * contracts can be linked while zones and the append-only scan log stay as history.
 * Festivals, events, people and the audit trail are not chain state and stay.
 * Only ever called for LOCAL_CHAIN_IDS: on a real network the same situation is an error.
 */
export async function discardChain(pool: pg.Pool, chainId: number): Promise<DiscardResult> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    let mirrorRows = 0;
    for (const table of MIRROR_TABLES) mirrorRows += (await client.query(`delete from ${table} where chain_id = $1`, [chainId])).rowCount ?? 0;
    await client.query(`delete from gate_check_ins where chain_id = $1`, [chainId]);
    await client.query(`delete from gate_pass_uses where chain_id = $1`, [chainId]);
    const discarded = await client.query(
      `update event_contracts set status = 'discarded', discarded_at = now(),
         discarded_chain = jsonb_build_object('ticketAddress', ticket_address, 'splitAddress', split_address,
           'deployTxHash', deploy_tx_hash, 'chainEventId', chain_event_id::text, 'status', status),
         ticket_address = null, split_address = null, deploy_tx_hash = null, chain_event_id = null
       where chain_id = $1 and status <> 'discarded'`,
      [chainId],
    );
    const eventContracts = discarded.rowCount ?? 0;
    await client.query("commit");
    return { mirrorRows, eventContracts };
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
