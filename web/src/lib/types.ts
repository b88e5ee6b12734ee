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
}

export interface PersonalSchedule {
  editionId: string;
  entries: Array<{ engagementId: string; artistName: string | null; startsAt: string | null; status: string }>;
  clashes: Array<{ engagementIds: [string, string]; overlapMinutes: number }>;
}
