import type { RouteDeps } from "../../http/route-deps.js";
import { requireAuth, requirePermission } from "../../http/auth.js";
import { pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import { z } from "../../http/zod.js";
import { queryAudit, queryOrganizationAudit, type AssertOrganizationOwner } from "./queries.js";
import { AuditEntry, AuditQuery, OrganizationAuditQuery } from "./schemas.js";

export function auditRoutes(api: ApiRouter, { db, assertOrganizationOwner }: RouteDeps & { assertOrganizationOwner: AssertOrganizationOwner }): void {
  const tags = ["audit"];
  api.route({
    method: "get",
    path: "/api/v1/audit",
    tags,
    summary: "The audit trail (platform admins)",
    access: requirePermission("audit.read", "all"),
    query: AuditQuery,
    response: pageOf(AuditEntry),
    handler: ({ query }) => queryAudit(db, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/organizations/{organizationId}/audit",
    tags,
    summary: "The audit trail of an organization (its owners)",
    access: requireAuth,
    params: z.object({ organizationId: z.uuid() }),
    query: OrganizationAuditQuery,
    response: pageOf(AuditEntry),
    handler: ({ principal, params, query }) => queryOrganizationAudit(db, principal, params.organizationId, query, assertOrganizationOwner),
  });
}
