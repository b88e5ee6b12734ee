import type { Knex } from "knex";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { artistExists, artistOfUser, companySettings } from "../organizations/company-service.js";
import { auditCompanyChange, hasAnyRole, inCompany, type CompanyRole, type CompanyScope } from "../organizations/tenant.js";
import { fromWallClock, occurrences, toWallClock } from "./recurrence.js";
import { productionDates } from "./service.js";
import type { AttendanceBody, CreateScheduleItemBody, ScheduleQuery } from "./schedule-schemas.js";

const MANAGERS: readonly CompanyRole[] = ["production_manager", "admin", "system_admin"];
/** Reminders before a confirmed session, and the part of their job key that tells them apart. */
export const REMINDER_LEADS = [
  { lead: "24h", ms: 24 * 3600_000 },
  { lead: "2h", ms: 2 * 3600_000 },
] as const;
/** Check-in opens this long before a session starts. */
const CHECK_IN_OPENS_MS = 2 * 3600_000;

export const reminderKey = (sessionId: string, artistId: string, lead: string) => `production_reminder:${sessionId}:${artistId}:${lead}`;

interface SessionRow {
  id: string;
  item_id: string;
  starts_at: Date;
  ends_at: Date;
  status: string;
}

async function enqueueReminders(trx: Knex.Transaction, companyId: string, artistId: string, sessions: SessionRow[], now = Date.now()) {
  for (const s of sessions) {
    for (const { lead, ms } of REMINDER_LEADS) {
      const runAt = s.starts_at.getTime() - ms;
      if (runAt <= now || s.status !== "scheduled") continue;
      await trx.raw(
        "select backoffice_enqueue_reminder(?, json_build_object('companyId', ?::text, 'sessionId', ?::text, 'artistId', ?::text, 'lead', ?::text), ?)",
        [reminderKey(s.id, artistId, lead), companyId, s.id, artistId, lead, new Date(runAt)],
      );
    }
  }
}

async function cancelReminders(trx: Knex.Transaction, artistId: string, sessions: SessionRow[]) {
  for (const s of sessions) for (const { lead } of REMINDER_LEADS) await trx.raw("select backoffice_cancel_reminder(?)", [reminderKey(s.id, artistId, lead)]);
}

type Kind = "rehearsal" | "performance" | "meeting" | "fitting" | "photo_call";

function sessionDto(r: SessionRow & { kind: Kind; title: string; location: string | null }) {
  return {
    id: r.id,
    itemId: r.item_id,
    kind: r.kind,
    title: r.title,
    location: r.location,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    status: r.status,
  };
}

/** What another module does when an artist checks in at a performance session (app.ts passes the contracts module's). */
export type PerformanceAttended = (trx: Knex.Transaction, ctx: AuditContext, companyId: string, productionId: string, artistId: string) => Promise<unknown>;
/** What another module does when an artist's last scheduled performance session of a production is cancelled. */
export type PerformanceCancelled = PerformanceAttended;

export class ScheduleService {
  constructor(
    private readonly db: Knex,
    private readonly onPerformanceAttended: PerformanceAttended = async () => undefined,
    private readonly onPerformanceCancelled: PerformanceCancelled = async () => undefined,
  ) {}

  /**
   * A production manager cancels one session: its reminders go, and for a performance every
   * assigned artist left without a scheduled performance session of the production has their
   * performance cancelled (paid on performance: the fixed fee goes back to the split).
   */
  cancelSession(principal: Principal, ctx: AuditContext, companyId: string, sessionId: string) {
    return inCompany(this.db, principal, companyId, MANAGERS, async ({ trx, userId }) => {
      const before: SessionRow | undefined = await trx("production_sessions").where({ id: sessionId }).forUpdate().first();
      if (!before) throw new HttpError(404, "session_not_found", `session ${sessionId} not found`);
      if (before.status === "cancelled") throw new HttpError(409, "session_cancelled", "the session is already cancelled");
      const [after] = await trx("production_sessions").where({ id: sessionId }).update({ status: "cancelled", updated_by: userId }).returning("*");
      const item = await trx("production_schedule_items").where({ id: before.item_id }).first("kind", "production_id", "title", "location");
      const artists: Array<{ artist_id: string }> = await trx("production_assignments").where({ item_id: before.item_id }).whereNot({ status: "declined" });
      for (const { artist_id } of artists) await cancelReminders(trx, artist_id, [before]);
      await auditCompanyChange(trx, ctx, {
        action: "schedule_session.cancelled",
        entityType: "schedule_session",
        entityId: sessionId,
        companyId,
        before,
        after,
      });
      if (item?.kind === "performance") {
        for (const { artist_id } of artists) {
          const left = await trx("production_sessions as s")
            .join("production_schedule_items as i", "i.id", "s.item_id")
            .join("production_assignments as a", (j) => j.on("a.item_id", "i.id").andOnVal("a.artist_id", artist_id))
            .where({ "i.production_id": item.production_id, "i.kind": "performance", "s.status": "scheduled" })
            .whereNot("a.status", "declined")
            .first("s.id");
          if (!left) await this.onPerformanceCancelled(trx, ctx, companyId, item.production_id, artist_id);
        }
      }
      return sessionDto({ ...after, kind: item!.kind, title: item!.title, location: item!.location });
    });
  }

