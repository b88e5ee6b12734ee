import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { TerminalPrincipal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { sha256Hex } from "../../security/tokens.js";
import { VENDOR_SHARDS } from "./ledger.js";

/**
 * A terminal charges a band: the hot path, one statement (SQL function cashless_charge in
 * migrations/600_cashless_ledger.ts), no explicit transaction, so a payment is one round trip.
 *
 * Exactly once: the client's transfer id is unique in ledger_transfers; a replay with the
 * same content returns the first result (`replayed: true`), with other content a 409.
 * Concurrency: the booking trigger's UPDATE of the band's account row takes its row lock and
 * the CHECK ck_ledger_accounts_balance_floor refuses a balance below 0, so two terminals
 * charging one band at the same instant are serialized on that row and never overdraft it.
 * The vendor side goes to one of VENDOR_SHARDS receivable accounts (by transfer id hash).
 *
 * The ledger row is the payment's audit record (immutable, with terminal, stand, vendor and
 * time); no audit_log row is written per tap.
 */
export interface ChargeInput {
  transferId: string;
  tagId: string;
  amount: number;
  currency: string;
  standId?: string;
  orderId?: string | null;
  offline?: boolean;
}

export interface ChargeResult {
  transferId: string;
  clientTransferId: string;
  wristbandId: string;
  amount: number;
  currency: string;
  balanceAfter: number;
  bookedAt: string;
  replayed: boolean;
}

interface ChargeRow {
  outcome: string;
  transfer_id: string | null;
  amount: string | null;
  currency: string | null;
  balance_after: string | null;
  wristband_id: string | null;
  booked_at: Date | null;
}

/** What makes two requests with one transfer id "the same": who charged whom for what. */
export function chargeHash(terminalId: string, input: ChargeInput): string {
  return sha256Hex(JSON.stringify([terminalId, input.tagId, input.amount, input.currency, input.orderId ?? null, input.offline ?? false]));
}

/** `db` may be the caller's transaction (an order and its payment commit together). */
export async function charge(db: Knex | Knex.Transaction, terminal: TerminalPrincipal, input: ChargeInput): Promise<ChargeResult> {
  checkCharge(terminal, input);
  const { rows } = await db.raw<{ rows: ChargeRow[] }>(CHARGE_ONE_SQL, [...chargeValues(terminal, input), input.transferId]);
  return resultOf(rows[0]!, input);
}

// the last parameter is the shard key: a payment alone shards by its own transfer id
const CHARGE_ONE_SQL = "select * from cashless_charge(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const CHARGE_ONE_PG = "select * from cashless_charge($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $2)";
const CHARGE_MANY_PG = "select * from cashless_charge_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

function checkCharge(terminal: TerminalPrincipal, input: ChargeInput): void {
  if (input.standId !== undefined && input.standId !== terminal.standId) {
    throw new HttpError(403, "terminal_wrong_stand", "this terminal is registered to another stand and can only charge for its own");
  }
  if (input.amount <= 0) {
    throw new HttpError(422, "amount_not_positive", "an amount is a positive number of minor units", [{ field: "body.amount", message: "must be > 0" }]);
  }
}

function chargeValues(terminal: TerminalPrincipal, input: ChargeInput) {
  return [
    newId(),
    input.transferId,
    chargeHash(terminal.terminalId, input),
    terminal.editionId,
    input.tagId,
    input.amount,
    input.currency,
    terminal.vendorId,
    terminal.standId,
    terminal.terminalId,
    input.orderId ?? null,
    VENDOR_SHARDS,
    input.offline ?? false,
  ] as const;
}

/** The SQL function's answer as the API's: the result, or the error that names the reason. */
function resultOf(row: ChargeRow, input: ChargeInput): ChargeResult {
  switch (row.outcome) {
    case "booked":
    case "replayed":
      return {
        transferId: row.transfer_id!,
        clientTransferId: input.transferId,
        wristbandId: row.wristband_id!,
        amount: Number(row.amount),
        currency: row.currency!,
        balanceAfter: Number(row.balance_after),
        bookedAt: row.booked_at!.toISOString(),
        replayed: row.outcome === "replayed",
      };
    case "conflict":
      throw new HttpError(409, "transfer_id_conflict", "this transfer id was already used for a different payment; nothing was booked", [
        { field: "body.transferId", message: "already used with other content" },
      ]);
    case "unknown_band":
      throw new HttpError(422, "unknown_band", "no wristband with this tag id in this edition; nothing was booked", [
        { field: "body.tagId", message: "unknown band" },
      ]);
    case "blocked_band":
      throw new HttpError(422, "band_blocked", "this wristband is blocked; nothing was booked");
    case "currency_mismatch":
      throw new HttpError(422, "currency_mismatch", `this edition's currency is ${row.currency}; nothing was booked`, [
        { field: "body.currency", message: `must be ${row.currency}` },
      ]);
    case "insufficient_balance":
      throw new HttpError(422, "insufficient_balance", "the band's balance does not cover this amount; nothing was booked");
    default:
      throw new HttpError(422, "rule_violated", `payment refused (${row.outcome}); nothing was booked`);
  }
}

/**
 * Group payments (the terminal route's path): the payments that arrive in the same event-loop
 * turn go to the database as one statement (cashless_charge_batch), so one round trip and one
 * commit serve up to MAX_BATCH payments. Each payment in it is its own subtransaction, so a
 * refused one (insufficient balance...) does not touch the others; the batch locks every
 * account it touches first, in id order, so concurrent batches cannot deadlock. If the batch
 * statement itself fails, each payment runs alone. A batch of one uses the one-payment
 * statement. Answers are the same as `charge` gives.
 */
const MAX_BATCH = 64;

interface PendingCharge {
  terminal: TerminalPrincipal;
  input: ChargeInput;
  resolve(result: ChargeResult): void;
  reject(error: unknown): void;
}

type Connection = { query(q: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: Array<ChargeRow & { idx?: number }> }> };

export class PaymentBatcher {
  private queues = new Map<string, PendingCharge[]>();
  private scheduled = false;

  constructor(private readonly db: Knex) {}

  charge(terminal: TerminalPrincipal, input: ChargeInput): Promise<ChargeResult> {
    checkCharge(terminal, input);
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(terminal.editionId) ?? [];
      this.queues.set(terminal.editionId, queue);
      queue.push({ terminal, input, resolve, reject });
      if (queue.length >= MAX_BATCH) this.flushEdition(terminal.editionId);
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    for (const editionId of [...this.queues.keys()]) this.flushEdition(editionId);
  }

  private flushEdition(editionId: string): void {
    const batch = this.queues.get(editionId) ?? [];
    this.queues.delete(editionId);
    if (batch.length === 0) return;
    if (batch.length === 1) return void this.runOne(batch[0]!);
    this.runBatch(batch).catch(() => {
      for (const item of batch) void this.runOne(item);
    });
  }

  private async runOne(item: PendingCharge): Promise<void> {
    try {
      const rows = await this.query("cashless_charge_one_v1", CHARGE_ONE_PG, chargeValues(item.terminal, item.input));
      item.resolve(resultOf(rows[0]!, item.input));
    } catch (error) {
      item.reject(error);
    }
  }

  private async runBatch(batch: PendingCharge[]): Promise<void> {
    const values = batch.map((item) => chargeValues(item.terminal, item.input));
    const column = (i: number) => values.map((v) => v[i]);
    const rows = await this.query("cashless_charge_batch_v1", CHARGE_MANY_PG, [
      column(0),
      column(1),
      column(2),
      batch[0]!.terminal.editionId,
      column(4),
      column(5),
      column(6),
      column(7),
      column(8),
      column(9),
      column(10),
      VENDOR_SHARDS,
      column(12),
      newId(),
    ]);
    if (rows.length !== batch.length) throw new Error("cashless batch: a payment row is missing");
    for (const row of rows) {
      const item = batch[row.idx! - 1]!;
      try {
        item.resolve(resultOf(row, item.input));
      } catch (error) {
        item.reject(error);
      }
    }
  }

  private async query(name: string, text: string, values: readonly unknown[]): Promise<Array<ChargeRow & { idx?: number }>> {
    const client = this.db.client as { acquireConnection(): Promise<Connection>; releaseConnection(c: Connection): Promise<void> };
    const connection = await client.acquireConnection();
    try {
      return (await connection.query({ name, text, values })).rows;
    } finally {
      await client.releaseConnection(connection);
    }
  }
}
