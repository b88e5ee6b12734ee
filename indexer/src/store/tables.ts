import type { Hex } from "viem";
import { logColumns, type EventTable, type LogRow } from "../handlers/types.js";
import type { TableSpec } from "./sql.js";

/**
 * Row types and column lists of every table the indexer writes (schema: migrations/200_chain*.ts).
 * Log tables are append-only and idempotent on their place on the mirrored chain,
 * (chain_id, block_number, log_index) (migrations/230_chain_log_keys.ts says why that is unique).
 */
const LOG_KEY = "(chain_id, block_number, log_index)";

export interface BlockRow {
  chain_id: number;
  number: bigint;
  hash: Hex;
  parent_hash: Hex;
  timestamp: Date;
}
export const blocksTable: TableSpec<BlockRow> = {
  name: "chain_blocks",
  columns: [
    ["chain_id", "bigint"],
    ["number", "bigint"],
    ["hash", "text"],
    ["parent_hash", "text"],
    ["timestamp", "timestamptz"],
  ],
  conflict: "(chain_id, number)",
};

export interface TransactionRow {
  chain_id: number;
  hash: Hex;
  block_number: bigint;
  block_hash: Hex;
  transaction_index: number;
  from_address: Hex;
  to_address: Hex | null;
  value: bigint;
  gas_used: bigint;
  effective_gas_price: bigint;
  status: "success" | "reverted";
}
export const transactionsTable: TableSpec<TransactionRow> = {
  name: "chain_transactions",
  columns: [
    ["chain_id", "bigint"],
    ["hash", "text"],
    ["block_number", "bigint"],
    ["block_hash", "text"],
    ["transaction_index", "integer"],
    ["from_address", "text"],
    ["to_address", "text"],
    ["value", "numeric"],
    ["gas_used", "numeric"],
    ["effective_gas_price", "numeric"],
    ["status", "text"],
  ],
  conflict: "(chain_id, hash)",
};

export interface ContractRow {
  chain_id: number;
  address: Hex;
  kind: string;
  event_id: bigint | null;
  factory_address: Hex | null;
  deployment_block_number: bigint;
  deployment_block_hash: Hex | null;
  deployment_tx_hash: Hex | null;
  deployment_log_index: number | null;
}
export const contractsTable: TableSpec<ContractRow> = {
  name: "smart_contracts",
  columns: [
    ["chain_id", "bigint"],
    ["address", "text"],
    ["kind", "text"],
    ["event_id", "numeric"],
    ["factory_address", "text"],
    ["deployment_block_number", "bigint"],
    ["deployment_block_hash", "text"],
    ["deployment_tx_hash", "text"],
    ["deployment_log_index", "integer"],
  ],
  conflict: "(chain_id, address)",
};

/** A fact for the outbox: a log's position plus what happened. */
export interface FactRow extends LogRow {
  topic: string;
  payload: Record<string, unknown>;
  block_timestamp: Date;
}
const factColumns = [...logColumns, ["topic", "text"], ["payload", "jsonb"], ["block_timestamp", "timestamptz"]] as const;
export const pendingFactsTable: TableSpec<FactRow> = { name: "chain_pending_facts", columns: factColumns, conflict: LOG_KEY };
/** The outbox keeps facts of dropped blocks it already delivered: keyed by the block's hash. */
export const outboxTable: TableSpec<FactRow & { id: string }> = {
  name: "outbox",
  columns: [["id", "uuid"], ...factColumns] as never,
  conflict: "(chain_id, block_number, log_index, block_hash)",
};

// ------------------------------------------------------------------ log tables

function logTable<Row extends LogRow>(
  name: string,
  columns: ReadonlyArray<readonly [Exclude<keyof Row, keyof LogRow> & string, TableSpec<Row>["columns"][number][1]]>,
  touches: EventTable<Row>["touches"],
): EventTable<Row> {
  return { name, columns: [...logColumns, ...columns] as TableSpec<Row>["columns"], conflict: LOG_KEY, touches };
}

export type EventCreationRow = LogRow & {
  event_id: bigint;
  organizer: Hex;
  ticket_address: Hex;
  split_address: Hex;
  config: Record<string, unknown>;
  platform_fee_recipient: Hex;
  platform_fee_bps: number;
};
export const eventCreations = logTable<EventCreationRow>(
  "chain_event_creations",
  [
    ["event_id", "numeric"],
    ["organizer", "text"],
    ["ticket_address", "text"],
    ["split_address", "text"],
    ["config", "jsonb"],
    ["platform_fee_recipient", "text"],
    ["platform_fee_bps", "integer"],
  ],
  [
    { entity: "event", columns: ["ticket_address"] },
    { entity: "split", columns: ["split_address"] },
  ],
);

