import { z } from "../../http/zod.js";
import { PageQuery } from "../../http/pagination.js";
import { SIGNUP_STATUSES } from "./models.js";

export const ShiftEditionParams = z.object({ editionId: z.uuid() });
export const ShiftParams = z.object({ shiftId: z.uuid() });
export const SignupParams = z.object({ signupId: z.uuid() });

const Instant = z.iso.datetime({ offset: true }).openapi({ example: "2025-07-04T10:00:00+02:00" });

export const Shift = z
  .object({
    id: z.uuid(),
    editionId: z.uuid(),
    roleId: z.uuid(),
    departmentId: z.uuid(),
    zoneId: z.uuid().nullable().openapi({ description: "a gate zone (gate_zones id), if the shift is at one" }),
    title: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    needed: z.number().int(),
    signedUp: z.number().int(),
    signupOpensAt: z.string().nullable(),
    signupClosesAt: z.string().nullable(),
    leaveCutoffMinutes: z.number().int(),
    status: z.enum(["scheduled", "cancelled"]),
  })
  .openapi("Shift");

const ShiftFields = z.strictObject({
  roleId: z.uuid(),
  departmentId: z.uuid(),
  zoneId: z.uuid().nullable().optional(),
  title: z.string().trim().min(1).max(200),
  startsAt: Instant,
  endsAt: Instant,
  needed: z.number().int().min(1).max(10_000),
  signupOpensAt: Instant.nullable().optional(),
  signupClosesAt: Instant.nullable().optional(),
  leaveCutoffMinutes: z.number().int().min(0).max(43_200).optional(),
});
export const CreateShiftBody = ShiftFields.refine((v) => Date.parse(v.endsAt) > Date.parse(v.startsAt), {
  message: "must be after startsAt",
  path: ["endsAt"],
});
export const UpdateShiftBody = ShiftFields.omit({ roleId: true, departmentId: true })
  .extend({ status: z.enum(["scheduled", "cancelled"]) })
  .partial();

export const ShiftListQuery = PageQuery.extend({
  from: Instant.optional(),
  departmentId: z.uuid().optional(),
  zoneId: z.uuid().optional(),
});

export const Signup = z
  .object({
    id: z.uuid(),
    shiftId: z.uuid(),
    memberId: z.uuid(),
    editionId: z.uuid(),
    startsAt: z.string(),
    endsAt: z.string(),
    status: z.enum(SIGNUP_STATUSES),
    checkedInAt: z.string().nullable(),
    checkInSource: z.enum(["kiosk", "wristband", "lead", "offline"]).nullable(),
    cancelledAt: z.string().nullable(),
    noShowAt: z.string().nullable(),
  })
  .openapi("ShiftSignup");

export const Settings = z
  .object({ editionId: z.uuid(), noShowLimit: z.number().int().nullable(), noShowGraceMinutes: z.number().int(), reminderMinutes: z.number().int() })
  .openapi("ShiftSettings");
export const UpdateSettingsBody = z
  .strictObject({
    noShowLimit: z.number().int().min(1).max(100).nullable(),
    noShowGraceMinutes: z.number().int().min(0).max(1440),
    reminderMinutes: z.number().int().min(0).max(10_080),
  })
  .partial();

export const CheckInBody = z
  .strictObject({
    badge: z.string().min(10).max(200).optional().openapi({ description: "the badge's QR payload (kiosk)" }),
    memberId: z.uuid().optional().openapi({ description: "the member, picked by a shift lead" }),
    wristband: z
      .string()
      .regex(/^[0-9A-Fa-f]{8,32}$/, "an NFC tag id: 8 to 32 hex digits")
      .optional()
      .openapi({ description: "the NFC tag id of the member's cashless wristband for this edition (kiosk)" }),
    shiftId: z.uuid().optional().openapi({ description: "which shift, when the member has several now" }),
  })
  .refine((v) => [v.badge, v.memberId, v.wristband].filter((x) => x !== undefined).length === 1, {
    message: "give exactly one of badge, wristband and memberId",
    path: ["badge"],
  });

export const CheckInResult = z
  .object({
    verdict: z.enum(["checked_in", "already_checked_in"]),
    signup: Signup,
    shift: z.object({ id: z.uuid(), title: z.string(), startsAt: z.string(), endsAt: z.string() }),
  })
  .openapi("ShiftCheckInResult");

export const KioskSnapshot = z
  .object({ algorithm: z.literal("Ed25519"), publicKey: z.string(), data: z.string(), signature: z.string() })
  .openapi("ShiftKioskSnapshot", {
    description: "data: base64url JSON (members' badge hashes and their sign-ups), signed Ed25519 with the gate's snapshot key",
  });
export const OfflineUploadBody = z.strictObject({
  deviceId: z.string().trim().min(1).max(100),
  scans: z
    .array(z.strictObject({ signupId: z.uuid(), scannedAt: Instant }))
    .min(1)
    .max(1000),
});
export const OfflineUploadResult = z
  .object({ deviceId: z.string(), results: z.array(z.object({ signupId: z.uuid(), result: z.enum(["checked_in", "already_checked_in", "refused"]) })) })
  .openapi("ShiftOfflineUploadResult");

export const CoverageQuery = z.object({ at: Instant.optional() });
export const CoverageRow = z.object({
  zoneId: z.uuid().nullable(),
  departmentId: z.uuid(),
  shifts: z.number().int(),
  needed: z.number().int(),
  signedUp: z.number().int(),
  present: z.number().int(),
  zone: z
    .object({ code: z.string(), name: z.string(), capacity: z.number().int().nullable(), occupancy: z.number().int() })
    .nullable()
    .openapi({ description: "the gate's live view of the zone" }),
});
export const Coverage = z.object({ editionId: z.uuid(), at: z.string(), rows: z.array(CoverageRow) }).openapi("ShiftCoverage");

export type CreateShiftBody = z.output<typeof CreateShiftBody>;
export type UpdateShiftBody = z.output<typeof UpdateShiftBody>;
export type ShiftListQuery = z.output<typeof ShiftListQuery>;
export type CheckInBody = z.output<typeof CheckInBody>;
