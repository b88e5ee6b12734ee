import type { eventTicketAbi } from "../../../lib/abis/EventTicket.js";
import type { EventArgs } from "./args.js";
import { ZERO_ADDRESS } from "./args.js";
import {
  checkIns,
  comps,
  eventChanges,
  purchases,
  referralCredits,
  refunds,
  resales,
  settlements,
  ticketTransfers,
  tierChanges,
  type EventChangeKind,
} from "../store/tables.js";
import { logRow, type BatchOutput, type Handler, type LogContext } from "./types.js";

type TicketEvent =
  | "TierCreated"
  | "TierUpdated"
  | "TicketPurchased"
  | "CompsGranted"
  | "Transfer"
  | "CheckedIn"
  | "ResaleListed"
  | "ResaleCancelled"
  | "ResaleCompleted"
  | "EventCancelled"
  | "RefundClaimed"
  | "Settled"
  | "ScheduleSet"
  | "TransferPolicySet"
  | "ResaleTermsSet"
  | "BaseURISet"
  | "ContractURISet"
  | "Paused"
  | "Unpaused"
  | "ReferralCredited";
type Args<N extends TicketEvent> = EventArgs<typeof eventTicketAbi, N>;

const tierHandler =
  (kind: "created" | "updated"): Handler<Args<"TierCreated">> =>
  (args, ctx, out) => {
    out.row(tierChanges, {
      ...logRow(ctx),
      kind,
      tier_id: args.tierId,
      name: args.name,
      price: args.price,
      currency: args.currency,
      supply: args.supply,
      max_per_buyer: args.maxPerBuyer,
      sale_start: args.saleStart,
      sale_end: args.saleEnd,
      transferable: args.transferable,
    });
    out.touch("tier", ctx.address, args.tierId.toString());
    out.fact(ctx, `tier.${kind}`, { ...args });
  };
export const onTierCreated = tierHandler("created");
export const onTierUpdated: Handler<Args<"TierUpdated">> = tierHandler("updated");

