import { z } from "../../http/zod.js";
import { PageQuery } from "../../http/pagination.js";

export const AuditEntry = z
  .object({
    id: z.uuid(),
    createdAt: z.string(),
    actorType: z.string(),
    actorUserId: z.uuid().nullable(),
    actorApiKeyId: z.uuid().nullable(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.uuid().nullable(),
    organizationId: z.uuid().nullable(),
    festivalId: z.uuid().nullable(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
  })
  .openapi("AuditEntry");

export const AuditQuery = PageQuery.extend({
  action: z.string().max(64).optional(),
  entityType: z.string().max(64).optional(),
  entityId: z.uuid().optional(),
  actorUserId: z.uuid().optional(),
  festivalId: z.uuid().optional(),
  organizationId: z.uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export const OrganizationAuditQuery = AuditQuery.omit({ organizationId: true });
