import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import { HttpError } from "../../http/errors.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { LedgerAccount, LedgerTransfer, type AccountKind, type TransferType } from "./models.js";

/**
 * The ledger's write side. Every movement of money is one row in ledger_transfers; the
 * database books it (trigger ledger_transfers_book: both balances, before/after), bounds it
 * (CHECKs on the account rows) and keeps it (immutable). This file only names the accounts
 * and turns the database's refusals into stable error codes. Other places a ledger rule lives:
 * migrations/600_cashless_ledger.ts (all invariants), payments.ts (the terminal hot path,
 * SQL function cashless_charge), ledger-verify (scripts/ledger-verify.ts).
 *
 * Hot accounts: a vendor receives thousands of payments; its receivable is split into
 * VENDOR_SHARDS accounts (the payment's client transfer id picks one), so concurrent payments
 * to one vendor lock different rows. Settlement sums the shards. Fan accounts are never
 * sharded: their balance is the one that must be checked under a lock.
 */
export const VENDOR_SHARDS = 8;

export interface TransferInput {
  editionId: string;
  type: TransferType;
  fromAccountId: string;
  toAccountId: string;
  amount: bigint | number;
  currency: string;
  bonusAmount?: bigint | number;
  clientTransferId?: string | null;
  requestHash?: string | null;
  wristbandId?: string | null;
  vendorId?: string | null;
  standId?: string | null;
  terminalId?: string | null;
  orderId?: string | null;
  drawerShiftId?: string | null;
  method?: "cash" | "card" | "online" | "cashless" | null;
  offline?: boolean;
  settlementId?: string | null;
  reversesTransferId?: string | null;
  memo?: string | null;
  createdBy?: string | null;
}

export const LEDGER_RULES = {
  ck_ledger_accounts_balance_floor: () => new HttpError(422, "insufficient_balance", "the band's balance does not cover this amount; nothing was booked"),
  ck_ledger_accounts_balance_cap: () => new HttpError(422, "over_cap", "this would take the band's balance above the edition's cap; nothing was booked"),
  ck_ledger_transfers_amount_positive: () =>
    new HttpError(422, "amount_not_positive", "an amount is a positive number of minor units", [{ field: "body.amount", message: "must be > 0" }]),
  uq_ledger_transfers_client_transfer_id: () => new HttpError(409, "transfer_id_conflict", "this transfer id was already used"),
};

/** Books one transfer inside `trx` (the caller's transaction, with its audit row). */
export async function book(trx: Knex.Transaction, t: TransferInput): Promise<LedgerTransfer> {
  const [row] = await withConstraintErrors(
    () =>
      trx(LedgerTransfer.tableName)
        .insert({
          id: newId(),
          client_transfer_id: t.clientTransferId ?? null,
          request_hash: t.requestHash ?? null,
          edition_id: t.editionId,
          type: t.type,
          from_account_id: t.fromAccountId,
          to_account_id: t.toAccountId,
          amount: String(t.amount),
          bonus_amount: String(t.bonusAmount ?? 0),
          currency: t.currency,
          // the booking trigger writes the real values
          from_balance_before: 0,
          from_balance_after: 0,
          to_balance_before: 0,
          to_balance_after: 0,
          wristband_id: t.wristbandId ?? null,
          vendor_id: t.vendorId ?? null,
          stand_id: t.standId ?? null,
          terminal_id: t.terminalId ?? null,
          order_id: t.orderId ?? null,
          drawer_shift_id: t.drawerShiftId ?? null,
          method: t.method ?? null,
          offline: t.offline ?? false,
          settlement_id: t.settlementId ?? null,
          reverses_transfer_id: t.reversesTransferId ?? null,
          memo: t.memo ?? null,
          created_by: t.createdBy ?? null,
        })
        .returning("*"),
    LEDGER_RULES,
  );
  return LedgerTransfer.fromDatabaseJson(row);
}

/** The account of (edition, kind, owner, shard), opened on first use. */
export async function accountFor(
  db: Knex | Knex.Transaction,
  editionId: string,
  kind: AccountKind,
  ownerId: string | null,
  currency: string,
  shard = 0,
): Promise<string> {
  const { rows } = await db.raw<{ rows: Array<{ id: string }> }>("select ledger_account_for(?, ?, ?, ?::smallint, ?) as id", [
    editionId,
    kind,
    ownerId,
    shard,
    currency,
  ]);
  return rows[0]!.id;
}

/** A fan (wristband) account: floor 0, ceiling the edition's cap. */
export async function openFanAccount(trx: Knex.Transaction, editionId: string, currency: string, cap: string | number, wristbandId: string): Promise<string> {
  const id = newId();
  await trx(LedgerAccount.tableName).insert({
    id,
    edition_id: editionId,
    kind: "fan",
    owner_id: wristbandId,
    shard: 0,
    currency,
    min_balance: 0,
    max_balance: String(cap),
  });
  return id;
}

export async function balanceOf(db: Knex | Knex.Transaction, accountId: string): Promise<bigint> {
  const row = await db(LedgerAccount.tableName).where("id", accountId).first("balance");
  return BigInt(row?.balance ?? 0);
}

/** Balances of every account of `kind` of `ownerId` in an edition, summed over shards. */
export async function ownerBalance(db: Knex | Knex.Transaction, editionId: string, kind: AccountKind, ownerId: string | null): Promise<bigint> {
  const q = db(LedgerAccount.tableName).where({ edition_id: editionId, kind });
  if (ownerId === null) q.whereNull("owner_id");
  else q.where("owner_id", ownerId);
  const row = await q.first(db.raw("coalesce(sum(balance), 0)::text as total"));
  return BigInt((row as { total?: string } | undefined)?.total ?? 0);
}

export interface LedgerDifference {
  accountId: string | null;
  kind: string;
  storedBalance: string;
  computedBalance: string;
}

/** Recomputes every balance from the transfers (SQL function ledger_verify): empty = consistent. */
export async function verifyLedger(db: Knex): Promise<LedgerDifference[]> {
  const { rows } = await db.raw<{ rows: Array<{ account_id: string | null; kind: string; stored_balance: string; computed_balance: string }> }>(
    "select * from ledger_verify()",
  );
  return rows.map((r) => ({ accountId: r.account_id, kind: r.kind, storedBalance: String(r.stored_balance), computedBalance: String(r.computed_balance) }));
}

/** Bonus credit still on a fan account: bonus in minus bonus out, never more than the balance. */
export async function bonusRemaining(db: Knex | Knex.Transaction, accountId: string, balance: bigint): Promise<bigint> {
  const row = await db(LedgerTransfer.tableName)
    .where((w) => w.where("to_account_id", accountId).orWhere("from_account_id", accountId))
    .first(db.raw("coalesce(sum(case when to_account_id = ? then bonus_amount else -bonus_amount end), 0)::text as bonus", [accountId]));
  const bonus = BigInt((row as { bonus?: string } | undefined)?.bonus ?? 0);
  if (bonus < 0n) return 0n;
  return bonus < balance ? bonus : balance;
}
