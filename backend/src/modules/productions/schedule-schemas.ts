import { z } from "../../http/zod.js";

export const ScheduleKind = z.enum(["rehearsal", "performance", "meeting", "fitting", "photo_call"]);
export const ProductionParams = z.object({ companyId: z.uuid(), productionId: z.uuid() });
export const ItemParams = z.object({ companyId: z.uuid(), itemId: z.uuid() });
export const AssignmentParams = z.object({ companyId: z.uuid(), assignmentId: z.uuid() });
export const SessionParams = z.object({ companyId: z.uuid(), sessionId: z.uuid() });

export const CreateScheduleItemBody = z.strictObject({
  kind: ScheduleKind,
  title: z.string().trim().min(1).max(200),
  location: z.string().trim().max(200).optional(),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  rrule: z
    .string()
    .max(500)
    .optional()
    .openapi({ description: "RFC 5545 recurrence (e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8), expanded in the company's time zone up to the production's end" }),
});
export const ScheduleItem = z
  .object({
    id: z.uuid(),
    productionId: z.uuid(),
    kind: ScheduleKind,
    title: z.string(),
    rrule: z.string().nullable(),
    sessions: z.array(z.object({ id: z.uuid(), startsAt: z.string(), endsAt: z.string() })),
  })
  .openapi("ScheduleItem");
export const Session = z
  .object({
    id: z.uuid(),
    itemId: z.uuid(),
    kind: ScheduleKind,
    title: z.string(),
    location: z.string().nullable(),
    startsAt: z.string(),
    endsAt: z.string(),
    status: z.string(),
  })
  .openapi("ProductionSession");
export const ScheduleQuery = z.object({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() });
export const AssignBody = z.strictObject({ artistId: z.uuid() });
export const Assignment = z
  .object({ id: z.uuid(), itemId: z.uuid(), artistId: z.uuid(), status: z.enum(["invited", "confirmed", "declined"]), respondedAt: z.string().nullable() })
  .openapi("ScheduleAssignment");
export const AttendanceBody = z
  .strictObject({ artistId: z.uuid().optional().openapi({ description: "a production manager recording for an artist" }) })
  .default({});
export const Attendance = z
  .object({ id: z.uuid(), sessionId: z.uuid(), artistId: z.uuid(), checkedInAt: z.string(), checkedOutAt: z.string().nullable() })
  .openapi("Attendance");