  /** A rehearsal, performance, meeting, fitting or photo call, once or recurring; its sessions lie inside the production. */
  createItem(principal: Principal, ctx: AuditContext, companyId: string, productionId: string, input: z.output<typeof CreateScheduleItemBody>) {
    return inCompany(this.db, principal, companyId, MANAGERS, async ({ trx, userId }) => {
      const production = await productionDates(trx, productionId);
      if (!production) throw new HttpError(404, "production_not_found", `production ${productionId} not found`);
      const { timezone } = await companySettings(trx);
      const startsAt = new Date(input.startsAt);
      const endsAt = new Date(input.endsAt);
      const durationMs = endsAt.getTime() - startsAt.getTime();
      if (durationMs <= 0)
        throw new HttpError(422, "schedule_ends_before_start", "a session ends after it starts", [{ field: "body.endsAt", message: "not after startsAt" }]);
      const firstDay = toWallClock(startsAt, timezone).toISOString().slice(0, 10);
      if (firstDay < production.startsOn || firstDay > production.endsOn)
        throw new HttpError(422, "schedule_outside_production", `sessions lie within the production (${production.startsOn} to ${production.endsOn})`, [
          { field: "body.startsAt", message: "outside the production" },
        ]);
      // the last instant of the production's last day, in the company's zone
      const [y, m, d] = production.endsOn.split("-").map(Number);
      const until = fromWallClock(new Date(Date.UTC(y!, m! - 1, d! + 1) - 1), timezone);
      const starts = occurrences(startsAt, input.rrule ?? null, timezone, until);
      const id = newId();
      const [item] = await trx("production_schedule_items")
        .insert({
          id,
          company_id: companyId,
          production_id: productionId,
          kind: input.kind,
          title: input.title,
          location: input.location ?? null,
          starts_at: startsAt,
          ends_at: endsAt,
          rrule: input.rrule ?? null,
          created_by: userId,
          updated_by: userId,
        })
        .returning("*");
      const sessions = starts.map((s) => ({
        id: newId(),
        company_id: companyId,
        item_id: id,
        starts_at: s,
        ends_at: new Date(s.getTime() + durationMs),
        created_by: userId,
        updated_by: userId,
      }));
      if (sessions.length) await trx("production_sessions").insert(sessions);
      await auditCompanyChange(trx, ctx, {
        action: "schedule_item.created",
        entityType: "schedule_item",
        entityId: id,
        companyId,
        after: { ...item, sessions: sessions.length },
      });
      return {
        id,
        productionId,
        kind: item.kind,
        title: item.title,
        rrule: item.rrule,
        sessions: sessions.map((s) => ({ id: s.id, startsAt: s.starts_at.toISOString(), endsAt: s.ends_at.toISOString() })),
      };
    });
  }

