import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError, notFound } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { definedOnly } from "../../http/validate.js";
import { insertAudited, updateAudited } from "../audit/audited-writes.js";
import { recordAudit } from "../audit/service.js";
import type { EditionContext } from "../festivals/models.js";
import { assertEditionAccess, editionContext } from "../festivals/service.js";
import { zoneSummaries } from "../gate/zones.js";
import { MANAGE_STAFF } from "../staff/service.js";
import { activeMemberOfUser, HOLDS_PREREQUISITES_SQL, memberById, missingPrerequisites } from "./directory.js";
import { DEFAULT_SETTINGS, HOLDING, Shift, ShiftSettings, ShiftSignup, settingsDto, shiftDto, signupDto } from "./models.js";
import { cancelShiftReminders, enqueueShiftReminder } from "./reminders.js";
import type { CreateShiftBody, ShiftListQuery, UpdateShiftBody } from "./schemas.js";

/**
 * Shifts of an edition and the sign-ups of its staff.
 *
 * Where each sign-up rule lives (pretix-style: one place decides, the database backs it):
 * - role, prerequisites, sign-up window, shift not started, no-show limit: `signUp` below,
 *   under the shift's row lock, and the same conditions in `eligibleShifts`' SQL;
 * - full: `signUp` (row lock) and ck_shifts_signed_up_within_needed (migration 625), so
 *   concurrent sign-ups for the last place admit exactly one;
 * - overlapping: `signUp` names the shift in the way; ex_shift_signups_no_overlap holds it
 *   against a race between two shifts (each locked on its own row);
 * - leaving after the cut-off: `leave`.
 * Managing shifts needs the access that manages staff (festival manager, scope editions).
 */
const LEAVABLE = new Set(["SCHEDULED", "CONFIRMED"]);

const full = () => new HttpError(409, "shift_full", "every place on this shift is taken");
const overlapping = (conflictingShiftId?: string) =>
  new HttpError(409, "shift_overlaps", "you are signed up for another shift at that time", undefined, conflictingShiftId ? { conflictingShiftId } : undefined);

const SIGNUP_RULES = {
  ck_shifts_signed_up_within_needed: full,
  ex_shift_signups_no_overlap: () => overlapping(),
  uq_shift_signups_shift_member: () => new HttpError(409, "already_signed_up", "you are already signed up for this shift"),
};

const SHIFT_RULES = {
  fk_shifts_role: () =>
    new HttpError(422, "role_not_in_edition", "no staff role with that id in this edition", [{ field: "body.roleId", message: "not a role of this edition" }]),
  fk_shifts_department: () =>
    new HttpError(422, "department_not_in_edition", "no department with that id in this edition", [
      { field: "body.departmentId", message: "not a department of this edition" },
    ]),
  ck_shifts_end_after_start: () =>
    new HttpError(422, "shift_ends_before_start", "a shift ends after it starts", [{ field: "body.endsAt", message: "must be after startsAt" }]),
  ck_shifts_window_order: () =>
    new HttpError(422, "signup_window_reversed", "the sign-up window closes after it opens", [
      { field: "body.signupClosesAt", message: "must be after signupOpensAt" },
    ]),
  ck_shifts_signed_up_within_needed: () =>
    new HttpError(409, "needed_below_signed_up", "more people are signed up than that", [{ field: "body.needed", message: "below the number signed up" }]),
  ex_shift_signups_no_overlap: () => new HttpError(409, "move_overlaps_signups", "moving the shift would overlap another shift of someone signed up for it"),
};

const target = (edition: Pick<EditionContext, "organizationId" | "festivalId">, entityType: string) => ({
  entityType,
  organizationId: edition.organizationId,
  festivalId: edition.festivalId,
});

export class ShiftsService {
  constructor(private readonly db: Knex) {}

  // ------------------------------------------------------------------ settings

