import { Model, type RelationMappings } from "objection";
import { EditionTimeZone, LiveFestival } from "../festivals/models.js";
import { toLocalIso } from "../time-zones/time-zones.js";
import { AuditedModel, SoftDeletableModel } from "../audit/audited-model.js";

export class EventCategory extends AuditedModel {
  static override tableName = "event_categories";
  declare festival_id: string;
  declare parent_id: string | null;
  declare name: string;
  declare icon: string | null;
  declare colour: string | null;
  declare sort_order: number;
}

export class Tag extends AuditedModel {
  static override tableName = "tags";
  declare festival_id: string;
  declare name: string;
  declare usage_count: number;
}

export class EventTag extends Model {
  static override tableName = "event_tags";
  static override idColumn = ["event_id", "tag_id"];
  declare event_id: string;
  declare tag_id: string;
  declare created_by: string | null;
  declare tag?: Tag;

  static override get relationMappings(): RelationMappings {
    return { tag: { relation: Model.BelongsToOneRelation, modelClass: Tag, join: { from: "event_tags.tag_id", to: "tags.id" } } };
  }
}

export class Event extends SoftDeletableModel {
  static override tableName = "events";
  declare festival_id: string;
  declare edition_id: string | null;
  declare category_id: string | null;
  declare name: string;
  declare slug: string;
  declare description: string | null;
  declare status: "draft" | "published" | "ongoing" | "completed" | "cancelled" | "postponed";
  declare capacity: number | null;
  declare starts_at: Date | null;
  declare ends_at: Date | null;
  declare sold_out_at: Date | null;
  /** The festival, if it is not deleted (the festivals module's live_festivals view). */
  declare festival?: LiveFestival | null;
  /** The edition's time zone (the festivals module's edition_time_zones view). */
  declare edition?: EditionTimeZone | null;

  static override get relationMappings(): RelationMappings {
    return {
      festival: { relation: Model.BelongsToOneRelation, modelClass: LiveFestival, join: { from: "events.festival_id", to: "live_festivals.id" } },
      edition: { relation: Model.BelongsToOneRelation, modelClass: EditionTimeZone, join: { from: "events.edition_id", to: "edition_time_zones.id" } },
    };
  }
}

/** What other modules (waitlists) need to know about an event. */
export interface EventContext {
  eventId: string;
  festivalId: string;
  organizationId: string;
  name: string;
  status: Event["status"];
  soldOut: boolean;
}

export function categoryDto(r: EventCategory) {
  return { id: r.id, festivalId: r.festival_id, parentId: r.parent_id, name: r.name, icon: r.icon, colour: r.colour, sortOrder: r.sort_order };
}

export function eventDto(r: Event, timezone: string, tags: string[]) {
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
