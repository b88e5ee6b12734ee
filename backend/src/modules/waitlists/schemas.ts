import { z } from "../../http/zod.js";

export const WaitlistEntryParams = z.object({ entryId: z.uuid() });
export const WaitlistEntry = z
  .object({
    id: z.uuid(),
    eventId: z.uuid(),
    email: z.string(),
    userId: z.uuid().nullable(),
    status: z.enum(["pending", "confirmed", "cancelled"]),
    createdAt: z.string(),
    confirmedAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
  })
  .openapi("WaitlistEntry");
export const MyWaitlistEntry = WaitlistEntry.extend({
  eventName: z.string(),
  /** 1 = next to be offered a ticket; null until the entry is confirmed. */
  position: z.number().int().nullable(),
}).openapi("MyWaitlistEntry");
export const JoinWaitlistBody = z.strictObject({ email: z.email().max(254) });
export const ConfirmWaitlistBody = z.strictObject({ token: z.string().min(16).max(200) });
export const ListWaitlistQuery = z.object({ status: z.enum(["pending", "confirmed", "cancelled"]).optional() });