  /** The production's sessions in a window (an artist sees the ones they are assigned to). */
  listSessions(principal: Principal, companyId: string, productionId: string, query: z.output<typeof ScheduleQuery>) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => {
      const q = scope
        .trx("production_sessions as s")
        .join("production_schedule_items as i", "i.id", "s.item_id")
        .where("i.production_id", productionId)
        .orderBy("s.starts_at")
        .limit(500)
        .select("s.*", "i.kind", "i.title", "i.location");
      if (query.from) q.where("s.starts_at", ">=", query.from);
      if (query.to) q.where("s.starts_at", "<", query.to);
      if (!hasAnyRole(scope, MANAGERS)) {
        const me = await artistOfUser(scope.trx, scope.userId);
        q.whereExists(
          scope
            .trx("production_assignments as a")
            .whereRaw("a.item_id = i.id")
            .where("a.artist_id", me?.id ?? "00000000-0000-0000-0000-000000000000"),
        );
      }
      return { items: (await q).map(sessionDto) };
    });
  }

  assign(principal: Principal, ctx: AuditContext, companyId: string, itemId: string, artistId: string) {
    return inCompany(this.db, principal, companyId, MANAGERS, async ({ trx, userId }) => {
      if (!(await trx("production_schedule_items").where({ id: itemId }).first("id")))
        throw new HttpError(404, "schedule_item_not_found", `schedule item ${itemId} not found`);
      if (!(await artistExists(trx, artistId)))
        throw new HttpError(422, "artist_not_found", "no such artist on the roster", [{ field: "body.artistId", message: "not on the roster" }]);
      const [row] = await trx("production_assignments")
        .insert({ id: newId(), company_id: companyId, item_id: itemId, artist_id: artistId, created_by: userId, updated_by: userId })
        .onConflict(["item_id", "artist_id"])
        .ignore()
        .returning("*");
      if (!row) throw new HttpError(409, "already_assigned", "this artist is already assigned");
      await auditCompanyChange(trx, ctx, { action: "schedule_assignment.created", entityType: "schedule_assignment", entityId: row.id, companyId, after: row });
      return assignmentDto(row);
    });
  }

  /** The artist confirms (reminders 24 h and 2 h before each coming session are queued) or declines (they are removed). */
  respond(principal: Principal, ctx: AuditContext, companyId: string, assignmentId: string, answer: "confirmed" | "declined") {
    return inCompany(this.db, principal, companyId, "any", async ({ trx, userId }) => {
      const before = await trx("production_assignments").where({ id: assignmentId }).forUpdate().first();
      const me = await artistOfUser(trx, userId);
      if (!before || before.artist_id !== me?.id) throw new HttpError(404, "assignment_not_found", `assignment ${assignmentId} not found`);
      const [after] = await trx("production_assignments")
        .where({ id: assignmentId })
        .update({ status: answer, responded_at: trx.fn.now(), updated_by: userId })
        .returning("*");
      const sessions: SessionRow[] = await trx("production_sessions").where({ item_id: before.item_id });
      if (answer === "confirmed") await enqueueReminders(trx, companyId, before.artist_id, sessions);
      else await cancelReminders(trx, before.artist_id, sessions);
      await auditCompanyChange(trx, ctx, {
        action: `schedule_assignment.${answer}`,
        entityType: "schedule_assignment",
        entityId: assignmentId,
        companyId,
        before,
        after,
      });
      return assignmentDto(after);
    });
  }

  /**
   * Attendance: the artist checks in (from 2 h before the start to its end) and out; a
   * production manager may record it for them. Only a confirmed assignment attends.
   */
  attend(
    principal: Principal,
    ctx: AuditContext,
    companyId: string,
    sessionId: string,
    action: "check-in" | "check-out",
    input: z.output<typeof AttendanceBody>,
    now = new Date(),
  ) {
    return inCompany(this.db, principal, companyId, "any", async (scope: CompanyScope) => {
      const { trx, userId } = scope;
      const session: SessionRow | undefined = await trx("production_sessions").where({ id: sessionId }).first();
      if (!session) throw new HttpError(404, "session_not_found", `session ${sessionId} not found`);
      const manager = hasAnyRole(scope, MANAGERS);
      const me = await artistOfUser(trx, userId);
      const artistId = input.artistId && manager ? input.artistId : me?.id;
      if (!artistId) throw new HttpError(403, "not_on_roster", "only an artist on the roster (or a production manager for them) records attendance");
      const assignment = await trx("production_assignments").where({ item_id: session.item_id, artist_id: artistId }).first();
      if (!assignment) throw new HttpError(404, "assignment_not_found", "the artist is not assigned to this session");
      if (assignment.status !== "confirmed") throw new HttpError(422, "assignment_not_confirmed", "only a confirmed assignment checks in");
      if (session.status !== "scheduled") throw new HttpError(422, "session_cancelled", "the session is cancelled");
      const existing = await trx("production_attendance").where({ session_id: sessionId, artist_id: artistId }).forUpdate().first();
      if (action === "check-in") {
        if (now.getTime() < session.starts_at.getTime() - CHECK_IN_OPENS_MS || now > session.ends_at)
          throw new HttpError(422, "check_in_closed", "check-in is open from 2 hours before the start until the end");
        if (existing) return attendanceDto(existing);
        const [row] = await trx("production_attendance")
          .insert({
            id: newId(),
            company_id: companyId,
            session_id: sessionId,
            artist_id: artistId,
            checked_in_at: now,
            checked_in_by: userId,
            created_by: userId,
            updated_by: userId,
          })
          .returning("*");
        await auditCompanyChange(trx, ctx, { action: "attendance.checked_in", entityType: "attendance", entityId: row.id, companyId, after: row });
        const item = await trx("production_schedule_items").where({ id: session.item_id }).first("kind", "production_id");
        if (item?.kind === "performance") await this.onPerformanceAttended(trx, ctx, companyId, item.production_id, artistId);
        return attendanceDto(row);
      }
      if (!existing) throw new HttpError(422, "not_checked_in", "check in first");
      if (existing.checked_out_at) return attendanceDto(existing);
      const [row] = await trx("production_attendance").where({ id: existing.id }).update({ checked_out_at: now, updated_by: userId }).returning("*");
      await auditCompanyChange(trx, ctx, {
        action: "attendance.checked_out",
        entityType: "attendance",
        entityId: row.id,
        companyId,
        before: existing,
        after: row,
      });
      return attendanceDto(row);
    });
  }
}

function assignmentDto(r: { id: string; item_id: string; artist_id: string; status: "invited" | "confirmed" | "declined"; responded_at: Date | null }) {
  return { id: r.id, itemId: r.item_id, artistId: r.artist_id, status: r.status, respondedAt: r.responded_at?.toISOString() ?? null };
}

function attendanceDto(r: { id: string; session_id: string; artist_id: string; checked_in_at: Date; checked_out_at: Date | null }) {
  return {
    id: r.id,
    sessionId: r.session_id,
    artistId: r.artist_id,
    checkedInAt: r.checked_in_at.toISOString(),
    checkedOutAt: r.checked_out_at?.toISOString() ?? null,
  };
}
