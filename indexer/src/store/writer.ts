import type pg from "pg";
import { newId } from "../../../lib/ids.js";
import type { Batch } from "../sync/batch.js";
import { writeCursor, type Cursor } from "./cursor.js";
import { recompute } from "./derive.js";
import { advanceTickets, type ForwardTicketRows } from "./forward.js";
import { insertRows, type TableSpec } from "./sql.js";
import {
  blocksTable,
  checkIns,
  comps,
  contractsTable,
  outboxTable,
  pendingFactsTable,
  purchases,
  refunds,
  resales,
  ticketTransfers,
  transactionsTable,
  type FactRow,
} from "./tables.js";
import { publishFinalized } from "./outbox.js";

/**
 * Test hook: called between the writes of a batch (inside its transaction). A hook that
 * throws simulates a crash mid-batch: the transaction rolls back and nothing of the batch,
 * nor the cursor move, is visible.
 */
export type WriteHook = (step: string) => void | Promise<void>;

/**
 * Writes a batch and moves the cursor in ONE transaction.
 * Invariant: cursor.block_number = N  <=>  every row derived from blocks <= N is written,
 * and nothing from blocks > N is. Rows are idempotent (on conflict do nothing), so even a
 * replay over already-written blocks adds nothing.
 */
export async function writeBatch(
  pool: pg.Pool,
  batch: Batch,
  opts: { finalized: bigint; head: { number: bigint; timestamp: Date }; confirmations: number; factoryAddress: `0x${string}`; hook?: WriteHook },
): Promise<Cursor> {
  const client = await pool.connect();
  const step = async (name: string) => opts.hook && (await opts.hook(name));
  try {
    await client.query("begin");
    // Every block of the batch newly stored => none of its transactions and log rows is stored
    // either (they are only ever written, and rolled back, with their block): they are inserted
    // without conflict checks, and ticket state may be advanced incrementally.
    const newBlocks = await insertRows(client, blocksTable, batch.blocks);
    let fresh = newBlocks === batch.blocks.length;
    const known = fresh ? ("new" as const) : undefined;
    await insertRows(client, transactionsTable, batch.transactions, { known });
    await insertRows(client, contractsTable, batch.contracts);
    await step("blocks");
    for (const [table, rows] of batch.rows) {
      const inserted = await insertRows(client, table, rows as never[], { known });
      if (inserted !== rows.length) fresh = false;
      await step(table.name);
    }
    const rowsOf = <R>(table: TableSpec<R>) => (batch.rows.get(table as TableSpec<never>) ?? []) as R[];
    const forward: ForwardTicketRows = {
      transfers: rowsOf(ticketTransfers),
      purchases: rowsOf(purchases),
      comps: rowsOf(comps),
      checkIns: rowsOf(checkIns),
      resales: rowsOf(resales),
      refunds: rowsOf(refunds),
      wholeContracts: batch.touched.get("event_tickets") ?? new Set(),
    };
    await recompute(client, batch.chainId, batch.touched, fresh ? (tickets) => advanceTickets(client, batch.chainId, tickets, forward) : undefined);
    await step("derived");
    // facts of blocks that are already final go straight to the outbox
    const direct: FactRow[] = [];
    const pending: FactRow[] = [];
    for (const fact of batch.facts) (fact.block_number <= opts.finalized ? direct : pending).push(fact);
    await insertRows(
      client,
      outboxTable,
      direct.map((f) => ({ ...f, id: newId() })),
    );
    await insertRows(client, pendingFactsTable, pending);
    await publishFinalized(client, batch.chainId, opts.finalized);
    await step("outbox");
    const cursor: Cursor = {
      chainId: batch.chainId,
      number: batch.to.number,
      hash: batch.to.hash,
      timestamp: batch.to.timestamp,
      finalized: opts.finalized,
      factoryAddress: opts.factoryAddress,
    };
    await writeCursor(client, cursor, opts.head, opts.confirmations);
    await step("cursor");
    await client.query("commit");
    return cursor;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
