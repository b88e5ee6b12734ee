import type { Abi } from "viem";
import { eventFactoryAbi } from "../../../lib/abis/EventFactory.js";
import { eventTicketAbi } from "../../../lib/abis/EventTicket.js";
import { revenueSplitAbi } from "../../../lib/abis/RevenueSplit.js";
import type { RawLog } from "../rpc/client.js";
import { createDecoder, type DecodedLog } from "./decode.js";
import * as ticket from "./eventTicket.js";
import * as factory from "./factory.js";
import * as split from "./revenueSplit.js";
import type { ContractKind, Handler } from "./types.js";

/**
 * Which handler runs for which (contract kind, event name). Events without a handler
 * (RoleGranted, Approval, ...) are decoded and skipped: they change nothing we mirror.
 */
interface KindHandlers {
  decode: (log: RawLog) => DecodedLog | undefined;
  handlers: Record<string, Handler<never>>;
}

const kind = (abi: Abi, handlers: Record<string, Handler<never>>): KindHandlers => ({ decode: createDecoder(abi), handlers });

export const registry: Record<ContractKind, KindHandlers> = {
  factory: kind(eventFactoryAbi, {
    EventCreated: factory.onEventCreated,
    PlatformFeeSet: factory.onPlatformFeeSet,
  } as Record<string, Handler<never>>),
  event_ticket: kind(eventTicketAbi, {
    TierCreated: ticket.onTierCreated,
    TierUpdated: ticket.onTierUpdated,
    TicketPurchased: ticket.onTicketPurchased,
    CompsGranted: ticket.onCompsGranted,
    Transfer: ticket.onTransfer,
    CheckedIn: ticket.onCheckedIn,
    ResaleListed: ticket.onResaleListed,
    ResaleCancelled: ticket.onResaleCancelled,
    ResaleCompleted: ticket.onResaleCompleted,
    EventCancelled: ticket.onEventCancelled,
    RefundClaimed: ticket.onRefundClaimed,
    Settled: ticket.onSettled,
    ScheduleSet: ticket.onScheduleSet,
    TransferPolicySet: ticket.onTransferPolicySet,
    ResaleTermsSet: ticket.onResaleTermsSet,
    BaseURISet: ticket.onBaseURISet,
    ContractURISet: ticket.onContractURISet,
    Paused: ticket.onPaused,
    Unpaused: ticket.onUnpaused,
    ReferralCredited: ticket.onReferralCredited,
  } as Record<string, Handler<never>>),
  revenue_split: kind(revenueSplitAbi, {
    PayeesSet: split.onPayeesSet,
    PayeesLocked: split.onPayeesLocked,
    Deposited: split.onDeposited,
    Claimed: split.onClaimed,
    ReferralClaimed: split.onReferralClaimed,
    ReferralShareSet: split.onReferralShareSet,
    PerformanceRequired: split.onPerformanceRequired,
    PerformanceConfirmerSet: split.onPerformanceConfirmerSet,
    PerformanceConfirmed: split.onPerformanceConfirmed,
    PerformanceCancelled: split.onPerformanceCancelled,
  } as Record<string, Handler<never>>),
};