  async settingsOf(db: Knex | Knex.Transaction, editionId: string) {
    return (await ShiftSettings.query(db).findById(editionId)) ?? DEFAULT_SETTINGS;
  }

  async getSettings(principal: Principal, editionId: string) {
    await assertEditionAccess(this.db, principal, editionId, { level: "viewer" });
    return settingsDto(editionId, await this.settingsOf(this.db, editionId));
  }

  async putSettings(
    principal: Principal,
    ctx: AuditContext,
    editionId: string,
    body: { noShowLimit?: number | null; noShowGraceMinutes?: number; reminderMinutes?: number },
  ) {
    const edition = await assertEditionAccess(this.db, principal, editionId, MANAGE_STAFF);
    const changes = definedOnly({ no_show_limit: body.noShowLimit, no_show_grace_minutes: body.noShowGraceMinutes, reminder_minutes: body.reminderMinutes });
    return this.db.transaction(async (trx) => {
      const before = await ShiftSettings.query(trx).findById(editionId).forUpdate();
      const [row] = await trx(ShiftSettings.tableName)
        .insert({ edition_id: editionId, ...DEFAULT_SETTINGS, ...changes, created_by: ctx.actorUserId, updated_by: ctx.actorUserId })
        .onConflict("edition_id")
        .merge({ ...changes, updated_by: ctx.actorUserId })
        .returning("*");
      await recordAudit(trx, ctx, {
        ...target(edition, "shift_settings"),
        action: "shift_settings.updated",
        entityId: editionId,
        before: before ?? null,
        after: row,
      });
      return settingsDto(editionId, row);
    });
  }

  // ------------------------------------------------------------------ shifts

  private async assertZoneOfFestival(db: Knex | Knex.Transaction, zoneId: string, festivalId: string) {
    const zone = (await zoneSummaries(db, [zoneId])).get(zoneId);
    if (!zone || zone.festivalId !== festivalId) {
      throw new HttpError(422, "zone_not_in_festival", "no gate zone with that id in this festival", [
        { field: "body.zoneId", message: "not a zone of this festival's events" },
      ]);
    }
  }

