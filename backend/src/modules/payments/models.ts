import { AuditedModel } from "../audit/audited-model.js";

/**
 * The payments module's tables (migrations/720_payments.ts). bigint and numeric columns come
 * back from pg as strings. The order's state machine is machine.ts.
 */
export type OrderStatus = "reserved" | "authorized" | "minting" | "minted" | "delivered" | "completed" | "expired" | "cancelled" | "refunding" | "refunded";
/** What an order pays for (migrations/723_payment_order_kinds.ts): tickets are minted, the others delivered (fulfilment.ts). */
export type OrderKind = "tickets" | "topup" | "resale";
export type PaymentStatus = "pending" | "processing" | "completed" | "failed" | "refunded" | "cancelled";

/** Orders that hold supply against the tier (reservation count). */
export const HOLDING_STATUSES: readonly OrderStatus[] = ["reserved", "authorized", "minting"];
/** Orders the recovery sweep advances. */
export const UNSETTLED_STATUSES: readonly OrderStatus[] = ["reserved", "authorized", "minting", "minted", "delivered", "refunding"];

export class CardPrice extends AuditedModel {
  static override tableName = "payment_card_prices";
  declare event_contract_id: string;
  declare tier_id: number;
  declare amount: string;
  declare currency: string;
}

export class PaymentOrder extends AuditedModel {
  static override tableName = "payment_orders";
  declare kind: OrderKind;
  declare user_id: string;
  // set for kind "tickets" only (ck_payment_orders_ticket_fields)
  declare event_contract_id: string;
  declare chain_id: string;
  declare contract_address: `0x${string}`;
  declare tier_id: number;
  declare quantity: number;
  declare unit_amount: string;
  declare amount: string;
  declare currency: string;
  declare deliver_to: `0x${string}` | null;
  declare status: OrderStatus;
  declare status_reason: string | null;
  declare expires_at: Date;
  declare mint_nonce: string | null;
  declare mint_tx_hash: `0x${string}` | null;
  declare mint_raw_tx: `0x${string}` | null;
  declare first_token_id: string | null;
  declare minted_at: Date | null;
  declare captured_at: Date | null;
  declare refunded_at: Date | null;
  /** A partial refund's amount (a top-up's unspent balance); null: the whole amount. */
  declare refund_amount: string | null;
}

export class Payment extends AuditedModel {
  static override tableName = "payments";
  declare order_id: string;
  declare provider: "stripe" | "test";
  declare provider_payment_id: string;
  declare amount: string;
  declare currency: string;
  declare status: PaymentStatus;
  declare provider_status: string | null;
  declare client_secret: string | null;
  declare checkout_url: string | null;
  declare refund_id: string | null;
  /** The provider's words for the last failed attempt (migrations/900). */
  declare last_error: string | null;
}

export class PaymentTicket extends AuditedModel {
  static override tableName = "payment_tickets";
  declare order_id: string;
  declare user_id: string;
  declare chain_id: string;
  declare contract_address: `0x${string}`;
  declare token_id: string;
  declare custody_address: `0x${string}`;
  declare status: "custody" | "claiming" | "claimed" | "voided";
  declare claimed_to: `0x${string}` | null;
  declare claim_tx_hash: string | null;
  declare void_tx_hash: string | null;
  declare holder_mac: string | null;
}

/** awaiting_payment: a priced offer accepted, its card payment open (resale.ts); cancelled: the ticket could no longer move. */
export type OfferStatus = "pending" | "awaiting_payment" | "accepted" | "declined" | "withdrawn" | "cancelled";

export class TransferOffer extends AuditedModel {
  static override tableName = "payment_transfer_offers";
  declare ticket_id: string;
  declare from_user_id: string;
  declare to_email: string;
  declare to_user_id: string | null;
  declare price: string;
  declare currency: string;
  declare status: OfferStatus;
  declare decided_at: Date | null;
}
