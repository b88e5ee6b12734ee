import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { publishedSchedule } from "../schedule/service.js";
import { renderCalendar, type CalendarEvent } from "./calendar.js";
import { clashesOf, entryDto, PersonalSchedule, PersonalScheduleEntry } from "./models.js";

/** 404 unless the edition has a published schedule attendees can see. */
async function scheduleOf(db: Knex, editionId: string) {
  const published = await publishedSchedule(db, editionId);
  if (!published) throw new HttpError(404, "schedule_not_found", `edition ${editionId} has no published schedule`);
  return published;
}

/**
 * The caller's entries for an edition: one statement. Plain knex, not objection: this read runs on
 * every personal-schedule view (bench:schedule), and model instances only add garbage here.
 */
async function entriesOf(db: Knex, userId: string, editionId: string): Promise<Array<Pick<PersonalScheduleEntry, "engagement_id" | "created_at">>> {
  return db("personal_schedule_entries as e")
    .join("personal_schedules as ps", "ps.id", "e.personal_schedule_id")
    .where({ "ps.user_id": userId, "ps.edition_id": editionId })
    .orderBy([{ column: "e.created_at" }, { column: "e.id" }])
    .select("e.engagement_id", "e.created_at");
}

/** The caller's picks for an edition, shown from the latest published version, with clashes. */
export async function getPersonalSchedule(db: Knex, principal: Principal, editionId: string) {
  const published = await scheduleOf(db, editionId);
  const rows = await entriesOf(db, principal.userId, editionId);
  const entries = rows.map((r) => entryDto(r, published.performances.get(r.engagement_id)));
  entries.sort((a, b) => (a.startsAt ?? "9").localeCompare(b.startsAt ?? "9"));
  return { editionId, timezone: published.timezone, scheduleVersion: published.number, entries, clashes: clashesOf(entries, published.timezone) };
}

/** Adds a performance of the published schedule (idempotent: adding it again changes nothing). */
export async function addEntry(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, engagementId: string) {
  const published = await scheduleOf(db, editionId);
  const performance = published.performances.get(engagementId);
  if (!performance || performance.status !== "scheduled") {
    throw new HttpError(422, "not_in_published_schedule", "this performance is not in the edition's published schedule", [
      { field: "params.engagementId", message: "not a scheduled performance of this edition" },
    ]);
  }
  await db.transaction(async (trx) => {
    await PersonalSchedule.query(trx)
      .insert({ id: newId(), user_id: principal.userId, edition_id: editionId, created_by: principal.userId, updated_by: principal.userId })
      .onConflict(["user_id", "edition_id"])
      .ignore();
    const schedule = await PersonalSchedule.query(trx)
      .where({ user_id: principal.userId, edition_id: editionId })
      .first()
      .select("id")
      .castTo<PersonalSchedule>();
    // Plain knex: objection hands back the input as a model even when the conflict skipped the insert.
    const [inserted]: Array<Pick<PersonalScheduleEntry, "id">> = await trx(PersonalScheduleEntry.tableName)
      .insert({ id: newId(), personal_schedule_id: schedule.id, engagement_id: engagementId, created_by: principal.userId })
      .onConflict(["personal_schedule_id", "engagement_id"])
      .ignore()
      .returning("id");
    if (inserted) {
      await recordAudit(trx, ctx, {
        action: "personal_schedule_entry.added",
        entityType: "personal_schedule_entry",
        entityId: inserted.id,
        after: { personalScheduleId: schedule.id, editionId, engagementId },
      });
    }
  });
  return getPersonalSchedule(db, principal, editionId);
}

export async function removeEntry(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, engagementId: string): Promise<void> {
  await db.transaction(async (trx) => {
    const entry = await PersonalScheduleEntry.query(trx)
      .joinRelated("schedule")
      .where({ "schedule.user_id": principal.userId, "schedule.edition_id": editionId, "personal_schedule_entries.engagement_id": engagementId })
      .first()
      .select("personal_schedule_entries.id", "personal_schedule_entries.personal_schedule_id");
    if (!entry) throw new HttpError(404, "personal_schedule_entry_not_found", "this performance is not in your schedule");
    await PersonalScheduleEntry.query(trx).deleteById(entry.id);
    await recordAudit(trx, ctx, {
      action: "personal_schedule_entry.removed",
      entityType: "personal_schedule_entry",
      entityId: entry.id,
      before: { personalScheduleId: entry.personal_schedule_id, editionId, engagementId },
    });
  });
}

/**
 * Other modules' entries in the same feed (the shifts module's staff shifts): app.ts hands
 * them in, so this module never reads their tables.
 */
export type CalendarContributor = (db: Knex, userId: string, editionId: string) => Promise<CalendarEvent[]>;

export async function personalCalendar(db: Knex, principal: Principal, editionId: string, contributors: CalendarContributor[] = []): Promise<string> {
  const published = await scheduleOf(db, editionId);
  const schedule = await getPersonalSchedule(db, principal, editionId);
  const extra = (await Promise.all(contributors.map((c) => c(db, principal.userId, editionId)))).flat();
  const { edition } = published.document;
  return renderCalendar({
    name: `${edition.festivalName} ${edition.name}`,
    timezone: published.timezone,
    stamp: new Date(),
    events: schedule.entries
      .filter((e) => e.startsAt && e.endsAt)
      .map((e): CalendarEvent => ({
        uid: `${e.engagementId}@festival-chain`,
        summary: `${e.artistName} @ ${e.stageName}`,
        location: e.venueName ? `${e.stageName}, ${e.venueName}` : e.stageName,
        startsAt: e.startsAt!,
        endsAt: e.endsAt!,
        cancelled: e.status !== "scheduled",
        description: `${edition.festivalName} ${edition.name}, ${e.startsAtLocal} to ${e.endsAtLocal}`,
      }))
      .concat(extra),
  });
}

/** For the notification job: attendees of an edition whose schedule holds any of `engagementIds`, with which ones. */
export async function attendeesWithEngagements(db: Knex, editionId: string, engagementIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (engagementIds.length === 0) return out;
  const rows = await PersonalScheduleEntry.query(db)
    .withGraphJoined("schedule")
    .where("schedule.edition_id", editionId)
    .whereIn("personal_schedule_entries.engagement_id", engagementIds);
  for (const r of rows) out.set(r.schedule!.user_id, [...(out.get(r.schedule!.user_id) ?? []), r.engagement_id]);
  return out;
}
