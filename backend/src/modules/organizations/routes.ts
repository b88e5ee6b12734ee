import type { RouteDeps } from "../../http/route-deps.js";
import { requireApiScope, requireAuth } from "../../http/auth.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import * as s from "./schemas.js";
import { OrganizationService } from "./service.js";

export function organizationRoutes(api: ApiRouter, { db, box }: RouteDeps): void {
  const organizations = new OrganizationService(db, box);
  const tags = ["organizations"];
  api.route({
    method: "post",
    path: "/api/v1/organizations",
    tags,
    summary: "Create an organization (you become its owner)",
    access: requireAuth,
    body: s.CreateOrganizationBody,
    response: s.Organization,
    handler: ({ principal, audit, body }) => organizations.create(principal, audit, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/organizations",
    tags,
    summary: "Organizations you belong to",
    access: requireApiScope("organizations:read"),
    query: PageQuery,
    response: pageOf(s.Organization),
    handler: ({ principal, query }) => organizations.listMine(principal, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/organizations/{organizationId}",
    tags,
    summary: "Read an organization (members)",
    access: requireApiScope("organizations:read"),
    params: s.OrganizationIdParams,
    response: s.Organization,
    handler: ({ principal, params }) => organizations.get(principal, params.organizationId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/organizations/{organizationId}",
    tags,
    summary: "Change an organization (admins)",
    access: requireAuth,
    params: s.OrganizationIdParams,
    body: s.UpdateOrganizationBody,
    response: s.Organization,
    handler: ({ principal, audit, params, body }) => organizations.update(principal, audit, params.organizationId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/organizations/{organizationId}/members",
    tags,
    summary: "Members of an organization",
    access: requireApiScope("organizations:read"),
    params: s.OrganizationIdParams,
    query: PageQuery,
    response: pageOf(s.Member),
    handler: ({ principal, params, query }) => organizations.listMembers(principal, params.organizationId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/organizations/{organizationId}/members",
    tags,
    summary: "Add a member (admins; owners add owners)",
    access: requireAuth,
    params: s.OrganizationIdParams,
    body: s.AddMemberBody,
    response: s.Member,
    handler: ({ principal, audit, params, body }) => organizations.addMember(principal, audit, params.organizationId, body),
  });
  api.route({
    method: "patch",
    path: "/api/v1/organizations/{organizationId}/members/{memberId}",
    tags,
    summary: "Change a member's role",
    access: requireAuth,
    params: s.MemberParams,
    body: s.UpdateMemberBody,
    response: s.Member,
    handler: ({ principal, audit, params, body }) => organizations.updateMember(principal, audit, params.organizationId, params.memberId, body.role),
  });
  api.route({
    method: "delete",
    path: "/api/v1/organizations/{organizationId}/members/{memberId}",
    tags,
    summary: "Remove a member",
    access: requireAuth,
    params: s.MemberParams,
    handler: ({ principal, audit, params }) => organizations.removeMember(principal, audit, params.organizationId, params.memberId),
  });
}
