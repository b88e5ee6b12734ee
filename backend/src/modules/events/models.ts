import { toLocalIso } from "../time-zones/time-zones.js";

export type EventCategoryRow = {
  id: string;
  festival_id: string;
  parent_id: string | null;
  name: string;
  icon: string | null;
  colour: string | null;
  sort_order: number;
};

export type EventRow = {
  id: string;
  festival_id: string;
  edition_id: string | null;
  category_id: string | null;
  name: string;
  slug: string;
  description: string | null;
  status: "draft" | "published" | "ongoing" | "completed" | "cancelled" | "postponed";
  capacity: number | null;
  starts_at: Date | null;
  ends_at: Date | null;
  sold_out_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

/** What other modules (waitlists) need to know about an event. */
export interface EventContext {
  eventId: string;
  festivalId: string;
  organizationId: string;
  name: string;
  status: EventRow["status"];
  soldOut: boolean;
}

export function categoryDto(r: EventCategoryRow) {
  return { id: r.id, festivalId: r.festival_id, parentId: r.parent_id, name: r.name, icon: r.icon, colour: r.colour, sortOrder: r.sort_order };
}

export function eventDto(r: EventRow, timezone: string, tags: string[]) {
  return {
    id: r.id,
    festivalId: r.festival_id,
    editionId: r.edition_id,
    categoryId: r.category_id,
    name: r.name,
    slug: r.slug,
    description: r.description,
    status: r.status,
    capacity: r.capacity,
    timezone,
    startsAt: r.starts_at?.toISOString() ?? null,
    startsAtLocal: r.starts_at ? toLocalIso(r.starts_at, timezone) : null,
    endsAt: r.ends_at?.toISOString() ?? null,
    endsAtLocal: r.ends_at ? toLocalIso(r.ends_at, timezone) : null,
    soldOut: r.sold_out_at !== null,
    tags,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
