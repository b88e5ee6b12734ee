import type { Knex } from "knex";
import { LRUCache } from "lru-cache";
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
const OPERATOR_CACHE_MS = 10_000;

interface ShiftColumns {
  shift_title: string;
  shift_starts_at: Date;
  shift_ends_at: Date;
}

export class ShiftCheckIns {
  private readonly operators = new LRUCache<string, true>({ max: 10_000, ttl: OPERATOR_CACHE_MS });

  constructor(
    private readonly db: Knex,
    private readonly badges: { decode(payload: string): string | null; encode(memberId: string): string },
    private readonly snapshotSigner: SnapshotSigner,
    /** The user wearing an edition's active wristband (the cashless module's), or null. */
    private readonly bandHolder: (editionId: string, tagId: string) => Promise<string | null>,
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

  /**
   * Who may operate a kiosk or check others in. Cached per (caller, edition) for OPERATOR_CACHE_MS
   * on the check-in hot path: a lead removed, or a grant taken away, stops working within that.
   */
  private async assertOperator(principal: Principal, editionId: string): Promise<void> {
    const key = `${principal.userId}:${principal.apiKeyId ?? ""}:${editionId}`;
    if (this.operators.get(key)) return;
    const self = await activeMemberOfUser(this.db, editionId, principal.userId);
    if (!self?.is_lead) await assertEditionAccess(this.db, principal, editionId, MANAGE_STAFF);
    this.operators.set(key, true);
  }

  async checkIn(principal: Principal, ctx: AuditContext, editionId: string, body: CheckInBody) {
    const source = body.badge !== undefined ? "kiosk" : body.wristband !== undefined ? "wristband" : "lead";
    if (body.wristband !== undefined) {
      const [, holder] = await Promise.all([this.assertOperator(principal, editionId), this.bandHolder(editionId, body.wristband)]);
      const wearer = holder ? await activeMemberOfUser(this.db, editionId, holder) : undefined;
      if (!wearer)
        throw new HttpError(404, "wristband_not_staff", "no staff member of this edition wears an active wristband with this tag", [
          { field: "body.wristband", message: "not a staff member's band" },
        ]);
      return this.checkInMember(principal, ctx, wearer.id, source, body.shiftId);
    }
    const memberId = body.badge !== undefined ? this.badges.decode(body.badge) : body.memberId!;
    const [, member] = await Promise.all([this.assertOperator(principal, editionId), memberId ? memberById(this.db, memberId) : undefined]);
    if (!memberId)
      throw new HttpError(422, "badge_not_recognised", "this is not a staff badge of this platform", [{ field: "body.badge", message: "not a badge" }]);
    if (!member || member.edition_id !== editionId) throw new HttpError(404, "staff_member_not_found", "no such staff member in this edition");
    if (member.status !== "active") throw new HttpError(422, "staff_member_removed", "this person is no longer staff of this edition");
    return this.checkInMember(principal, ctx, memberId, source, body.shiftId);
  }

  /** The one statement that decides a check-in (see the class comment). */
  private checkInMember(principal: Principal, ctx: AuditContext, memberId: string, source: "kiosk" | "wristband" | "lead", shiftId: string | undefined) {
    const body = { shiftId };
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) => {
          // one statement: the check-in and the shift it is for
          const { rows } = await trx.raw<{ rows: Array<ShiftSignup & ShiftColumns> }>(
            `with u as (
               update shift_signups set status = 'IN_PROGRESS', checked_in_at = now(), checked_in_by = ?, check_in_source = ?, no_show_at = null
                where id = (select id from shift_signups
                             where member_id = ? and status in ('SCHEDULED', 'CONFIRMED', 'NO_SHOW')
                               and starts_at - make_interval(mins => ?) <= now() and ends_at > now()
                               ${body.shiftId ? "and shift_id = ?" : ""}
                             order by starts_at limit 1 for update)
                returning *)
             select u.*, s.title as shift_title, s.starts_at as shift_starts_at, s.ends_at as shift_ends_at from u join shifts s on s.id = u.shift_id`,
            [principal.userId, source, memberId, EARLY_CHECK_IN_MINUTES, ...(body.shiftId ? [body.shiftId] : [])],
          );
          let signup = rows[0];
          let verdict: "checked_in" | "already_checked_in" = "checked_in";
          if (signup) {
            await recordAudit(trx, ctx, { action: "shift_signup.checked_in", entityType: "shift_signup", entityId: signup.id, after: { source, memberId } });
          } else {
            const q = trx("shift_signups as su")
              .join("shifts as s", "s.id", "su.shift_id")
              .where({ "su.member_id": memberId, "su.status": "IN_PROGRESS" })
              .where("su.ends_at", ">", trx.fn.now())
              .select("su.*", "s.title as shift_title", "s.starts_at as shift_starts_at", "s.ends_at as shift_ends_at");
            if (body.shiftId) q.where({ "su.shift_id": body.shiftId });
            signup = await q.orderBy("su.starts_at").first();
            if (!signup) {
              throw new HttpError(422, "no_shift_now", `this member has no shift starting within ${EARLY_CHECK_IN_MINUTES} minutes or under way`);
            }
            verdict = "already_checked_in";
          }
          const { shift_title, shift_starts_at, shift_ends_at, ...row } = signup;
          return {
            verdict,
            signup: signupDto(ShiftSignup.fromDatabaseJson(row)),
            shift: { id: row.shift_id, title: shift_title, startsAt: shift_starts_at.toISOString(), endsAt: shift_ends_at.toISOString() },
          };
        }),
      {
        ck_shifts_signed_up_within_needed: () => new HttpError(409, "shift_full", "this member was marked a no-show and the place has gone to someone else"),
        ex_shift_signups_no_overlap: () => new HttpError(409, "shift_overlaps", "this member is checked in to another shift at that time"),
      },
    );
  }
}
