export type VenueRow = {
  id: string;
  festival_id: string;
  name: string;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  postal_code: string | null;
  country: string | null;
  latitude: string | null; // numeric comes back as a string
  longitude: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

export type StageRow = {
  id: string;
  venue_id: string;
  name: string;
  sort_order: number;
  capacity: number | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

/** A stage as the schedule shows it: with its venue. */
export interface StageContext {
  stageId: string;
  stageName: string;
  sortOrder: number;
  venueId: string;
  venueName: string;
  festivalId: string;
}

export function venueDto(r: VenueRow) {
  return {
    id: r.id,
    festivalId: r.festival_id,
    name: r.name,
    addressLine1: r.address_line1,
    addressLine2: r.address_line2,
    city: r.city,
    postalCode: r.postal_code,
    country: r.country,
    latitude: r.latitude === null ? null : Number(r.latitude),
    longitude: r.longitude === null ? null : Number(r.longitude),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function stageDto(r: StageRow) {
  return { id: r.id, venueId: r.venue_id, name: r.name, sortOrder: r.sort_order, capacity: r.capacity, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() };
}
