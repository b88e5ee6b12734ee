import type { revenueSplitAbi } from "../../../lib/abis/RevenueSplit.js";
import type { EventArgs } from "./args.js";
import { eventChanges, payeeSets, referralClaims, referralShares, splitClaims, splitDeposits } from "../store/tables.js";
import { logRow, type Handler } from "./types.js";

type Args<N extends "PayeesSet" | "PayeesLocked" | "Deposited" | "Claimed" | "ReferralClaimed" | "ReferralShareSet"> = EventArgs<typeof revenueSplitAbi, N>;

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
