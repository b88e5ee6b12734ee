import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { randomToken, sha256Hex } from "../../security/tokens.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { queueEmail } from "../mail/service.js";
import { assertFestivalAccess, festivalAccess, satisfies } from "../festival-access/service.js";
import { eventContext } from "../events/service.js";
import { notFound } from "../../http/errors.js";
import type { PartialModelObject } from "objection";
import { WaitlistEntry, waitlistEntryDto } from "./models.js";

const OPEN_STATUSES = new Set(["published", "ongoing", "postponed"]);

const CONFIRMATION_TTL_MS = 7 * 86_400_000;

/**
 * Joins the waitlist of a sold-out event, with or without an account (one entry per email
 * and event). Anyone may call it, so the entry stays pending until the email's owner
 * follows the mailed confirmation (confirmWaitlistEntry); joining again while pending mails
 * a fresh token, so nobody can hold an address hostage. An event that is not public is a 404.
 */
export async function joinWaitlist(db: Knex, principal: Principal | undefined, ctx: AuditContext, eventId: string, email: string) {
  const event = await eventContext(db, eventId);
  if (!event || !OPEN_STATUSES.has(event.status)) throw notFound("event", eventId);
  if (!event.soldOut) throw new HttpError(422, "event_not_sold_out", "the event still has tickets; the waitlist opens when it sells out");
  return db.transaction(async (trx) => {
    const existing = await WaitlistEntry.query(trx).where({ event_id: eventId, email }).forUpdate().first();
    if (existing?.status === "confirmed") {
      throw new HttpError(409, "already_on_waitlist", "this email is already on the event's waitlist", [
        { field: "body.email", message: "already on the waitlist" },
      ]);
    }
    const token = randomToken(32);
    const pending: PartialModelObject<WaitlistEntry> = {
      status: "pending",
      cancelled_at: null,
      confirmation_token_hash: sha256Hex(token),
      confirmation_expires_at: new Date(Date.now() + CONFIRMATION_TTL_MS),
      user_id: principal?.userId ?? existing?.user_id ?? null,
      updated_by: principal?.userId ?? null,
    };
    let row: WaitlistEntry;
    if (existing) {
      row = await WaitlistEntry.query(trx).findById(existing.id).patch(pending).returning("*").castTo<WaitlistEntry>();
    } else {
      // knex for the insert: on a conflict it returns no row, where objection would hand back the values it sent
      const [inserted] = await trx(WaitlistEntry.tableName)
        .insert({ id: newId(), event_id: eventId, email, created_by: principal?.userId ?? null, ...pending })
        .onConflict(["event_id", "email"])
        .ignore()
        .returning("*");
      if (!inserted)
        throw new HttpError(409, "already_on_waitlist", "this email is already on the event's waitlist", [
          { field: "body.email", message: "already on the waitlist" },
        ]);
      row = WaitlistEntry.fromDatabaseJson(inserted);
    }
    await queueEmail(trx, {
      to: email,
      template: "waitlist_confirmation",
      subject: `Confirm your place on the waitlist for ${event.name}`,
      body: `Someone put this address on the waitlist for ${event.name}. If it was you, confirm with this code (POST /api/v1/waitlist-entries/confirm): ${token}. If not, ignore this mail: unconfirmed entries are never contacted.`,
      data: { token, entryId: row.id, eventId },
    });
    await recordAudit(trx, ctx, {
      action: existing ? (existing.status === "pending" ? "waitlist_entry.confirmation_resent" : "waitlist_entry.rejoined") : "waitlist_entry.created",
      entityType: "waitlist_entry",
      entityId: row.id,
      organizationId: event.organizationId,
      festivalId: event.festivalId,
      after: { eventId, status: row.status, userId: row.user_id },
    });
    return waitlistEntryDto(row);
  });
}

