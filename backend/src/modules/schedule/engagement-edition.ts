import type { Knex } from "knex";

/** The edition an engagement plays at (through its time slot), for modules that know only the engagement. */
export async function editionOfEngagement(db: Knex, engagementId: string): Promise<string | undefined> {
  const row = await db("engagements as e").join("time_slots as ts", "ts.id", "e.time_slot_id").where("e.id", engagementId).first("ts.edition_id");
  return row?.edition_id as string | undefined;
}
