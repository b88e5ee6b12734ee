import { Model, type RelationMappings } from "objection";
import { AuditedModel, SoftDeletableModel } from "../audit/audited-model.js";

export class Venue extends SoftDeletableModel {
  static override tableName = "venues";
  declare festival_id: string;
  declare name: string;
  declare address_line1: string | null;
  declare address_line2: string | null;
  declare city: string | null;
  declare postal_code: string | null;
  declare country: string | null;
  /** numeric: written as a number, read back as its exact text */
  declare latitude: number | string | null;
  declare longitude: number | string | null;
}

export class Stage extends SoftDeletableModel {
  static override tableName = "stages";
  declare venue_id: string;
  declare name: string;
  declare sort_order: number;
  declare capacity: number | null;
  declare venue?: Venue;

  static override get relationMappings(): RelationMappings {
    return { venue: { relation: Model.BelongsToOneRelation, modelClass: Venue, join: { from: "stages.venue_id", to: "venues.id" } } };
  }
}

/** Which venues an edition uses. */
export class EditionVenue extends AuditedModel {
  static override tableName = "edition_venues";
  declare edition_id: string;
  declare venue_id: string;
}

/** A stage as the schedule shows it: with its venue. */
export interface StageContext {
  stageId: string;
  stageName: string;
  sortOrder: number;
  venueId: string;
  venueName: string;
  festivalId: string;
}

export function venueDto(r: Venue) {
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

export function stageDto(r: Stage) {
  return {
    id: r.id,
    venueId: r.venue_id,
    name: r.name,
    sortOrder: r.sort_order,
    capacity: r.capacity,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
