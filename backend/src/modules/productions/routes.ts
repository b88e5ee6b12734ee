import { requireAuth } from "../../http/auth.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import * as s from "./schemas.js";
import type { ProductionService } from "./service.js";
import type { ScheduleService } from "./schedule.js";
import * as ss from "./schedule-schemas.js";
import { z } from "../../http/zod.js";

export function productionRoutes(api: ApiRouter, productions: ProductionService): void {
  const tags = ["productions"];
  api.route({
    method: "post",
    path: "/api/v1/companies/{companyId}/productions",
    tags,
    summary: "Create a production (a festival edition or a show of its own)",
    access: requireAuth,
    params: s.CompanyParams,
    body: s.CreateProductionBody,
    response: s.Production,
    handler: ({ principal, audit, params, body }) => productions.create(principal, audit, params.companyId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/companies/{companyId}/productions",
    tags,
    summary: "The company's productions, latest first",
    access: requireAuth,
    params: s.CompanyParams,
    query: PageQuery,
    response: pageOf(s.Production),
    handler: ({ principal, params, query }) => productions.list(principal, params.companyId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/companies/{companyId}/productions/{productionId}",
    tags,
    summary: "A production",
    access: requireAuth,
    params: s.ProductionParams,
    response: s.Production,
    handler: ({ principal, params }) => productions.get(principal, params.companyId, params.productionId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/companies/{companyId}/productions/{productionId}",
    tags,
    summary: "Change a production (planning -> active -> completed -> archived; cancelled)",
    access: requireAuth,
    params: s.ProductionParams,
    body: s.UpdateProductionBody,
    response: s.Production,
    handler: ({ principal, audit, params, body }) => productions.update(principal, audit, params.companyId, params.productionId, body),
  });
}

export function productionScheduleRoutes(api: ApiRouter, schedule: ScheduleService): void {
  const tags = ["productions"];
  const base = "/api/v1/companies/{companyId}";
  api.route({
    method: "post",
    path: `${base}/productions/{productionId}/schedule`,
    tags,
    summary: "Schedule a rehearsal, performance, meeting, fitting or photo call (once, or recurring by RRULE)",
    access: requireAuth,
    params: ss.ProductionParams,
    body: ss.CreateScheduleItemBody,
    response: ss.ScheduleItem,
    handler: ({ principal, audit, params, body }) => schedule.createItem(principal, audit, params.companyId, params.productionId, body),
  });
  api.route({
    method: "get",
    path: `${base}/productions/{productionId}/sessions`,
    tags,
    summary: "The production's sessions in a window (artists: the ones they are assigned to)",
    access: requireAuth,
    params: ss.ProductionParams,
    query: ss.ScheduleQuery,
    response: z.object({ items: z.array(ss.Session) }),
    handler: ({ principal, params, query }) => schedule.listSessions(principal, params.companyId, params.productionId, query),
  });
  api.route({
    method: "post",
    path: `${base}/schedule-items/{itemId}/assignments`,
    tags,
    summary: "Assign an artist to a schedule item (they confirm or decline)",
    access: requireAuth,
    params: ss.ItemParams,
    body: ss.AssignBody,
    response: ss.Assignment,
    handler: ({ principal, audit, params, body }) => schedule.assign(principal, audit, params.companyId, params.itemId, body.artistId),
  });
  for (const [action, answer] of [
    ["confirm", "confirmed"],
    ["decline", "declined"],
  ] as const) {
    api.route({
      method: "post",
      path: `${base}/assignments/{assignmentId}/${action}`,
      tags,
      summary: answer === "confirmed" ? "Confirm an assignment (reminders 24 h and 2 h before each session)" : "Decline an assignment",
      access: requireAuth,
      params: ss.AssignmentParams,
      response: ss.Assignment,
      status: 200,
      handler: ({ principal, audit, params }) => schedule.respond(principal, audit, params.companyId, params.assignmentId, answer),
    });
  }
  api.route({
    method: "post",
    path: `${base}/sessions/{sessionId}/cancel`,
    tags,
    summary: "Cancel a session (production manager); a performance's cancellation cancels the artists' pending performances",
    description:
      "Paid on performance: an artist left without a scheduled performance session of the production has the performance of their active contracts cancelled, and the fixed fee released back to the event's revenue split on-chain.",
    access: requireAuth,
    params: ss.SessionParams,
    response: ss.Session,
    status: 200,
    handler: ({ principal, audit, params }) => schedule.cancelSession(principal, audit, params.companyId, params.sessionId),
  });
  for (const action of ["check-in", "check-out"] as const) {
    api.route({
      method: "post",
      path: `${base}/sessions/{sessionId}/${action}`,
      tags,
      summary: action === "check-in" ? "Check in to a session (from 2 h before its start)" : "Check out of a session",
      access: requireAuth,
      params: ss.SessionParams,
      body: ss.AttendanceBody,
      response: ss.Attendance,
      status: 200,
      handler: ({ principal, audit, params, body }) => schedule.attend(principal, audit, params.companyId, params.sessionId, action, body),
    });
  }
}
