import type { revenueSplitAbi } from "../../../lib/abis/RevenueSplit.js";
import type { EventArgs } from "./args.js";
import { eventChanges, payeeSets, referralClaims, referralShares, splitClaims, splitDeposits, splitPerformances } from "../store/tables.js";
import { logRow, type Handler } from "./types.js";

type Args<
  N extends
    | "PayeesSet"
    | "PayeesLocked"
    | "Deposited"
    | "Claimed"
    | "ReferralClaimed"
    | "ReferralShareSet"
    | "PerformanceRequired"
    | "PerformanceConfirmerSet"
    | "PerformanceConfirmed"
    | "PerformanceCancelled",
> = EventArgs<typeof revenueSplitAbi, N>;

/** PayeesSet carries the complete list: it replaces the split's payees. */
export const onPayeesSet: Handler<Args<"PayeesSet">> = (args, ctx, out) => {
  const payees = args.payees.map((p, position) => ({
    position,
    account: p.account.toLowerCase(),
    shareBps: p.shareBps,
    fixedAmount: p.fixedAmount.toString(),
    fixedToken: p.fixedToken.toLowerCase(),
  }));
  out.row(payeeSets, { ...logRow(ctx), payees, total_share_bps: Number(args.totalShareBps) });
  out.touch("split", ctx.address);
  out.fact(ctx, "split.payees_set", { eventId: ctx.contract.eventId, payees, totalShareBps: args.totalShareBps });
};

export const onPayeesLocked: Handler<Args<"PayeesLocked">> = (_args, ctx, out) => {
  out.row(eventChanges, { ...logRow(ctx), kind: "payees_locked", data: {} });
  out.touch("split", ctx.address);
  out.fact(ctx, "split.payees_locked", { eventId: ctx.contract.eventId });
};

export const onDeposited: Handler<Args<"Deposited">> = (args, ctx, out) => {
  out.row(splitDeposits, {
    ...logRow(ctx),
    token_address: args.token,
    from_address: args.from,
    amount: args.amount,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("split", ctx.address);
  out.fact(ctx, "split.deposited", { eventId: ctx.contract.eventId, ...args });
};

export const onClaimed: Handler<Args<"Claimed">> = (args, ctx, out) => {
  out.row(splitClaims, {
    ...logRow(ctx),
    payee: args.payee,
    token_address: args.token,
    amount: args.amount,
    paid_to: args.to,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("split", ctx.address);
  out.fact(ctx, "split.claimed", { eventId: ctx.contract.eventId, ...args });
};

export const onReferralClaimed: Handler<Args<"ReferralClaimed">> = (args, ctx, out) => {
  out.row(referralClaims, {
    ...logRow(ctx),
    referrer: args.referrer,
    token_address: args.token,
    amount: args.amount,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("split", ctx.address);
  out.fact(ctx, "referral.claimed", { eventId: ctx.contract.eventId, ...args });
};

export const onReferralShareSet: Handler<Args<"ReferralShareSet">> = (args, ctx, out) => {
  out.row(referralShares, { ...logRow(ctx), tier_id: args.tierId, share_bps: Number(args.shareBps) });
  out.fact(ctx, "split.referral_share_set", { eventId: ctx.contract.eventId, ...args });
};

/** Paid on performance: a payee's fixed amount waits for its performance (required), is owed (confirmed) or goes back to the split (cancelled). */
export const onPerformanceRequired: Handler<Args<"PerformanceRequired">> = (args, ctx, out) => {
  out.row(splitPerformances, {
    ...logRow(ctx),
    kind: "required",
    payee: args.payee,
    token_address: null,
    amount: null,
    by_address: null,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("split", ctx.address);
  out.fact(ctx, "split.performance_required", { eventId: ctx.contract.eventId, ...args });
};

export const onPerformanceConfirmerSet: Handler<Args<"PerformanceConfirmerSet">> = (args, ctx, out) => {
  out.row(splitPerformances, {
    ...logRow(ctx),
    kind: "confirmer_set",
    payee: args.confirmer,
    token_address: null,
    amount: null,
    by_address: null,
    block_timestamp: ctx.blockTimestamp,
  });
  out.fact(ctx, "split.performance_confirmer_set", { eventId: ctx.contract.eventId, ...args });
};

export const onPerformanceConfirmed: Handler<Args<"PerformanceConfirmed">> = (args, ctx, out) => {
  out.row(splitPerformances, {
    ...logRow(ctx),
    kind: "confirmed",
    payee: args.payee,
    token_address: null,
    amount: null,
    by_address: args.by,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("split", ctx.address);
  out.fact(ctx, "split.performance_confirmed", { eventId: ctx.contract.eventId, ...args });
};

export const onPerformanceCancelled: Handler<Args<"PerformanceCancelled">> = (args, ctx, out) => {
  out.row(splitPerformances, {
    ...logRow(ctx),
    kind: "cancelled",
    payee: args.payee,
    token_address: args.token,
    amount: args.amount,
    by_address: args.by,
    block_timestamp: ctx.blockTimestamp,
  });
  out.touch("split", ctx.address);
  out.fact(ctx, "split.performance_cancelled", { eventId: ctx.contract.eventId, ...args });
};
