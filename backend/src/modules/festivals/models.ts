import { toLocalIso } from "../time-zones/time-zones.js";

/** Rows as Postgres returns them, and their API shapes. */
export type FestivalRow = {
  id: string;
  organization_id: string;
  name: string;
  slug: string;
  description: string | null;
  images: Array<{ url: string; alt?: string; kind?: "logo" | "banner" | "photo" }>;
  links: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export type EditionRow = {
  id: string;
  festival_id: string;
  name: string;
  slug: string;
  timezone: string;
  starts_at: Date;
  ends_at: Date;
  ticket_url: string | null;
  status: "draft" | "published" | "archived";
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** What other modules need to know about an edition (and whose festival it is). */
export interface EditionContext {
  editionId: string;
  festivalId: string;
  organizationId: string;
  name: string;
  timezone: string;
  startsAt: Date;
  endsAt: Date;
  status: EditionRow["status"];
  festivalName: string;
}

export function festivalDto(r: FestivalRow) {
  return {
    id: r.id,
    organizationId: r.organization_id,
    name: r.name,
    slug: r.slug,
    description: r.description,
    images: r.images,
    links: r.links,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function editionDto(r: EditionRow) {
  return {
    id: r.id,
    festivalId: r.festival_id,
    name: r.name,
    slug: r.slug,
    timezone: r.timezone,
    startsAt: r.starts_at.toISOString(),
    startsAtLocal: toLocalIso(r.starts_at, r.timezone),
    endsAt: r.ends_at.toISOString(),
    endsAtLocal: toLocalIso(r.ends_at, r.timezone),
    ticketUrl: r.ticket_url,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
