import { z } from "../../http/zod.js";
import { CHANNELS, PURPOSES } from "./consent.js";
import { REQUEST_STATUSES, REQUEST_TYPES } from "./requests.js";

export const Purpose = z.enum(PURPOSES);
export const PurposeParams = z.object({ purpose: Purpose });
export const ConsentRecord = z
  .object({
    id: z.uuid(),
    purpose: Purpose,
    granted: z.boolean(),
    policyVersion: z.string(),
    channel: z.enum(CHANNELS),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    at: z.string(),
  })
  .openapi("ConsentRecord");
export const ConsentState = z
  .object({
    purposes: z.array(
      z.object({
        purpose: Purpose,
        granted: z.boolean(),
        policyVersion: z.string().nullable(),
        at: z.string().nullable(),
        channel: z.enum(CHANNELS).nullable(),
      }),
    ),
  })
  .openapi("ConsentState");
export const GiveConsentBody = z.strictObject({
  purpose: Purpose,
  granted: z.boolean().default(true),
  policyVersion: z.string().min(1).max(64),
  channel: z.enum(CHANNELS).exclude(["request"]).default("web"),
});
export const WithdrawConsentBody = z.strictObject({ channel: z.enum(CHANNELS).exclude(["request"]).default("web") }).optional();

export const RequestParams = z.object({ requestId: z.uuid() });
export const UserParams = z.object({ userId: z.uuid() });
export const RequestType = z.enum(REQUEST_TYPES);
export const RequestStatus = z.enum(REQUEST_STATUSES);
export const PersonalDataRequest = z
  .object({
    id: z.uuid(),
    userId: z.uuid().nullable(),
    type: RequestType,
    status: RequestStatus,
    details: z.record(z.string(), z.unknown()).nullable(),
    dueAt: z.string(),
    overdue: z.boolean(),
    resolution: z.string().nullable(),
    handledBy: z.uuid().nullable(),
    completedAt: z.string().nullable(),
    createdAt: z.string(),
    erasureRunId: z.uuid().nullable(),
  })
  .openapi("PersonalDataRequest");
export const CreateRequestBody = z.strictObject({
  type: RequestType,
  /** For a rectification: what is wrong and what it should say. */
  details: z.record(z.string().max(64), z.string().max(2000)).optional(),
});
export const QueueQuery = z.object({ status: RequestStatus.optional() });
export const DecideRequestBody = z.strictObject({
  status: z.enum(["IN_PROGRESS", "COMPLETED", "REJECTED"]),
  resolution: z.string().min(1).max(2000).optional(),
});

export const ErasureReport = z
  .object({
    run: z.object({
      id: z.uuid(),
      userId: z.uuid(),
      requestId: z.uuid().nullable(),
      status: z.string(),
      leftoverPersonalData: z.number().int().nullable(),
      leftover: z.unknown(),
      startedAt: z.string(),
      completedAt: z.string().nullable(),
    }),
    steps: z.array(
      z.object({
        module: z.string(),
        table: z.string(),
        action: z.string(),
        rows: z.number().int(),
        scrubbed: z.number().int(),
        reason: z.string().nullable(),
        retention: z.string().nullable(),
        doneAt: z.string(),
      }),
    ),
  })
  .openapi("ErasureReport");

export const RetentionRun = z
  .object({
    policy: z.string(),
    module: z.string(),
    cutoff: z.string(),
    removed: z.number().int(),
    kept: z.number().int(),
    note: z.string().nullable(),
    ranAt: z.string(),
  })
  .openapi("RetentionRun");

export const MarketingMailBody = z.strictObject({ subject: z.string().min(1).max(200), body: z.string().min(1).max(20_000) });
export const MarketingMailResult = z.object({ queued: z.number().int(), skippedWithoutConsent: z.number().int() }).openapi("MarketingMailResult");
