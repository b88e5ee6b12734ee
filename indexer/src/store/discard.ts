import type pg from "pg";
import { blocksTable, contractsTable, LOG_TABLES, outboxTable, pendingFactsTable, transactionsTable } from "./tables.js";

/** Current-state tables the log tables are folded into (derive.ts). */
const STATE_TABLES = ["chain_events", "chain_tiers", "chain_tickets", "chain_split_payees", "chain_split_totals", "chain_split_balances"];

export interface DiscardResult {
  /** Mirror rows of the old chain (logs, state, blocks, contracts, facts) removed. */
  mirrorRows: number;
  /** Event contracts linked to (or waiting for) contracts of the old chain, removed with their gate data. */
  eventContracts: number;
}

/**
 * A local dev chain (a Hardhat node keeps its chain in memory) was replaced by a new one under
 * the same chain id: nothing the database knows of the old chain exists any more, and the new
 * chain reuses its contract addresses and token ids. So, in ONE transaction with the cursor's
 * removal, everything of the old chain goes: the whole mirror, and the event contracts with
 * their gate data (check-ins restrict deletes, so they go first; zones, categories and scans
 * cascade). Festivals, events, people and the audit trail are not chain state and stay.
 * Only ever called for LOCAL_CHAIN_IDS: on a real network the same situation is an error.
 */
export async function discardChain(pool: pg.Pool, chainId: number): Promise<DiscardResult> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const mirror = [
      ...LOG_TABLES.map((t) => t.name),
      ...STATE_TABLES,
      transactionsTable.name,
      blocksTable.name,
      contractsTable.name,
      pendingFactsTable.name,
      outboxTable.name,
      "indexer_cursors",
    ];
    let mirrorRows = 0;
    for (const table of mirror) mirrorRows += (await client.query(`delete from ${table} where chain_id = $1`, [chainId])).rowCount ?? 0;
    await client.query(`delete from gate_check_ins where chain_id = $1`, [chainId]);
    await client.query(`delete from gate_pass_uses where chain_id = $1`, [chainId]);
    const eventContracts = (await client.query(`delete from event_contracts where chain_id = $1`, [chainId])).rowCount ?? 0;
    await client.query("commit");
    return { mirrorRows, eventContracts };
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
