import { z } from "../../http/zod.js";

export const ContractStatus = z.enum(["draft", "pending_signature", "active", "completed", "expired", "terminated", "cancelled", "archived"]);
export const CompanyParams = z.object({ companyId: z.uuid() });
export const ContractParams = z.object({ companyId: z.uuid(), contractId: z.uuid() });
export const SignatureParams = z.object({ companyId: z.uuid(), contractId: z.uuid(), requestId: z.uuid() });
export const MilestoneParams = z.object({ companyId: z.uuid(), contractId: z.uuid(), milestoneId: z.uuid() });
export const EventParams = z.object({ companyId: z.uuid(), eventId: z.uuid() });

const Union = z.strictObject({
  name: z.string().trim().min(1).max(120),
  memberNumber: z.string().trim().max(64).optional(),
  minimumRateMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
const Terms = {
  feeMinor: z.number().int().max(Number.MAX_SAFE_INTEGER).openapi({ description: "the fixed fee, > 0" }),
  currency: z.string().regex(/^[A-Z]{3}$/),
  startsOn: z.iso.date(),
  endsOn: z.iso.date(),
  terms: z.record(z.string(), z.union([z.string().max(2000), z.number(), z.boolean()])).optional(),
  union: Union.nullable().optional(),
  document: z.base64().max(700_000).openapi({ description: "the contract document (base64); its SHA-256 is kept with the version" }),
};

export const Version = z
  .object({
    version: z.number(),
    feeMinor: z.string(),
    currency: z.string(),
    startsOn: z.string(),
    endsOn: z.string(),
    terms: z.record(z.string(), z.unknown()),
    union: z.object({ name: z.string(), memberNumber: z.string().nullable(), minimumRateMinor: z.string().nullable() }).nullable(),
    documentSha256: z.string(),
    amendmentReason: z.string().nullable(),
    termDiff: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })).nullable(),
    signedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("ArtistContractVersion");

export const Milestone = z
  .object({ id: z.uuid(), label: z.string(), dueOn: z.string(), amountMinor: z.string(), status: z.string(), paidAt: z.string().nullable() })
  .openapi("ContractMilestone");

export const SignatureRequest = z
  .object({ id: z.uuid(), version: z.number(), provider: z.string(), envelopeId: z.string(), status: z.string(), completedAt: z.string().nullable() })
  .openapi("SignatureRequest");

export const Contract = z
  .object({
    id: z.uuid(),
    number: z.string(),
    artistId: z.uuid(),
    productionId: z.uuid(),
    status: ContractStatus,
    currentVersion: z.number(),
    signedVersion: z.number().nullable(),
    engagementId: z.uuid().nullable(),
    payeeAddress: z.string().nullable(),
    performance: z
      .object({
        status: z.enum(["pending", "confirmed", "cancelled"]),
        decidedAt: z.string().nullable(),
        chain: z
          .array(
            z.object({
              action: z.enum(["confirm", "cancel"]),
              status: z.string().openapi({ description: "queued, sent, mined, already_done or failed" }),
              splitAddress: z.string().nullable(),
              txHash: z.string().nullable(),
              error: z.string().nullable(),
            }),
          )
          .optional()
          .openapi({ description: "the confirmPerformance / cancelPerformance sent to the event's revenue split (contracts with a payee and an engagement)" }),
      })
      .openapi({ description: "paid on performance: confirmed by the artist's check-in at a performance session, or by a production manager" }),
    versions: z.array(Version),
    milestones: z.array(Milestone),
    signatureRequests: z.array(SignatureRequest),
    createdAt: z.string(),
  })
  .openapi("ArtistContract");

export const CreateContractBody = z.strictObject({
  artistId: z.uuid(),
  productionId: z.uuid(),
  number: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9/_-]{0,39}$/)
    .optional(),
  engagementId: z.uuid().optional().openapi({ description: "the performance on a festival schedule this contract is for" }),
  payeeAddress: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional()
    .openapi({ description: "the artist's payee address in the event's revenue split" }),
  milestones: z
    .array(z.strictObject({ label: z.string().trim().min(1).max(200), dueOn: z.iso.date(), amountMinor: z.number().int().positive() }))
    .max(50)
    .default([]),
  ...Terms,
});
export const AmendBody = z.strictObject({
  basedOnVersion: z.number().int().min(1),
  reason: z.string().trim().min(1).max(1000),
  feeMinor: Terms.feeMinor.optional(),
  currency: Terms.currency.optional(),
  startsOn: Terms.startsOn.optional(),
  endsOn: Terms.endsOn.optional(),
  terms: Terms.terms,
  union: Terms.union,
  document: Terms.document,
});
export const SendBody = z.strictObject({
  version: z.number().int().min(1),
  provider: z.enum(["manual", "docusign", "dropbox_sign"]).default("manual"),
  document: Terms.document
    .optional()
    .openapi({ description: "docusign / dropbox_sign: the version's document (base64), sent to the provider; its SHA-256 must be the version's" }),
});
export const StatusBody = z.strictObject({
  status: z.enum(["completed", "expired", "terminated", "cancelled", "archived"]),
  reason: z.string().max(500).optional(),
});
export const ContractListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(400).optional(),
  status: ContractStatus.optional(),
});
export const WebhookEvent = z
  .object({ id: z.uuid(), provider: z.string(), eventType: z.string(), envelopeId: z.string(), outcome: z.string().nullable(), receivedAt: z.string() })
  .openapi("SignatureWebhookEvent");
export const PerformanceBody = z.strictObject({ outcome: z.enum(["confirmed", "cancelled"]) });
