import { requireAuth } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import * as s from "./schemas.js";
import type { StaffService } from "./service.js";

const tags = ["staff"];
const needs = "Needs festival manager access (scope editions), the same access that manages the edition's gate zones.";

export function staffRoutes(api: ApiRouter, { staff }: RouteDeps & { staff: StaffService }): void {
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/staff/departments",
    summary: "Create a staff department (security, ticketing, cashless...)",
    tags,
    description: needs,
    access: requireAuth,
    params: s.StaffEditionParams,
    body: s.CreateDepartmentBody,
    response: s.Department,
    handler: ({ principal, audit, params, body }) => staff.createDepartment(principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/staff/departments",
    summary: "Staff departments of an edition",
    tags,
    access: requireAuth,
    params: s.StaffEditionParams,
    query: PageQuery,
    response: pageOf(s.Department),
    handler: ({ principal, params, query }) => staff.listDepartments(principal, params.editionId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/staff/qualification-types",
    summary: "Create a qualification type (a certificate, a training, a driver licence)",
    tags,
    description: needs,
    access: requireAuth,
    params: s.StaffEditionParams,
    body: s.CreateQualificationTypeBody,
    response: s.QualificationType,
    handler: ({ principal, audit, params, body }) => staff.createQualificationType(principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/staff/qualification-types",
    summary: "Qualification types of an edition",
    tags,
    access: requireAuth,
    params: s.StaffEditionParams,
    query: PageQuery,
    response: pageOf(s.QualificationType),
    handler: ({ principal, params, query }) => staff.listQualificationTypes(principal, params.editionId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/staff/roles",
    summary: "Create a staff role with its prerequisites",
    tags,
    description: needs,
    access: requireAuth,
    params: s.StaffEditionParams,
    body: s.CreateRoleBody,
    response: s.Role,
    handler: ({ principal, audit, params, body }) => staff.createRole(principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/staff/roles",
    summary: "Staff roles of an edition",
    tags,
    access: requireAuth,
    params: s.StaffEditionParams,
    query: PageQuery,
    response: pageOf(s.Role),
    handler: ({ principal, params, query }) => staff.listRoles(principal, params.editionId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/staff/members",
    summary: "Make someone staff of an edition, with a role, a department and a badge number",
    tags,
    description: `${needs} The badge number is unique per edition (409 badge_number_taken).`,
    access: requireAuth,
    params: s.StaffEditionParams,
    body: s.CreateMemberBody,
    response: s.Member,
    handler: ({ principal, audit, params, body }) => staff.addMember(principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/staff/members",
    summary: "Staff members of an edition, by badge number",
    tags,
    access: requireAuth,
    params: s.StaffEditionParams,
    query: PageQuery,
    response: pageOf(s.Member),
    handler: ({ principal, params, query }) => staff.listMembers(principal, params.editionId, query),
  });
  api.route({
    method: "patch",
    path: "/api/v1/staff-members/{memberId}",
    summary: "Change a member's role, department, badge number or status",
    tags,
    description: needs,
    access: requireAuth,
    params: s.MemberParams,
    body: s.UpdateMemberBody,
    response: s.Member,
    handler: ({ principal, audit, params, body }) => staff.updateMember(principal, audit, params.memberId, body),
  });
  api.route({
    method: "put",
    path: "/api/v1/staff-members/{memberId}/qualifications/{qualificationTypeId}",
    summary: "Record that a member holds a qualification (until a date, or for good)",
    tags,
    description: needs,
    access: requireAuth,
    params: s.MemberQualificationParams,
    body: s.GrantQualificationBody,
    response: s.Member,
    handler: ({ principal, audit, params, body }) =>
      staff.grantQualification(principal, audit, params.memberId, params.qualificationTypeId, body.validUntil ?? null),
  });
  api.route({
    method: "delete",
    path: "/api/v1/staff-members/{memberId}/qualifications/{qualificationTypeId}",
    summary: "Remove a member's qualification",
    tags,
    description: needs,
    access: requireAuth,
    params: s.MemberQualificationParams,
    handler: ({ principal, audit, params }) => staff.revokeQualification(principal, audit, params.memberId, params.qualificationTypeId),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/me/staff",
    summary: "My staff membership of an edition, with my badge's QR payload",
    tags,
    access: requireAuth,
    params: s.StaffEditionParams,
    response: s.MyMembership,
    handler: ({ principal, params }) => staff.myMembership(principal, params.editionId),
  });
}