/** The email's owner confirms a pending entry with the mailed token (single use, expires). */
export async function confirmWaitlistEntry(db: Knex, ctx: AuditContext, token: string) {
  return db.transaction(async (trx) => {
    const [row] = await WaitlistEntry.query(trx)
      .where({ confirmation_token_hash: sha256Hex(token), status: "pending" })
      .where("confirmation_expires_at", ">", trx.fn.now())
      .patch({ status: "confirmed", confirmed_at: trx.fn.now(), confirmation_token_hash: null, confirmation_expires_at: null })
      .returning("*");
    if (!row)
      throw new HttpError(400, "invalid_token", "the token is invalid, expired or already used", [
        { field: "body.token", message: "invalid, expired or already used" },
      ]);
    const event = await eventContext(trx, row.event_id);
    await recordAudit(trx, ctx, {
      action: "waitlist_entry.confirmed",
      entityType: "waitlist_entry",
      entityId: row.id,
      organizationId: event?.organizationId,
      festivalId: event?.festivalId,
      before: { status: "pending" },
      after: { status: "confirmed" },
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
  // Only confirmed addresses are the ones to contact: unconfirmed entries may be anyone's.
  const q = WaitlistEntry.query(db).where({ event_id: eventId, status: status ?? "confirmed" });
  return paginate(q.toKnexQuery(), page, { column: "created_at", order: "asc" }, (row) => waitlistEntryDto(WaitlistEntry.fromDatabaseJson(row)));
}

/**
 * -> cancelled, by the organizer (festival manager, scope editions) or the entrant (the
 * signed-in user the entry belongs to). Confirming is the email owner's: confirmWaitlistEntry.
 */
export async function cancelWaitlistEntry(db: Knex, principal: Principal, ctx: AuditContext, entryId: string) {
  const to = "cancelled";
  const entry = await WaitlistEntry.query(db).findById(entryId);
  if (!entry) throw notFound("waitlist_entry", entryId);
  const event = await eventContext(db, entry.event_id);
  if (!event) throw notFound("waitlist_entry", entryId);
  const access = await festivalAccess(db, principal, event.festivalId);
  const organizer = access !== null && satisfies(access, { level: "manager", scope: "editions" });
  const own = entry.user_id === principal.userId;
  if (!organizer && !own) {
    if (access && access.grants.length) throw new HttpError(403, "forbidden", "not your entry");
    throw notFound("waitlist_entry", entryId);
  }
  return db.transaction(async (trx) => {
    const current = await WaitlistEntry.query(trx).findById(entryId).forUpdate();
    if (!current) throw notFound("waitlist_entry", entryId);
    if (current.status === "cancelled") throw new HttpError(409, "waitlist_entry_cancelled", "the entry is already cancelled");
    const row = await WaitlistEntry.query(trx)
      .findById(entryId)
      .patch({
        status: to,
        cancelled_at: trx.fn.now(),
        confirmed_at: null,
        confirmation_token_hash: null,
        confirmation_expires_at: null,
        updated_by: principal.userId,
      })
      .returning("*")
      .castTo<WaitlistEntry>();
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

/**
 * The signed-in user's own entries (those joined while signed in), newest first, each with the
 * event's name (the events module's, through its service) and, once confirmed, its place in the
 * queue: 1 + the confirmed entries of the same event that joined earlier (first come, first
 * served, as listWaitlist orders them).
 */
export async function myWaitlistEntries(db: Knex, principal: Principal) {
  const rows = await db("waitlist_entries as w")
    .where("w.user_id", principal.userId)
    .select(
      "w.*",
      db.raw(
        `case when w.status = 'confirmed' then 1 + (select count(*) from waitlist_entries o
            where o.event_id = w.event_id and o.status = 'confirmed' and (o.created_at, o.id) < (w.created_at, w.id)) end::int as position`,
      ),
    )
    .orderBy("w.created_at", "desc")
    .limit(100);
  const names = new Map<string, string>();
  for (const id of new Set(rows.map((r: { event_id: string }) => r.event_id))) names.set(id, (await eventContext(db, id))?.name ?? "");
  return {
    items: rows.map((r: Record<string, unknown>) => ({
      ...waitlistEntryDto(WaitlistEntry.fromDatabaseJson(r)),
      eventName: names.get(String(r.event_id)) ?? "",
      position: r.position === null ? null : Number(r.position),
    })),
  };
}