export const onTicketPurchased: Handler<Args<"TicketPurchased">> = (args, ctx, out) => {
  out.row(purchases, {
    ...logRow(ctx),
    buyer: args.buyer,
    recipient: args.to,
    tier_id: args.tierId,
    first_token_id: args.firstTokenId,
    quantity: args.quantity,
    unit_price: args.unitPrice,
    currency: args.currency,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("tier", ctx.address, args.tierId.toString());
  // the mint Transfers (same transaction) touch the tickets; face value comes from this row
  for (let i = 0n; i < args.quantity; i++) out.touch("ticket", ctx.address, (args.firstTokenId + i).toString());
  out.fact(ctx, "ticket.purchased", { eventId: ctx.contract.eventId, ...args });
};

export const onCompsGranted: Handler<Args<"CompsGranted">> = (args, ctx, out) => {
  out.row(comps, {
    ...logRow(ctx),
    tier_id: args.tierId,
    operator: args.operator,
    first_token_id: args.firstTokenId,
    recipients: [...args.recipients],
  });
  out.touch("tier", ctx.address, args.tierId.toString());
  args.recipients.forEach((_, i) => out.touch("ticket", ctx.address, (args.firstTokenId + BigInt(i)).toString()));
  out.fact(ctx, "ticket.comped", { eventId: ctx.contract.eventId, ...args });
};

/** ERC-721 Transfer: the source of ownership. Mints and burns are transfers from / to zero. */
export const onTransfer: Handler<Args<"Transfer">> = (args, ctx, out) => {
  out.row(ticketTransfers, {
    ...logRow(ctx),
    from_address: args.from,
    to_address: args.to,
    token_id: args.tokenId,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("ticket", ctx.address, args.tokenId.toString());
  // mints and burns are told by ticket.purchased / ticket.comped / ticket.refunded
  if (args.from !== ZERO_ADDRESS && args.to !== ZERO_ADDRESS) {
    out.fact(ctx, "ticket.transferred", { eventId: ctx.contract.eventId, ...args });
  }
};

export const onCheckedIn: Handler<Args<"CheckedIn">> = (args, ctx, out) => {
  out.row(checkIns, { ...logRow(ctx), token_id: args.tokenId, scanner: args.scanner, block_timestamp: ctx.blockTimestamp });
  out.touch("ticket", ctx.address, args.tokenId.toString());
  out.fact(ctx, "ticket.checked_in", { eventId: ctx.contract.eventId, ...args });
};

export const onResaleListed: Handler<Args<"ResaleListed">> = (args, ctx, out) => {
  // a listing's royalty is fixed when it is made: the row carries what its sale will keep
  resale(ctx, out, "listed", args.tokenId, args.seller, null, args.price, args.royalty, args.currency);
};
export const onResaleCancelled: Handler<Args<"ResaleCancelled">> = (args, ctx, out) => {
  resale(ctx, out, "cancelled", args.tokenId, args.seller, null, null, null, null);
};
export const onResaleCompleted: Handler<Args<"ResaleCompleted">> = (args, ctx, out) => {
  resale(ctx, out, "completed", args.tokenId, args.seller, args.buyer, args.price, args.royalty, args.currency);
};

function resale(
  ctx: LogContext,
  out: BatchOutput,
  kind: "listed" | "cancelled" | "completed",
  tokenId: bigint,
  seller: `0x${string}`,
  buyer: `0x${string}` | null,
  price: bigint | null,
  royalty: bigint | null,
  currency: `0x${string}` | null,
): void {
  out.row(resales, { ...logRow(ctx), kind, token_id: tokenId, seller, buyer, price, royalty, currency, block_timestamp: ctx.blockTimestamp });
  out.touch("ticket", ctx.address, tokenId.toString());
  out.fact(ctx, `resale.${kind}`, { eventId: ctx.contract.eventId, tokenId, seller, buyer, price, royalty, currency });
}

export const onRefundClaimed: Handler<Args<"RefundClaimed">> = (args, ctx, out) => {
  out.row(refunds, {
    ...logRow(ctx),
    token_id: args.tokenId,
    holder: args.holder,
    amount: args.amount,
    currency: args.currency,
    paid_to: args.to,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("ticket", ctx.address, args.tokenId.toString());
  out.fact(ctx, "ticket.refunded", { eventId: ctx.contract.eventId, ...args });
};

export const onSettled: Handler<Args<"Settled">> = (args, ctx, out) => {
  out.row(settlements, {
    ...logRow(ctx),
    currency: args.currency,
    amount: args.amount,
    split_address: args.split,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("event", ctx.address);
  out.fact(ctx, "event.settled", { eventId: ctx.contract.eventId, ...args });
};

/** Settings and lifecycle changes: one row each; the event's current state is recomputed. */
const change =
  <A extends object>(kind: EventChangeKind, topic: string, alsoTickets = false): Handler<A> =>
  (args, ctx, out) => {
    out.row(eventChanges, { ...logRow(ctx), kind, data: { ...args } });
    out.touch("event", ctx.address);
    if (alsoTickets) out.touch("event_tickets", ctx.address); // refund state of every ticket
    out.fact(ctx, topic, { eventId: ctx.contract.eventId, ...args });
  };
const cancelled = change<Args<"EventCancelled">>("cancelled", "event.cancelled", true);
/** A cancelled event owes no referrals: its split's referral balances and organizer part are recomputed. */
export const onEventCancelled: Handler<Args<"EventCancelled">> = (args, ctx, out) => {
  cancelled(args, ctx, out);
  out.touch("split", ctx.address);
};
export const onScheduleSet = change<Args<"ScheduleSet">>("schedule_set", "event.schedule_set");
export const onTransferPolicySet = change<Args<"TransferPolicySet">>("transfer_policy_set", "event.transfer_policy_set");
export const onResaleTermsSet = change<Args<"ResaleTermsSet">>("resale_terms_set", "event.resale_terms_set");
export const onBaseURISet = change<Args<"BaseURISet">>("base_uri_set", "event.base_uri_set");
export const onContractURISet = change<Args<"ContractURISet">>("contract_uri_set", "event.contract_uri_set");
export const onPaused = change<Args<"Paused">>("paused", "event.paused");
export const onUnpaused = change<Args<"Unpaused">>("unpaused", "event.unpaused");

/** A sale's credit to its referrer: the split recompute (keyed by the ticket, mapped to its split) folds it in. */
export const onReferralCredited: Handler<Args<"ReferralCredited">> = (args, ctx, out) => {
  out.row(referralCredits, {
    ...logRow(ctx),
    referrer: args.referrer,
    tier_id: args.tierId,
    first_token_id: args.firstTokenId,
    amount: args.amount,
    currency: args.currency,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("split", ctx.address);
  out.fact(ctx, "referral.credited", { eventId: ctx.contract.eventId, ...args });
};
