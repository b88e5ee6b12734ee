import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { assertFestivalAccess, festivalAccess, satisfies } from "../festival-access/service.js";
import { eventContext } from "../events/service.js";
import { notFound } from "../../http/errors.js";
import { waitlistEntryDto, type WaitlistEntryRow } from "./models.js";

const OPEN_STATUSES = new Set(["published", "ongoing", "postponed"]);

/**
 * Joins the waitlist of a sold-out event, with or without an account (one entry per email
 * and event). Anyone may call it; an event that is not public is a 404 to them.
 */
export async function joinWaitlist(db: Knex, principal: Principal | undefined, ctx: AuditContext, eventId: string, email: string) {
  const event = await eventContext(db, eventId);
  if (!event || !OPEN_STATUSES.has(event.status)) throw notFound("event", eventId);
  if (!event.soldOut) throw new HttpError(422, "event_not_sold_out", "the event still has tickets; the waitlist opens when it sells out");
  return db.transaction(async (trx) => {
    const existing: WaitlistEntryRow | undefined = await trx("waitlist_entries").where({ event_id: eventId, email }).forUpdate().first();
    if (existing && existing.status !== "cancelled") {
      throw new HttpError(409, "already_on_waitlist", "this email is already on the event's waitlist", [{ field: "body.email", message: "already on the waitlist" }]);
    }
    let row: WaitlistEntryRow;
    if (existing) {
      [row] = await trx("waitlist_entries")
        .where({ id: existing.id })
        .update({ status: "pending", cancelled_at: null, user_id: principal?.userId ?? existing.user_id, updated_by: principal?.userId ?? null })
        .returning("*");
    } else {
      [row] = await trx("waitlist_entries")
        .insert({ id: newId(), event_id: eventId, email, user_id: principal?.userId ?? null, created_by: principal?.userId ?? null, updated_by: principal?.userId ?? null })
        .onConflict(["event_id", "email"])
        .ignore()
        .returning("*");
      if (!row) throw new HttpError(409, "already_on_waitlist", "this email is already on the event's waitlist", [{ field: "body.email", message: "already on the waitlist" }]);
    }
    await recordAudit(trx, ctx, {
      action: existing ? "waitlist_entry.rejoined" : "waitlist_entry.created",
      entityType: "waitlist_entry",
      entityId: row.id,
      organizationId: event.organizationId,
      festivalId: event.festivalId,
      after: { eventId, status: row.status, userId: row.user_id },
    });
    return waitlistEntryDto(row);
  });
}

export async function listWaitlist(db: Knex, principal: Principal, eventId: string, status: string | undefined, page: PageQuery) {
  const event = await eventContext(db, eventId);
  if (!event) throw notFound("event", eventId);
  await assertFestivalAccess(db, principal, event.festivalId, { level: "viewer", scope: "editions" }).catch((e) => {
    throw e instanceof HttpError && e.status === 404 ? notFound("event", eventId) : e;
  });
  const q = db("waitlist_entries").where({ event_id: eventId }).select("*");
  if (status) q.where({ status });
  return paginate(q, page, { column: "created_at", order: "asc" }, waitlistEntryDto);
}

/**
 * pending -> confirmed (organizer: festival manager, scope editions) or -> cancelled
 * (the organizer, or the entrant: the signed-in user the entry belongs to).
 */
export async function changeWaitlistEntry(db: Knex, principal: Principal, ctx: AuditContext, entryId: string, to: "confirmed" | "cancelled") {
  const entry: WaitlistEntryRow | undefined = await db("waitlist_entries").where({ id: entryId }).first();
  if (!entry) throw notFound("waitlist_entry", entryId);
  const event = await eventContext(db, entry.event_id);
  if (!event) throw notFound("waitlist_entry", entryId);
  const access = await festivalAccess(db, principal, event.festivalId);
  const organizer = access !== null && satisfies(access, { level: "manager", scope: "editions" });
  const own = entry.user_id === principal.userId;
  if (!organizer && !(own && to === "cancelled")) {
    if (own || (access && access.grants.length)) throw new HttpError(403, "forbidden", to === "confirmed" ? "only the organizer confirms" : "not your entry");
    throw notFound("waitlist_entry", entryId);
  }
  return db.transaction(async (trx) => {
    const current: WaitlistEntryRow = await trx("waitlist_entries").where({ id: entryId }).forUpdate().first();
    if (current.status !== "pending") throw new HttpError(409, "waitlist_entry_not_pending", `the entry is ${current.status}`);
    const [row] = await trx("waitlist_entries")
      .where({ id: entryId })
      .update({ status: to, [to === "confirmed" ? "confirmed_at" : "cancelled_at"]: trx.fn.now(), updated_by: principal.userId })
      .returning("*");
    await recordAudit(trx, ctx, {
      action: `waitlist_entry.${to}`,
      entityType: "waitlist_entry",
      entityId: entryId,
      organizationId: event.organizationId,
      festivalId: event.festivalId,
      before: { status: current.status },
      after: { status: to },
    });
    return waitlistEntryDto(row);
  });
}
