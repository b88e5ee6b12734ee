import { Model, type RelationMappings } from "objection";
import { toLocalIso } from "../time-zones/time-zones.js";
import { SoftDeletableModel } from "../audit/audited-model.js";

type FestivalImage = { url: string; alt?: string; kind?: "logo" | "banner" | "photo" };

export class Festival extends SoftDeletableModel {
  static override tableName = "festivals";
  static override jsonAttributes = ["images", "links"];
  declare organization_id: string;
  declare name: string;
  declare slug: string;
  declare description: string | null;
  declare images: FestivalImage[];
  declare links: Record<string, string>;
  declare editions?: Edition[];

  static override get relationMappings(): RelationMappings {
    return { editions: { relation: Model.HasManyRelation, modelClass: Edition, join: { from: "festivals.id", to: "editions.festival_id" } } };
  }
}

export class Edition extends SoftDeletableModel {
  static override tableName = "editions";
  declare festival_id: string;
  declare name: string;
  declare slug: string;
  declare timezone: string;
  declare starts_at: Date;
  declare ends_at: Date;
  declare ticket_url: string | null;
  declare status: "draft" | "published" | "archived";
  declare festival?: Festival;

  static override get relationMappings(): RelationMappings {
    return { festival: { relation: Model.BelongsToOneRelation, modelClass: Festival, join: { from: "editions.festival_id", to: "festivals.id" } } };
  }
}

/**
 * The published live_festivals view (migration 550): a festival that is not deleted, with its
 * organization. Other modules relate to a festival through it, never through festivals.
 */
export class LiveFestival extends Model {
  static override tableName = "live_festivals";
  static override idColumn = "id";
  declare id: string;
  declare organization_id: string;
  declare name: string;
}

/** The published edition_time_zones view (migration 550): every edition's festival and IANA time zone. */
export class EditionTimeZone extends Model {
  static override tableName = "edition_time_zones";
  static override idColumn = "id";
  declare id: string;
  declare festival_id: string;
  declare timezone: string;
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
  status: Edition["status"];
  festivalName: string;
}

export function festivalDto(r: Festival) {
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

export function editionDto(r: Edition) {
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
