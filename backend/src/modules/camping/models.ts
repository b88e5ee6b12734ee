import { AuditedModel } from "../audit/audited-model.js";

/** The camping module's tables (migration 630). bigint and numeric columns come back from pg as strings. */
export class CampingZone extends AuditedModel {
  static override tableName = "camping_zones";
  declare edition_id: string;
  declare code: string;
  declare name: string;
  declare description: string | null;
  declare required_event_contract_id: string | null;
  declare required_tier_id: number | null;
}

export type SpotKind = "tent" | "caravan" | "campervan" | "glamping" | "accessible";

export class CampingSpot extends AuditedModel {
  static override tableName = "camping_spots";
  declare zone_id: string;
  declare edition_id: string;
  declare code: string;
  declare kind: SpotKind;
  declare size_sqm: number;
  declare price_minor: string;
  declare currency: string;
}

export class CampingBooking extends AuditedModel {
  static override tableName = "camping_bookings";
  declare spot_id: string;
  declare zone_id: string;
  declare edition_id: string;
  declare user_id: string;
  declare chain_id: string;
  declare contract_address: string;
  declare token_id: string;
  declare status: "booked" | "checked_in" | "cancelled";
  declare checked_in_at: Date | null;
  declare checked_in_by: string | null;
  declare cancelled_at: Date | null;
}

export function zoneDto(r: CampingZone) {
  return {
    id: r.id,
    editionId: r.edition_id,
    code: r.code,
    name: r.name,
    description: r.description ?? null,
    requiredTicket: r.required_event_contract_id ? { eventContractId: r.required_event_contract_id, tierId: r.required_tier_id ?? null } : null,
  };
}

export function spotDto(r: CampingSpot & { booked?: boolean }) {
  return {
    id: r.id,
    zoneId: r.zone_id,
    code: r.code,
    kind: r.kind,
    sizeSqm: r.size_sqm,
    price: { amountMinor: String(r.price_minor), currency: r.currency },
    ...(r.booked !== undefined ? { available: !r.booked } : {}),
  };
}

export function bookingDto(r: CampingBooking) {
  return {
    id: r.id,
    spotId: r.spot_id,
    zoneId: r.zone_id,
    editionId: r.edition_id,
    userId: r.user_id,
    ticket: { chainId: Number(r.chain_id), contract: r.contract_address, tokenId: String(r.token_id) },
    status: r.status,
    checkedInAt: r.checked_in_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
  };
}
