import type { Knex } from "knex";
import { Stage } from "../venues/models.js";
import { Engagement, TimeSlot } from "./models.js";

/**
 * Questions other modules ask the schedule before they remove something it may use
 * (app.ts hands these to venues and artists, which sit below the schedule).
 */
export async function hasLiveTimeSlots(db: Knex | Knex.Transaction, where: { stageId?: string; editionId?: string; venueId?: string }): Promise<boolean> {
  const q = TimeSlot.query(db).alias("t").whereNull("t.deleted_at").first().select(db.raw("1 as one"));
  if (where.stageId) q.where("t.stage_id", where.stageId);
  if (where.editionId) q.where("t.edition_id", where.editionId);
  if (where.venueId) q.whereIn("t.stage_id", Stage.query(db).where({ venue_id: where.venueId }).select("id"));
  return (await q) !== undefined;
}

export async function hasLiveEngagements(db: Knex | Knex.Transaction, artistId: string): Promise<boolean> {
  const row = await Engagement.query(db).where({ artist_id: artistId }).whereNull("deleted_at").first().select(db.raw("1 as one"));
  return row !== undefined;
}
