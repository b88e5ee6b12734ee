import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError } from "../../http/errors.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { recordAudit } from "../audit/service.js";
import { assertEditionAccess } from "../festivals/service.js";
import { MANAGE_STAFF } from "../staff/service.js";
import { activeMemberOfUser, memberById } from "./directory.js";
import { EARLY_CHECK_IN_MINUTES, ShiftSignup, signupDto } from "./models.js";
import type { CheckInBody } from "./schemas.js";
import type { SnapshotSigner } from "../gate/keys.js";
import { buildKioskSnapshot, uploadOfflineCheckIns } from "./offline.js";

/**
 * Shift check-in: at a kiosk by the badge's QR code, or by a shift lead picking the member.
 * Who operates: a staff member of the edition whose role is a lead role, or a festival manager
 * (the access that manages staff). One conditional UPDATE decides, so two kiosks scanning the
 * same badge check in once; a scan resent after success answers `already_checked_in`.
 * A member marked NO_SHOW who turns up before the shift ends is checked in all the same (the
 * no-show is taken back); if the place went to someone else meanwhile, 409 shift_full.
 */
export class ShiftCheckIns {
  constructor(
    private readonly db: Knex,
    private readonly badges: { decode(payload: string): string | null; encode(memberId: string): string },
    private readonly snapshotSigner: SnapshotSigner,
  ) {}

  /** A signed snapshot for an offline kiosk (offline.ts). */
  async snapshot(principal: Principal, editionId: string) {
    await this.assertOperator(principal, editionId);
    return buildKioskSnapshot(this.db, this.snapshotSigner, this.badges, editionId);
  }

  /** An offline kiosk's scans, uploaded once it is back online (offline.ts). */
  async uploadOffline(
    principal: Principal,
    ctx: AuditContext,
    editionId: string,
    body: { deviceId: string; scans: Array<{ signupId: string; scannedAt: string }> },
  ) {
    await this.assertOperator(principal, editionId);
    return uploadOfflineCheckIns(this.db, principal, ctx, editionId, body);
  }

  private async assertOperator(principal: Principal, editionId: string): Promise<void> {
    const self = await activeMemberOfUser(this.db, editionId, principal.userId);
    if (self?.is_lead) return;
    await assertEditionAccess(this.db, principal, editionId, MANAGE_STAFF);
  }

  async checkIn(principal: Principal, ctx: AuditContext, editionId: string, body: CheckInBody) {
    await this.assertOperator(principal, editionId);
    const source = body.badge !== undefined ? "kiosk" : "lead";
    const memberId = body.badge !== undefined ? this.badges.decode(body.badge) : body.memberId!;
    if (!memberId)
      throw new HttpError(422, "badge_not_recognised", "this is not a staff badge of this platform", [{ field: "body.badge", message: "not a badge" }]);
    const member = await memberById(this.db, memberId);
    if (!member || member.edition_id !== editionId) throw new HttpError(404, "staff_member_not_found", "no such staff member in this edition");
    if (member.status !== "active") throw new HttpError(422, "staff_member_removed", "this person is no longer staff of this edition");

    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) => {
          const { rows } = await trx.raw<{ rows: ShiftSignup[] }>(
            `update shift_signups set status = 'IN_PROGRESS', checked_in_at = now(), checked_in_by = ?, check_in_source = ?, no_show_at = null
              where id = (select id from shift_signups
                           where member_id = ? and status in ('SCHEDULED', 'CONFIRMED', 'NO_SHOW')
                             and starts_at - make_interval(mins => ?) <= now() and ends_at > now()
                             ${body.shiftId ? "and shift_id = ?" : ""}
                           order by starts_at limit 1 for update)
              returning *`,
            [principal.userId, source, memberId, EARLY_CHECK_IN_MINUTES, ...(body.shiftId ? [body.shiftId] : [])],
          );
          let signup = rows[0];
          let verdict: "checked_in" | "already_checked_in" = "checked_in";
          if (signup) {
            await recordAudit(trx, ctx, { action: "shift_signup.checked_in", entityType: "shift_signup", entityId: signup.id, after: { source, memberId } });
          } else {
            const q = trx(ShiftSignup.tableName).where({ member_id: memberId, status: "IN_PROGRESS" }).where("ends_at", ">", trx.fn.now());
            if (body.shiftId) q.where({ shift_id: body.shiftId });
            signup = await q.orderBy("starts_at").first();
            if (!signup) {
              throw new HttpError(422, "no_shift_now", `this member has no shift starting within ${EARLY_CHECK_IN_MINUTES} minutes or under way`);
            }
            verdict = "already_checked_in";
          }
          const shift: { id: string; title: string; starts_at: Date; ends_at: Date } = await trx("shifts")
            .where({ id: signup.shift_id })
            .first("id", "title", "starts_at", "ends_at");
          return {
            verdict,
            signup: signupDto(ShiftSignup.fromDatabaseJson(signup)),
            shift: { id: shift.id, title: shift.title, startsAt: shift.starts_at.toISOString(), endsAt: shift.ends_at.toISOString() },
          };
        }),
      {
        ck_shifts_signed_up_within_needed: () => new HttpError(409, "shift_full", "this member was marked a no-show and the place has gone to someone else"),
        ex_shift_signups_no_overlap: () => new HttpError(409, "shift_overlaps", "this member is checked in to another shift at that time"),
      },
    );
  }
}
