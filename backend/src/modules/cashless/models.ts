import { Model } from "objection";
import { AuditedModel } from "../audit/audited-model.js";

/**
 * The cashless module's tables as objection Models. The ledger rows (accounts, transfers)
 * are written only through ledger.ts (knex, error-mapped) and the payment hot path only
 * through the SQL function cashless_charge (payments.ts): the database holds the invariants.
 *
 * bigint columns (minor units) come back from pg as strings.
 */

export type AccountKind =
  | "fan"
  | "vendor_receivable"
  | "vendor_payable"
  | "commission"
  | "topup_card"
  | "topup_online"
  | "cash_drawer"
  | "refunds_payable"
  | "imbalance"
  | "bonus"
  | "debt";

export type TransferType = "TOPUP" | "PAYMENT" | "REFUND" | "TRANSFER" | "CORRECTION" | "BONUS" | "PAYOUT" | "SETTLEMENT" | "COMMISSION" | "IMBALANCE" | "DEBT";

export class CashlessSettings extends AuditedModel {
  static override tableName = "cashless_edition_settings";
  static override idColumn = "edition_id";
  declare edition_id: string;
  declare currency: string;
  declare balance_cap: string;
  declare offline_allowance: string;
  declare topup_min: string;
  declare topup_max: string;
  declare commission_bps: number;
}

export class LedgerAccount extends Model {
  static override tableName = "ledger_accounts";
  static override idColumn = "id";
  declare id: string;
  declare edition_id: string;
  declare kind: AccountKind;
  declare owner_id: string | null;
  declare shard: number;
  declare currency: string;
  declare balance: string;
  declare min_balance: string | null;
  declare max_balance: string | null;
  declare created_at: Date;
}

export class LedgerTransfer extends Model {
  static override tableName = "ledger_transfers";
  static override idColumn = "id";
  declare id: string;
  declare client_transfer_id: string | null;
  declare request_hash: string | null;
  declare edition_id: string;
  declare type: TransferType;
  declare from_account_id: string;
  declare to_account_id: string;
  declare amount: string;
  declare bonus_amount: string;
  declare currency: string;
  declare from_balance_before: string;
  declare from_balance_after: string;
  declare to_balance_before: string;
  declare to_balance_after: string;
  declare reverses_transfer_id: string | null;
  declare wristband_id: string | null;
  declare vendor_id: string | null;
  declare stand_id: string | null;
  declare terminal_id: string | null;
  declare order_id: string | null;
  declare drawer_shift_id: string | null;
  declare method: "cash" | "card" | "online" | "cashless" | null;
  declare offline: boolean;
  declare settlement_id: string | null;
  declare memo: string | null;
  declare created_at: Date;
  declare created_by: string | null;
}

export class Wristband extends AuditedModel {
  static override tableName = "wristbands";
  declare edition_id: string;
  declare tag_id: string;
  declare user_id: string | null;
  declare status: "active" | "blocked";
  declare blocked_reason: "lost" | "debt" | "refunded" | "admin" | null;
  declare blocked_at: Date | null;
  declare replaced_by_id: string | null;
  declare account_id: string;
}

export class Cashier extends AuditedModel {
  static override tableName = "cashless_cashiers";
  declare edition_id: string;
  declare user_id: string;
  declare revoked_at: Date | null;
}

export class DrawerShift extends AuditedModel {
  static override tableName = "cashless_drawer_shifts";
  declare edition_id: string;
  declare cashier_user_id: string;
  declare desk: string;
  declare status: "open" | "closed";
  declare opening_float: string;
  declare account_id: string;
  declare opened_at: Date;
  declare closed_at: Date | null;
  declare expected_cash: string | null;
  declare counted_cash: string | null;
  declare difference: string | null;
}

export function settingsDto(s: CashlessSettings) {
  return {
    editionId: s.edition_id,
    currency: s.currency,
    balanceCap: Number(s.balance_cap),
    offlineAllowance: Number(s.offline_allowance),
    topupMin: Number(s.topup_min),
    topupMax: Number(s.topup_max),
    commissionBps: s.commission_bps,
    updatedAt: s.updated_at.toISOString(),
  };
}

export function wristbandDto(w: Wristband, balance: string | number) {
  return {
    id: w.id,
    editionId: w.edition_id,
    tagId: w.tag_id,
    userId: w.user_id,
    status: w.status,
    blockedReason: w.blocked_reason,
    replacedById: w.replaced_by_id,
    balance: Number(balance),
    createdAt: w.created_at.toISOString(),
  };
}

/** One transfer as the fan account `accountId` sees it: signed amount and its balance after. */
export function historyEntryDto(t: LedgerTransfer, accountId: string) {
  const outgoing = t.from_account_id === accountId;
  return {
    id: t.id,
    type: t.type,
    amount: outgoing ? -Number(t.amount) : Number(t.amount),
    currency: t.currency,
    balanceBefore: Number(outgoing ? t.from_balance_before : t.to_balance_before),
    balanceAfter: Number(outgoing ? t.from_balance_after : t.to_balance_after),
    method: t.method,
    vendorId: t.vendor_id,
    standId: t.stand_id,
    offline: t.offline,
    memo: t.memo,
    createdAt: t.created_at.toISOString(),
  };
}

export function shiftDto(s: DrawerShift) {
  return {
    id: s.id,
    editionId: s.edition_id,
    cashierUserId: s.cashier_user_id,
    desk: s.desk,
    status: s.status,
    openingFloat: Number(s.opening_float),
    openedAt: s.opened_at.toISOString(),
    closedAt: s.closed_at?.toISOString() ?? null,
    expectedCash: s.expected_cash === null ? null : Number(s.expected_cash),
    countedCash: s.counted_cash === null ? null : Number(s.counted_cash),
    difference: s.difference === null ? null : Number(s.difference),
  };
}

/** One entry of a terminal's offline journal as uploaded, with what the ledger made of it. */
export class OfflineEntry extends Model {
  static override tableName = "cashless_offline_entries";
  static override idColumn = "id";
  declare id: string;
  declare terminal_id: string;
  declare edition_id: string;
  declare seq: string;
  declare transfer_id: string;
  declare hash: string;
  declare prev_hash: string;
  declare signature: string;
  declare tag_id: string;
  declare amount: string;
  declare currency: string;
  declare charged_at: Date;
  declare outcome: "booked" | "overspent" | "duplicate" | "rejected";
  declare conflict: unknown;
  declare created_at: Date;
}
