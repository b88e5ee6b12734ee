import type { RouteDeps } from "../../http/route-deps.js";
import { requireAuth } from "../../http/auth.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import { FestivalAccessService } from "./invitations.js";
import * as s from "./schemas.js";

export function festivalAccessRoutes(api: ApiRouter, { db }: RouteDeps): void {
  const access = new FestivalAccessService(db);
  const tags = ["festival access"];
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/permissions",
    tags,
    summary: "Who has festival-scoped access (administrators)",
    access: requireAuth,
    params: s.FestivalIdParams,
    query: PageQuery,
    response: pageOf(s.FestivalPermission),
    handler: ({ principal, params, query }) => access.listPermissions(principal, params.festivalId, query),
  });
  api.route({
    method: "delete",
    path: "/api/v1/festivals/{festivalId}/permissions/{permissionId}",
    tags,
    summary: "Remove a festival-scoped grant",
    access: requireAuth,
    params: s.PermissionParams,
    handler: ({ principal, audit, params }) => access.removePermission(principal, audit, params.festivalId, params.permissionId),
  });
  api.route({
    method: "post",
    path: "/api/v1/festivals/{festivalId}/invitations",
    tags,
    summary: "Invite someone by email to a level and scope",
    access: requireAuth,
    params: s.FestivalIdParams,
    body: s.CreateInvitationBody,
    response: s.Invitation,
    handler: ({ principal, audit, params, body }) => access.invite(principal, audit, params.festivalId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/invitations",
    tags,
    summary: "Invitations of a festival",
    access: requireAuth,
    params: s.FestivalIdParams,
    query: PageQuery,
    response: pageOf(s.Invitation),
    handler: ({ principal, params, query }) => access.listInvitations(principal, params.festivalId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/festivals/{festivalId}/invitations/{invitationId}/revoke",
    tags,
    summary: "Revoke a pending invitation",
    access: requireAuth,
    params: s.InvitationParams,
    response: s.Invitation,
    status: 200,
    handler: ({ principal, audit, params }) => access.revoke(principal, audit, params.festivalId, params.invitationId),
  });
  api.route({
    method: "post",
    path: "/api/v1/invitations/accept",
    tags,
    summary: "Accept an invitation with the mailed token",
    access: requireAuth,
    body: s.AcceptInvitationBody,
    response: s.FestivalPermission,
    status: 200,
    handler: ({ principal, audit, body }) => access.accept(principal, audit, body.token),
  });
}
