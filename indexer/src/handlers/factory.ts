import { eventFactoryAbi } from "../../../lib/abis/EventFactory.js";
import type { EventArgs } from "./args.js";
import { eventCreations, platformFeeChanges } from "../store/tables.js";
import { logRow, type Handler } from "./types.js";

type Args<N extends "EventCreated" | "PlatformFeeSet"> = EventArgs<typeof eventFactoryAbi, N>;

/**
 * EventCreated: registers the event's ticket and split contracts and follows them from this
 * block on. The factory emits it before initialising the clones, so their initialisation
 * logs (TierCreated, PayeesSet, ...) come later in the same transaction and are caught.
 */
export const onEventCreated: Handler<Args<"EventCreated">> = (args, ctx, out) => {
  const ticket = args.ticket.toLowerCase() as `0x${string}`;
  const split = args.split.toLowerCase() as `0x${string}`;
  const config = args.config as unknown as Record<string, unknown>;
  out.row(eventCreations, {
    ...logRow(ctx),
    event_id: args.eventId,
    organizer: args.organizer,
    ticket_address: ticket,
    split_address: split,
    config,
    platform_fee_recipient: args.platformFeeRecipient,
    platform_fee_bps: Number(args.platformFeeBps),
  });
  const common = { eventId: args.eventId, factoryAddress: ctx.address, fromBlock: ctx.blockNumber };
  out.follow(ctx, { address: ticket, kind: "event_ticket", ...common });
  out.follow(ctx, { address: split, kind: "revenue_split", ...common });
  out.touch("event", ticket);
  out.touch("split", split);
  out.fact(ctx, "event.created", {
    eventId: args.eventId,
    organizer: args.organizer,
    ticket,
    split,
    name: config.name,
    startsAt: config.startsAt,
    endsAt: config.endsAt,
  });
};

export const onPlatformFeeSet: Handler<Args<"PlatformFeeSet">> = (args, ctx, out) => {
  out.row(platformFeeChanges, { ...logRow(ctx), recipient: args.recipient, fee_bps: Number(args.feeBps) });
  out.fact(ctx, "platform.fee_set", { recipient: args.recipient, feeBps: args.feeBps });
};
