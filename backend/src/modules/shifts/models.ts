import { AuditedModel } from "../audit/audited-model.js";

/** The shifts module's tables (migration 625). */
export const SIGNUP_STATUSES = ["SCHEDULED", "CONFIRMED", "IN_PROGRESS", "COMPLETED", "CANCELLED", "NO_SHOW"] as const;
export type SignupStatus = (typeof SIGNUP_STATUSES)[number];
/** Statuses that hold a place on the shift and the member's time (the same list as migration 625's HOLDING). */
export const HOLDING: readonly SignupStatus[] = ["SCHEDULED", "CONFIRMED", "IN_PROGRESS", "COMPLETED"];

/** How early before its start a shift can be checked in to (online and offline). */
export const EARLY_CHECK_IN_MINUTES = 60;

export class ShiftSettings extends AuditedModel {
  static override tableName = "shift_settings";
  static override idColumn = "edition_id";
  declare edition_id: string;
  declare no_show_limit: number | null;
  declare no_show_grace_minutes: number;
  declare reminder_minutes: number;
}

export const DEFAULT_SETTINGS = { no_show_limit: null, no_show_grace_minutes: 15, reminder_minutes: 60 } as const;

export class Shift extends AuditedModel {
  static override tableName = "shifts";
  declare edition_id: string;
  declare role_id: string;
  declare department_id: string;
  declare zone_id: string | null;
  declare title: string;
  declare starts_at: Date;
  declare ends_at: Date;
  declare needed: number;
  declare signed_up: number;
  declare signup_opens_at: Date | null;
  declare signup_closes_at: Date | null;
  declare leave_cutoff_minutes: number;
  declare status: "scheduled" | "cancelled";
}

export class ShiftSignup extends AuditedModel {
  static override tableName = "shift_signups";
  declare shift_id: string;
  declare member_id: string;
  declare edition_id: string;
  declare starts_at: Date;
  declare ends_at: Date;
  declare status: SignupStatus;
  declare checked_in_at: Date | null;
  declare checked_in_by: string | null;
  declare check_in_source: "kiosk" | "wristband" | "lead" | "offline" | null;
  declare checked_out_at: Date | null;
  declare cancelled_at: Date | null;
  declare no_show_at: Date | null;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

export function shiftDto(r: Pick<Shift, keyof Shift>) {
  return {
    id: r.id,
    editionId: r.edition_id,
    roleId: r.role_id,
    departmentId: r.department_id,
    zoneId: r.zone_id ?? null,
    title: r.title,
    startsAt: iso(r.starts_at)!,
    endsAt: iso(r.ends_at)!,
    needed: r.needed,
    signedUp: r.signed_up,
    signupOpensAt: iso(r.signup_opens_at),
    signupClosesAt: iso(r.signup_closes_at),
    leaveCutoffMinutes: r.leave_cutoff_minutes,
    status: r.status,
  };
}

export function signupDto(r: ShiftSignup) {
  return {
    id: r.id,
    shiftId: r.shift_id,
    memberId: r.member_id,
    editionId: r.edition_id,
    startsAt: iso(r.starts_at)!,
    endsAt: iso(r.ends_at)!,
    status: r.status,
    checkedInAt: iso(r.checked_in_at),
    checkInSource: r.check_in_source ?? null,
    cancelledAt: iso(r.cancelled_at),
    noShowAt: iso(r.no_show_at),
  };
}

export function settingsDto(editionId: string, r: Pick<ShiftSettings, "no_show_limit" | "no_show_grace_minutes" | "reminder_minutes">) {
  return { editionId, noShowLimit: r.no_show_limit ?? null, noShowGraceMinutes: r.no_show_grace_minutes, reminderMinutes: r.reminder_minutes };
}