export type PlatformFeeRow = LogRow & { recipient: Hex; fee_bps: number };
export const platformFeeChanges = logTable<PlatformFeeRow>(
  "chain_platform_fee_changes",
  [
    ["recipient", "text"],
    ["fee_bps", "integer"],
  ],
  [],
);

export type TierChangeRow = LogRow & {
  kind: "created" | "updated";
  tier_id: bigint;
  name: string;
  price: bigint;
  currency: Hex;
  supply: bigint;
  max_per_buyer: bigint;
  sale_start: bigint;
  sale_end: bigint;
  transferable: boolean;
};
export const tierChanges = logTable<TierChangeRow>(
  "chain_tier_changes",
  [
    ["kind", "text"],
    ["tier_id", "numeric"],
    ["name", "text"],
    ["price", "numeric"],
    ["currency", "text"],
    ["supply", "numeric"],
    ["max_per_buyer", "numeric"],
    ["sale_start", "numeric"],
    ["sale_end", "numeric"],
    ["transferable", "boolean"],
  ],
  [{ entity: "tier", columns: ["contract_address", "tier_id"] }],
);

export type PurchaseRow = LogRow & {
  buyer: Hex;
  recipient: Hex;
  tier_id: bigint;
  first_token_id: bigint;
  quantity: bigint;
  unit_price: bigint;
  currency: Hex;
  block_timestamp: Date;
};
export const purchases = logTable<PurchaseRow>(
  "chain_purchases",
  [
    ["buyer", "text"],
    ["recipient", "text"],
    ["tier_id", "numeric"],
    ["first_token_id", "numeric"],
    ["quantity", "numeric"],
    ["unit_price", "numeric"],
    ["currency", "text"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "tier", columns: ["contract_address", "tier_id"] }],
);

export type CompRow = LogRow & { tier_id: bigint; operator: Hex; first_token_id: bigint; recipients: Hex[] };
export const comps = logTable<CompRow>(
  "chain_comps",
  [
    ["tier_id", "numeric"],
    ["operator", "text"],
    ["first_token_id", "numeric"],
    ["recipients", "jsonb"],
  ],
  [{ entity: "tier", columns: ["contract_address", "tier_id"] }],
);

export type TransferRow = LogRow & { from_address: Hex; to_address: Hex; token_id: bigint; block_timestamp: Date };
export const ticketTransfers = logTable<TransferRow>(
  "chain_ticket_transfers",
  [
    ["from_address", "text"],
    ["to_address", "text"],
    ["token_id", "numeric"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "ticket", columns: ["contract_address", "token_id"] }],
);

export type CheckInRow = LogRow & { token_id: bigint; scanner: Hex; block_timestamp: Date };
export const checkIns = logTable<CheckInRow>(
  "chain_check_ins",
  [
    ["token_id", "numeric"],
    ["scanner", "text"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "ticket", columns: ["contract_address", "token_id"] }],
);

export type ResaleRow = LogRow & {
  kind: "listed" | "cancelled" | "completed";
  token_id: bigint;
  seller: Hex;
  buyer: Hex | null;
  price: bigint | null;
  royalty: bigint | null;
  currency: Hex | null;
  block_timestamp: Date;
};
export const resales = logTable<ResaleRow>(
  "chain_resales",
  [
    ["kind", "text"],
    ["token_id", "numeric"],
    ["seller", "text"],
    ["buyer", "text"],
    ["price", "numeric"],
    ["royalty", "numeric"],
    ["currency", "text"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "ticket", columns: ["contract_address", "token_id"] }],
);

export type RefundRow = LogRow & { token_id: bigint; holder: Hex; amount: bigint; currency: Hex; paid_to: Hex; block_timestamp: Date };
export const refunds = logTable<RefundRow>(
  "chain_refunds",
  [
    ["token_id", "numeric"],
    ["holder", "text"],
    ["amount", "numeric"],
    ["currency", "text"],
    ["paid_to", "text"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "ticket", columns: ["contract_address", "token_id"] }],
);

export type SettlementRow = LogRow & { currency: Hex; amount: bigint; split_address: Hex; block_timestamp: Date };
export const settlements = logTable<SettlementRow>(
  "chain_settlements",
  [
    ["currency", "text"],
    ["amount", "numeric"],
    ["split_address", "text"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "event", columns: ["contract_address"] }],
);

