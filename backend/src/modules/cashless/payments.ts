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
  if (input.standId !== undefined && input.standId !== terminal.standId) {
    throw new HttpError(403, "terminal_wrong_stand", "this terminal is registered to another stand and can only charge for its own");
  }
  if (input.amount <= 0) {
    throw new HttpError(422, "amount_not_positive", "an amount is a positive number of minor units", [{ field: "body.amount", message: "must be > 0" }]);
  }
  const { rows } = await db.raw<{ rows: ChargeRow[] }>("select * from cashless_charge(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
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
  ]);
  const row = rows[0]!;
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
