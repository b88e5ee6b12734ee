import type { Knex } from "knex";
import type { CalendarEvent } from "../personal-schedules/calendar.js";
import { activeMemberOfUser } from "./directory.js";

/**
 * The caller's shifts of an edition as calendar events, for the personal iCalendar feed
 * (app.ts hands this to the personal-schedules routes: that module never reads shift tables).
 */
export async function shiftCalendarEvents(db: Knex, userId: string, editionId: string): Promise<CalendarEvent[]> {
  const member = await activeMemberOfUser(db, editionId, userId);
  if (!member) return [];
  const rows: Array<{ id: string; status: string; title: string; starts_at: Date; ends_at: Date }> = await db("shift_signups as su")
    .join("shifts as s", "s.id", "su.shift_id")
    .where({ "su.member_id": member.id })
    .whereNotIn("su.status", ["CANCELLED"])
    .orderBy("su.starts_at")
    .select("su.id", "su.status", "s.title", "su.starts_at", "su.ends_at");
  return rows.map((r) => ({
    uid: `shift-${r.id}@festival-chain`,
    summary: `Shift: ${r.title}`,
    location: null,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    cancelled: false,
    description: `Staff shift (badge ${member.badge_number}), ${r.status.toLowerCase().replace("_", " ")}`,
  }));
}
