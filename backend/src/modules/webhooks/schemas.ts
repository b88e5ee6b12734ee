import { z } from "../../http/zod.js";
import { WEBHOOK_EVENT_TYPES } from "./event-types.js";

export const EndpointParams = z.object({ endpointId: z.uuid() });
export const DeliveryParams = z.object({ endpointId: z.uuid(), deliveryId: z.uuid() });
export const MessageParams = z.object({ endpointId: z.uuid(), messageId: z.uuid() });

const EventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, "lists an event type twice");
const Url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2000);

export const CreateEndpointBody = z.strictObject({ url: Url, description: z.string().trim().max(500).optional(), eventTypes: EventTypes });
export const UpdateEndpointBody = z
  .strictObject({
    url: Url.optional(),
    description: z.string().trim().max(500).optional(),
    eventTypes: EventTypes.optional(),
    enabled: z.boolean().optional().describe("true enables a disabled endpoint again (its failure streak starts over); false disables it"),
  })
  .refine((b) => Object.keys(b).length > 0, "nothing to change");
export const RotateSecretBody = z.strictObject({
  graceHours: z.number().int().min(0).max(168).default(24).describe("how long the previous secret keeps signing beside the new one"),
});
export const ReplayRangeBody = z
  .strictObject({
    since: z.iso.datetime({ offset: true }),
    until: z.iso.datetime({ offset: true }).optional(),
    onlyFailed: z.boolean().default(true).describe("false replays every delivery of the range, delivered or not"),
  })
  .refine((b) => !b.until || Date.parse(b.until) > Date.parse(b.since), { path: ["until"], message: "must be after since" });
export const ListDeliveriesQuery = z.object({ status: z.enum(["pending", "succeeded", "failed"]).optional() });

export const WebhookEndpoint = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.string()),
    enabled: z.boolean(),
    disabledAt: z.string().nullable(),
    disabledReason: z.string().nullable(),
    failingSince: z.string().nullable(),
    previousSecretExpiresAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("WebhookEndpoint");
export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().describe("the whsec_ signing secret: shown once, store it now"),
}).openapi("WebhookEndpointWithSecret");
export const WebhookDelivery = z
  .object({
    id: z.uuid(),
    messageId: z.uuid(),
    webhookId: z.string(),
    eventType: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastResponseStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    succeededAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("WebhookDelivery");
export const WebhookAttempt = z
  .object({
    attempt: z.number().int(),
    startedAt: z.string(),
    durationMs: z.number().int(),
    responseStatus: z.number().int().nullable(),
    responseExcerpt: z.string().nullable(),
    error: z.string().nullable(),
  })
  .openapi("WebhookAttempt");
export const ReplayResult = z.object({ replayed: z.number().int() }).openapi("WebhookReplayResult");
export const EventTypeList = z.object({ items: z.array(z.string()) });
