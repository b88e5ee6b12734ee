import { z } from "../../http/zod.js";

export const PersonalScheduleParams = z.object({ editionId: z.uuid() });
export const PersonalEntryParams = z.object({ editionId: z.uuid(), engagementId: z.uuid() });

export const PersonalEntry = z
  .object({
    engagementId: z.uuid(),
    artistId: z.uuid().nullable(),
    artistName: z.string().nullable(),
    stageId: z.uuid().nullable(),
    stageName: z.string().nullable(),
    venueName: z.string().nullable(),
    startsAt: z.string().nullable(),
    startsAtLocal: z.string().nullable(),
    endsAt: z.string().nullable(),
    endsAtLocal: z.string().nullable(),
    status: z.enum(["scheduled", "cancelled"]).openapi({ description: "cancelled: cancelled or no longer in the published schedule" }),
    addedAt: z.string(),
  })
  .openapi("PersonalEntry");

export const Clash = z
  .object({ engagementIds: z.tuple([z.uuid(), z.uuid()]), overlapMinutes: z.number().int(), from: z.string(), fromLocal: z.string() })
  .openapi("Clash");

export const PersonalSchedule = z
  .object({
    editionId: z.uuid(),
    timezone: z.string(),
    scheduleVersion: z.number().int(),
    entries: z.array(PersonalEntry),
    clashes: z.array(Clash),
  })
  .openapi("PersonalSchedule");