  async createShift(principal: Principal, ctx: AuditContext, editionId: string, body: CreateShiftBody) {
    const edition = await assertEditionAccess(this.db, principal, editionId, MANAGE_STAFF);
    if (body.zoneId) await this.assertZoneOfFestival(this.db, body.zoneId, edition.festivalId);
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) =>
          shiftDto(
            await insertAudited(
              trx,
              ctx,
              Shift,
              {
                edition_id: editionId,
                role_id: body.roleId,
                department_id: body.departmentId,
                zone_id: body.zoneId ?? null,
                title: body.title,
                starts_at: new Date(body.startsAt),
                ends_at: new Date(body.endsAt),
                needed: body.needed,
                signup_opens_at: body.signupOpensAt ? new Date(body.signupOpensAt) : null,
                signup_closes_at: body.signupClosesAt ? new Date(body.signupClosesAt) : null,
                leave_cutoff_minutes: body.leaveCutoffMinutes ?? 0,
              },
              target(edition, "shift"),
            ),
          ),
        ),
      SHIFT_RULES,
    );
  }

  /** The shift and its edition after the caller's access check (404 for a shift the caller may not see). */
  private async shiftFor(principal: Principal, shiftId: string, required: Parameters<typeof assertEditionAccess>[3]) {
    const shift = await Shift.query(this.db).findById(shiftId);
    if (!shift) throw notFound("shift", shiftId);
    try {
      return { shift, edition: await assertEditionAccess(this.db, principal, shift.edition_id, required) };
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) throw notFound("shift", shiftId);
      throw error;
    }
  }

  async updateShift(principal: Principal, ctx: AuditContext, shiftId: string, body: UpdateShiftBody) {
    const { edition } = await this.shiftFor(principal, shiftId, MANAGE_STAFF);
    if (body.zoneId) await this.assertZoneOfFestival(this.db, body.zoneId, edition.festivalId);
    const date = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v));
    const changes = definedOnly({
      title: body.title,
      zone_id: body.zoneId,
      starts_at: body.startsAt === undefined ? undefined : new Date(body.startsAt),
      ends_at: body.endsAt === undefined ? undefined : new Date(body.endsAt),
      needed: body.needed,
      signup_opens_at: date(body.signupOpensAt),
      signup_closes_at: date(body.signupClosesAt),
      leave_cutoff_minutes: body.leaveCutoffMinutes,
      status: body.status,
    });
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) => {
          const row = await updateAudited(trx, ctx, Shift, shiftId, changes, target(edition, "shift"));
          if (body.status === "cancelled") {
            // a cancelled shift frees its people's time; those already there stay on record
            const cancelled = await ShiftSignup.query(trx)
              .where({ shift_id: shiftId })
              .whereIn("status", ["SCHEDULED", "CONFIRMED"])
              .patch({ status: "CANCELLED", cancelled_at: new Date(), updated_by: ctx.actorUserId })
              .returning("id");
            await cancelShiftReminders(
              trx,
              cancelled.map((s) => s.id),
            );
          }
          if (body.startsAt !== undefined && body.status !== "cancelled") {
            // the reminders follow the shift (the job key replaces each one's run time)
            const settings = await this.settingsOf(trx, row.edition_id);
            const remindAt = new Date(Math.max(Date.now(), row.starts_at.getTime() - settings.reminder_minutes * 60_000));
            const holding = await ShiftSignup.query(trx).where({ shift_id: shiftId }).whereIn("status", ["SCHEDULED", "CONFIRMED"]).select("id");
            for (const s of holding) await enqueueShiftReminder(trx, s.id, remindAt);
          }
          return shiftDto((await Shift.query(trx).findById(row.id))!);
        }),
      SHIFT_RULES,
    );
  }

  async getShift(principal: Principal, shiftId: string) {
    const shift = await Shift.query(this.db).findById(shiftId);
    if (!shift) throw notFound("shift", shiftId);
    const member = await activeMemberOfUser(this.db, shift.edition_id, principal.userId);
    if (!member) await this.shiftFor(principal, shiftId, { level: "viewer" });
    return shiftDto(shift);
  }

  async listShifts(principal: Principal, editionId: string, query: ShiftListQuery) {
    await assertEditionAccess(this.db, principal, editionId, { level: "viewer" });
    const q = Shift.query(this.db).where({ edition_id: editionId });
    if (query.from) q.where("ends_at", ">", new Date(query.from));
    if (query.departmentId) q.where({ department_id: query.departmentId });
    if (query.zoneId) q.where({ zone_id: query.zoneId });
    return paginate(q.toKnexQuery(), query, { column: "starts_at", order: "asc" }, (row) => shiftDto(Shift.fromDatabaseJson(row)));
  }

  async listSignups(principal: Principal, shiftId: string, page: PageQuery) {
    await this.shiftFor(principal, shiftId, { level: "viewer" });
    const q = ShiftSignup.query(this.db).where({ shift_id: shiftId });
    return paginate(q.toKnexQuery(), page, { column: "created_at", order: "asc" }, (row) => signupDto(ShiftSignup.fromDatabaseJson(row)));
  }

  // ------------------------------------------------------------------ sign-ups

  /** Signs the caller up for a shift; every refusal names its rule (see the class comment for where each lives). */
  async signUp(principal: Principal, ctx: AuditContext, shiftId: string, now = new Date()) {
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) => {
          // the shift row lock: concurrent sign-ups for one shift decide one after the other
          const shift = await Shift.query(trx).findById(shiftId).forUpdate();
          if (!shift) throw notFound("shift", shiftId);
          const member = await activeMemberOfUser(trx, shift.edition_id, principal.userId);
          if (!member) throw notFound("shift", shiftId);
          if (shift.status === "cancelled") throw new HttpError(422, "shift_cancelled", "this shift is cancelled");
          if (member.role_id !== shift.role_id) throw new HttpError(422, "wrong_role", "this shift is for another staff role");
          const missing = await missingPrerequisites(trx, member.id, shift.role_id, shift.ends_at);
          if (missing.length) {
            throw new HttpError(
              422,
              "missing_prerequisite",
              `this shift needs ${missing.map((m) => m.name).join(", ")}, held until it ends`,
              missing.map((m) => ({ field: "prerequisites", message: `${m.code}: not held, or not valid until the shift ends` })),
              { missing: missing.map((m) => m.code) },
            );
          }
          if (shift.starts_at <= now) throw new HttpError(422, "shift_started", "this shift has already started");
          if ((shift.signup_opens_at && now < shift.signup_opens_at) || (shift.signup_closes_at && now >= shift.signup_closes_at)) {
            throw new HttpError(422, "outside_signup_window", "sign-up for this shift is not open now", undefined, {
              signupOpensAt: shift.signup_opens_at?.toISOString() ?? null,
              signupClosesAt: shift.signup_closes_at?.toISOString() ?? null,
            });
          }
          const settings = await this.settingsOf(trx, shift.edition_id);
          if (settings.no_show_limit !== null) {
            const noShows = await noShowCount(trx, member.id);
            if (noShows >= settings.no_show_limit) {
              throw new HttpError(422, "no_show_limit_reached", `you missed ${noShows} shifts: the limit for this edition is ${settings.no_show_limit}`);
            }
          }
          const mine = await ShiftSignup.query(trx)
            .where({ member_id: member.id })
            .whereIn("status", HOLDING)
            .whereRaw("tstzrange(starts_at, ends_at, '[)') && tstzrange(?, ?, '[)')", [shift.starts_at, shift.ends_at])
            .select("shift_id")
            .first();
          if (mine?.shift_id === shiftId) throw SIGNUP_RULES.uq_shift_signups_shift_member();
          if (mine) throw overlapping(mine.shift_id);
          if (shift.signed_up >= shift.needed) throw full();

          const edition = await editionContext(trx, shift.edition_id);
          const signup = await insertAudited(
            trx,
            ctx,
            ShiftSignup,
            { shift_id: shiftId, member_id: member.id },
            {
              entityType: "shift_signup",
              organizationId: edition?.organizationId ?? null,
              festivalId: edition?.festivalId ?? null,
            },
          );
          const remindAt = new Date(Math.max(now.getTime(), shift.starts_at.getTime() - settings.reminder_minutes * 60_000));
          await enqueueShiftReminder(trx, signup.id, remindAt);
          return signupDto(signup);
        }),
      SIGNUP_RULES,
    );
  }

  /** Leaves a shift, until its cut-off before the start. */
  async leave(principal: Principal, ctx: AuditContext, signupId: string, now = new Date()) {
    return this.db.transaction(async (trx) => {
      const signup = await ShiftSignup.query(trx).findById(signupId).forUpdate();
      const member = signup && (await memberById(trx, signup.member_id));
      if (!signup || !member || member.user_id !== principal.userId) throw notFound("shift_signup", signupId);
      if (!LEAVABLE.has(signup.status)) throw new HttpError(422, "signup_not_leavable", `this sign-up is ${signup.status}`);
      const shift = (await Shift.query(trx).findById(signup.shift_id))!;
      const cutoff = new Date(shift.starts_at.getTime() - shift.leave_cutoff_minutes * 60_000);
      if (now >= cutoff) {
        throw new HttpError(422, "leave_cutoff_passed", `leaving this shift was possible until ${cutoff.toISOString()}`, undefined, {
          cutoffAt: cutoff.toISOString(),
        });
      }
      const edition = await editionContext(trx, shift.edition_id);
      const row = await updateAudited(
        trx,
        ctx,
        ShiftSignup,
        signupId,
        { status: "CANCELLED", cancelled_at: now },
        { entityType: "shift_signup", organizationId: edition?.organizationId ?? null, festivalId: edition?.festivalId ?? null },
        "left",
      );
      await cancelShiftReminders(trx, [signupId]);
      return signupDto(row);
    });
  }

  /** The member confirms they will come (SCHEDULED -> CONFIRMED); confirming again changes nothing. */
  async confirm(principal: Principal, ctx: AuditContext, signupId: string) {
    return this.db.transaction(async (trx) => {
      const signup = await ShiftSignup.query(trx).findById(signupId).forUpdate();
      const member = signup && (await memberById(trx, signup.member_id));
      if (!signup || !member || member.user_id !== principal.userId) throw notFound("shift_signup", signupId);
      if (signup.status === "CONFIRMED") return signupDto(signup);
      if (signup.status !== "SCHEDULED") throw new HttpError(422, "signup_not_confirmable", `this sign-up is ${signup.status}`);
      const row = await updateAudited(
        trx,
        ctx,
        ShiftSignup,
        signupId,
        { status: "CONFIRMED" },
        { entityType: "shift_signup", organizationId: null, festivalId: null },
        "confirmed",
      );
      return signupDto(row);
    });
  }

  async mySignups(principal: Principal, editionId: string, page: PageQuery) {
    const member = await activeMemberOfUser(this.db, editionId, principal.userId);
    if (!member) throw new HttpError(404, "not_staff", "you are not staff of this edition");
    const q = ShiftSignup.query(this.db).where({ member_id: member.id });
    return paginate(q.toKnexQuery(), page, { column: "starts_at", order: "asc" }, (row) => signupDto(ShiftSignup.fromDatabaseJson(row)));
  }

  /**
   * Shifts the caller could sign up for now: their role, every prerequisite held until the
   * shift ends, sign-up window open, not started, not full, not overlapping one of their
   * shifts, and their no-show count under the limit. One statement per page.
   */
  async eligibleShifts(principal: Principal, editionId: string, page: PageQuery, now = new Date()) {
    const member = await activeMemberOfUser(this.db, editionId, principal.userId);
    if (!member) throw new HttpError(404, "not_staff", "you are not staff of this edition");
    const settings = await this.settingsOf(this.db, editionId);
    if (settings.no_show_limit !== null && (await noShowCount(this.db, member.id)) >= settings.no_show_limit) return { items: [], nextCursor: null };
    const q = this.db("shifts as s")
      .where({ "s.role_id": member.role_id, "s.status": "scheduled", "s.edition_id": editionId })
      .where("s.starts_at", ">", now)
      .whereRaw("s.signed_up < s.needed")
      .where((w) => w.whereNull("s.signup_opens_at").orWhere("s.signup_opens_at", "<=", now))
      .where((w) => w.whereNull("s.signup_closes_at").orWhere("s.signup_closes_at", ">", now))
      .whereRaw(HOLDS_PREREQUISITES_SQL, [member.id])
      .whereRaw(
        `not exists (select 1 from shift_signups m where m.member_id = ? and m.status in (${HOLDING.map(() => "?").join(", ")})
                       and tstzrange(m.starts_at, m.ends_at, '[)') && tstzrange(s.starts_at, s.ends_at, '[)'))`,
        [member.id, ...HOLDING],
      )
      .select("s.*");
    return paginate(q, page, { column: "s.starts_at", id: "s.id", order: "asc" }, (row: Shift) => shiftDto(row));
  }
}

/** A member's no-shows (over every shift of the edition: a member belongs to one edition). */
export async function noShowCount(db: Knex | Knex.Transaction, memberId: string): Promise<number> {
  const row = await db(ShiftSignup.tableName).where({ member_id: memberId, status: "NO_SHOW" }).count<{ n: string }[]>({ n: "*" });
  return Number(row[0]!.n);
}
