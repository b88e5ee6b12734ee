import { SoftDeletableModel } from "../audit/audited-model.js";

export const MAP_CATEGORIES = ["stage", "bar", "food", "toilet", "first_aid", "camping", "gate", "info", "water", "shop", "other"] as const;
export type MapCategory = (typeof MAP_CATEGORIES)[number];
export interface OpeningPeriod {
  opensAt: string;
  closesAt: string;
}

/** A point of interest on an edition's site map (migration 635). numeric coordinates come back from pg as strings. */
export class MapPoint extends SoftDeletableModel {
  static override tableName = "map_points";
  static override jsonAttributes = ["opening_hours"];
  declare edition_id: string;
  declare category: MapCategory;
  declare name: string;
  declare description: string | null;
  declare longitude: string | number;
  declare latitude: string | number;
  declare opening_hours: OpeningPeriod[];
}

export function pointDto(r: MapPoint) {
  return {
    id: r.id,
    editionId: r.edition_id,
    category: r.category,
    name: r.name,
    description: r.description ?? null,
    longitude: Number(r.longitude),
    latitude: Number(r.latitude),
    openingHours: r.opening_hours,
  };
}

/** RFC 7946 Feature: coordinates are [longitude, latitude]. */
export function pointFeature(r: MapPoint, now: Date) {
  const t = now.getTime();
  return {
    type: "Feature" as const,
    id: r.id,
    geometry: { type: "Point" as const, coordinates: [Number(r.longitude), Number(r.latitude)] as [number, number] },
    properties: {
      name: r.name,
      category: r.category,
      description: r.description ?? null,
      openingHours: r.opening_hours,
      openNow: r.opening_hours.length === 0 ? null : r.opening_hours.some((p) => Date.parse(p.opensAt) <= t && t < Date.parse(p.closesAt)),
    },
  };
}
