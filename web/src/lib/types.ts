/** The API shapes the pages read (see /openapi.json for the whole of each). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PublicEdition {
  id: string;
  festivalId: string;
  festivalName: string;
  festivalDescription: string | null;
  name: string;
  timezone: string;
  startsAt: string;
  endsAt: string;
}

export interface ScheduleDocument {
  edition: { id: string; festivalId: string; festivalName: string; name: string; timezone: string; startsAt: string; endsAt: string };
  version: { number: number; publishedAt: string } | null;
  stages: Array<{ id: string; name: string; venueName: string }>;
  slots: Array<{
    id: string;
    stageId: string;
    kind: string;
    title: string | null;
    startsAt: string;
    endsAt: string;
    performances: Array<{ engagementId: string; artistName: string; status: string }>;
  }>;
}

export interface TierOnSale {
  tierId: number;
  name: string;
  price: string;
  currency: string;
  remaining: string;
  maxPerBuyer: string;
  saleStart: string;
  saleEnd: string;
}

export interface EventOnSale {
  eventContractId: string;
  /** The festival's event it sells: its waitlist. */
  eventId: string | null;
  name: string;
  chainId: number;
  contract: string;
  cancelled: boolean;
  tiers: TierOnSale[];
}

export interface Ticket {
  chainId: number;
  contract: string;
  tokenId: string;
  tierId: number;
  tierName: string | null;
  category: string | null;
  event: { name: string; startsAt: string; endsAt: string; cancelled: boolean };
  owner: string | null;
  state: "valid" | "checked_in" | "refunded" | "cancelled";
  /** Held by the platform's custody for you (bought by card, not claimed yet). */
  custodial?: boolean;
}

export interface PersonalSchedule {
  editionId: string;
  entries: Array<{ engagementId: string; artistName: string | null; startsAt: string | null; status: string }>;
  clashes: Array<{ engagementIds: [string, string]; overlapMinutes: number }>;
}

export interface CardPrice {
  eventContractId: string;
  tierId: number;
  /** Minor units (cents). */
  amount: number;
  currency: string;
}

export interface CustodialTicket {
  id: string;
  orderId: string;
  chainId: number;
  contract: string;
  tokenId: string;
  status: "custody" | "claiming" | "claimed" | "voided";
  custodyAddress: string;
  claimedTo: string | null;
}

export interface CardOrder {
  id: string;
  eventContractId: string;
  tierId: number;
  quantity: number;
  amount: number;
  currency: string;
  status: "reserved" | "authorized" | "minting" | "minted" | "completed" | "expired" | "cancelled" | "refunding" | "refunded";
  statusReason: string | null;
  expiresAt: string;
  payment: { provider: string; status: string; checkoutUrl: string | null; lastError: string | null } | null;
  tickets?: CustodialTicket[];
}

export interface TransferOffer {
  id: string;
  ticketId: string;
  fromUserId: string;
  toEmail: string;
  /** Minor units; 0 = a gift. */
  price: number;
  currency: string;
  status: "pending" | "accepted" | "declined" | "withdrawn";
  decidedAt: string | null;
  createdAt: string;
}

export interface MyWaitlistEntry {
  id: string;
  eventId: string;
  eventName: string;
  email: string;
  status: "pending" | "confirmed" | "cancelled";
  position: number | null;
  createdAt: string;
}