export type EventChangeKind =
  "cancelled" | "schedule_set" | "transfer_policy_set" | "resale_terms_set" | "base_uri_set" | "contract_uri_set" | "paused" | "unpaused" | "payees_locked";
export type EventChangeRow = LogRow & { kind: EventChangeKind; data: Record<string, unknown> };
/** Lifecycle and settings changes of an event (on its ticket contract, or payees_locked on its split). */
export const eventChanges = logTable<EventChangeRow>(
  "chain_event_changes",
  [
    ["kind", "text"],
    ["data", "jsonb"],
  ],
  [
    { entity: "event", columns: ["contract_address"] },
    { entity: "event_tickets", columns: ["contract_address"] },
    { entity: "split", columns: ["contract_address"] },
  ],
);

export type PayeeSetRow = LogRow & { payees: Array<Record<string, unknown>>; total_share_bps: number };
export const payeeSets = logTable<PayeeSetRow>(
  "chain_payee_sets",
  [
    ["payees", "jsonb"],
    ["total_share_bps", "integer"],
  ],
  [{ entity: "split", columns: ["contract_address"] }],
);

export type DepositRow = LogRow & { token_address: Hex; from_address: Hex; amount: bigint; block_timestamp: Date };
export const splitDeposits = logTable<DepositRow>(
  "chain_split_deposits",
  [
    ["token_address", "text"],
    ["from_address", "text"],
    ["amount", "numeric"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "split", columns: ["contract_address"] }],
);

export type ClaimRow = LogRow & { payee: Hex; token_address: Hex; amount: bigint; paid_to: Hex; block_timestamp: Date };
export const splitClaims = logTable<ClaimRow>(
  "chain_split_claims",
  [
    ["payee", "text"],
    ["token_address", "text"],
    ["amount", "numeric"],
    ["paid_to", "text"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "split", columns: ["contract_address"] }],
);

/**
 * A sale's referral credit (on the ticket). It feeds the event's split balances (referrers are paid out of the
 * organizer's part): the split recompute maps a ticket address to its split.
 */
export type ReferralCreditRow = LogRow & { referrer: Hex; tier_id: bigint; first_token_id: bigint; amount: bigint; currency: Hex; block_timestamp: Date };
export const referralCredits = logTable<ReferralCreditRow>(
  "chain_referral_credits",
  [
    ["referrer", "text"],
    ["tier_id", "numeric"],
    ["first_token_id", "numeric"],
    ["amount", "numeric"],
    ["currency", "text"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "split", columns: ["contract_address"] }],
);

export type ReferralShareRow = LogRow & { tier_id: bigint; share_bps: number };
export const referralShares = logTable<ReferralShareRow>(
  "chain_referral_shares",
  [
    ["tier_id", "numeric"],
    ["share_bps", "integer"],
  ],
  [],
);

export type ReferralClaimRow = LogRow & { referrer: Hex; token_address: Hex; amount: bigint; block_timestamp: Date };
export const referralClaims = logTable<ReferralClaimRow>(
  "chain_referral_claims",
  [
    ["referrer", "text"],
    ["token_address", "text"],
    ["amount", "numeric"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "split", columns: ["contract_address"] }],
);

export type SplitPerformanceRow = LogRow & {
  kind: "required" | "confirmed" | "cancelled" | "confirmer_set";
  payee: Hex;
  token_address: Hex | null;
  amount: bigint | null;
  by_address: Hex | null;
  block_timestamp: Date;
};
export const splitPerformances = logTable<SplitPerformanceRow>(
  "chain_split_performances",
  [
    ["kind", "text"],
    ["payee", "text"],
    ["token_address", "text"],
    ["amount", "numeric"],
    ["by_address", "text"],
    ["block_timestamp", "timestamptz"],
  ],
  [{ entity: "split", columns: ["contract_address"] }],
);

/** Every log table, in write order. */
export const LOG_TABLES: ReadonlyArray<EventTable<never>> = [
  eventCreations,
  platformFeeChanges,
  tierChanges,
  purchases,
  comps,
  ticketTransfers,
  checkIns,
  resales,
  refunds,
  settlements,
  eventChanges,
  payeeSets,
  splitDeposits,
  splitClaims,
  referralCredits,
  referralShares,
  referralClaims,
  splitPerformances,
] as unknown as ReadonlyArray<EventTable<never>>;
