import { z } from "../../http/zod.js";
import { TimeInput } from "../festivals/schemas.js";

export const TimeSlotParams = z.object({ slotId: z.uuid() });
export const EngagementParams = z.object({ engagementId: z.uuid() });
export const VersionParams = z.object({ editionId: z.uuid(), number: z.coerce.number().int().positive() });

const Performance = z.object({
  engagementId: z.uuid(),
  artistId: z.uuid(),
  artistName: z.string(),
  genre: z.string().nullable(),
  status: z.enum(["scheduled", "cancelled"]),
});

export const TimeSlot = z
  .object({
    id: z.uuid(),
    editionId: z.uuid(),
    stageId: z.uuid(),
    kind: z.enum(["performance", "changeover"]),
    title: z.string().nullable(),
    startsAt: z.string().openapi({ description: "UTC" }),
    startsAtLocal: z.string().openapi({ description: "the edition's wall clock with its offset" }),
    endsAt: z.string(),
    endsAtLocal: z.string(),
    performances: z.array(Performance),
  })
  .openapi("TimeSlot");

export const CreateTimeSlotBody = z.strictObject({
  stageId: z.uuid(),
  startsAt: TimeInput,
  endsAt: TimeInput,
  kind: z.enum(["performance", "changeover"]).optional(),
  title: z.string().trim().min(1).max(200).nullable().optional(),
});
export const UpdateTimeSlotBody = CreateTimeSlotBody.partial();
export const ListTimeSlotsQuery = z.object({ stageId: z.uuid().optional() });

export const Engagement = z
  .object({
    id: z.uuid(),
    timeSlotId: z.uuid(),
    artistId: z.uuid(),
    status: z.enum(["scheduled", "cancelled"]),
    notes: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Engagement");
export const CreateEngagementBody = z.strictObject({ artistId: z.uuid(), notes: z.string().max(2000).nullable().optional() });
export const UpdateEngagementBody = z.strictObject({
  timeSlotId: z.uuid().optional().openapi({ description: "move the performance to another slot" }),
  status: z.enum(["scheduled", "cancelled"]).optional(),
  notes: z.string().max(2000).nullable().optional(),
});

const Place = z.object({
  stageId: z.uuid(),
  stageName: z.string(),
  startsAt: z.string(),
  startsAtLocal: z.string(),
  endsAt: z.string(),
  endsAtLocal: z.string(),
});
const DiffItem = z.object({ engagementId: z.uuid(), artistId: z.uuid(), artistName: z.string(), from: Place.nullable(), to: Place.nullable() });
export const ScheduleDiff = z.object({ added: z.array(DiffItem), moved: z.array(DiffItem), cancelled: z.array(DiffItem) }).openapi("ScheduleDiff");

export const ScheduleVersionSummary = z
  .object({
    id: z.uuid(),
    number: z.number().int(),
    publishedAt: z.string(),
    notes: z.string().nullable(),
    etag: z.string(),
    changes: z.object({ added: z.number().int(), moved: z.number().int(), cancelled: z.number().int() }),
  })
  .openapi("ScheduleVersionSummary");

export const ScheduleDocument = z
  .object({
    edition: z.object({
      id: z.uuid(),
      festivalId: z.uuid(),
      festivalName: z.string(),
      name: z.string(),
      timezone: z.string(),
      startsAt: z.string(),
      startsAtLocal: z.string(),
      endsAt: z.string(),
      endsAtLocal: z.string(),
    }),
    version: z.object({ number: z.number().int(), publishedAt: z.string(), notes: z.string().nullable() }).nullable(),
    stages: z.array(z.object({ id: z.uuid(), name: z.string(), sortOrder: z.number().int(), venueId: z.uuid(), venueName: z.string() })),
    slots: z.array(TimeSlot.omit({ editionId: true })),
  })
  .openapi("ScheduleDocument");

export const ScheduleDraft = z
  .object({
    draft: z.object({ id: z.uuid(), startedAt: z.string() }).nullable(),
    latestVersion: z.number().int().nullable(),
    document: ScheduleDocument,
    pendingChanges: ScheduleDiff,
  })
  .openapi("ScheduleDraft");

export const PublishBody = z.strictObject({ notes: z.string().max(2000).optional() });
export const PublishResult = ScheduleVersionSummary.extend({ diff: ScheduleDiff, notificationsQueued: z.boolean() }).openapi("PublishResult");

export type CreateTimeSlotBody = z.output<typeof CreateTimeSlotBody>;
export type UpdateTimeSlotBody = z.output<typeof UpdateTimeSlotBody>;
export type CreateEngagementBody = z.output<typeof CreateEngagementBody>;
export type UpdateEngagementBody = z.output<typeof UpdateEngagementBody>;
export type ScheduleDocument = z.output<typeof ScheduleDocument>;
export type ScheduleDiff = z.output<typeof ScheduleDiff>;
