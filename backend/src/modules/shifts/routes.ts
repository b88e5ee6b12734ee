import type { Knex } from "knex";
import { requireAuth } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import type { ShiftCheckIns } from "./check-in.js";
import { coverageBoard } from "./coverage.js";
import * as s from "./schemas.js";
import type { ShiftsService } from "./service.js";

const tags = ["shifts"];
const needs = "Needs festival manager access (scope editions), the access that manages staff.";

export function shiftRoutes(api: ApiRouter, deps: RouteDeps & { shifts: ShiftsService; checkIns: ShiftCheckIns }): void {
  const { shifts, checkIns } = deps;
  const db: Knex = deps.db;
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/shift-settings",
    summary: "No-show limit, no-show grace period and reminder lead time of an edition",
    tags,
    access: requireAuth,
    params: s.ShiftEditionParams,
    response: s.Settings,
    handler: ({ principal, params }) => shifts.getSettings(principal, params.editionId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/editions/{editionId}/shift-settings",
    summary: "Change the shift settings of an edition",
    tags,
    description: needs,
    access: requireAuth,
    params: s.ShiftEditionParams,
    body: s.UpdateSettingsBody,
    response: s.Settings,
    handler: ({ principal, audit, params, body }) => shifts.putSettings(principal, audit, params.editionId, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/shifts",
    summary: "Plan a shift for a role (and optionally a gate zone), with the number of people needed",
    tags,
    description: needs,
    access: requireAuth,
    params: s.ShiftEditionParams,
    body: s.CreateShiftBody,
    response: s.Shift,
    handler: ({ principal, audit, params, body }) => shifts.createShift(principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/shifts",
    summary: "Shifts of an edition, by start",
    tags,
    access: requireAuth,
    params: s.ShiftEditionParams,
    query: s.ShiftListQuery,
    response: pageOf(s.Shift),
    handler: ({ principal, params, query }) => shifts.listShifts(principal, params.editionId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/shifts/{shiftId}",
    summary: "A shift (its edition's staff and viewers)",
    tags,
    access: requireAuth,
    params: s.ShiftParams,
    response: s.Shift,
    handler: ({ principal, params }) => shifts.getShift(principal, params.shiftId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/shifts/{shiftId}",
    summary: "Change or cancel a shift",
    tags,
    description: `${needs} Cancelling frees the people signed up (their sign-ups become CANCELLED).`,
    access: requireAuth,
    params: s.ShiftParams,
    body: s.UpdateShiftBody,
    response: s.Shift,
    handler: ({ principal, audit, params, body }) => shifts.updateShift(principal, audit, params.shiftId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/shifts/{shiftId}/signups",
    summary: "Who signed up for a shift",
    tags,
    access: requireAuth,
    params: s.ShiftParams,
    query: PageQuery,
    response: pageOf(s.Signup),
    handler: ({ principal, params, query }) => shifts.listSignups(principal, params.shiftId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/shifts/{shiftId}/signups",
    summary: "Sign up for a shift",
    tags,
    description:
      "Refusals name their rule: 422 wrong_role, missing_prerequisite, outside_signup_window, shift_started, shift_cancelled, no_show_limit_reached; 409 shift_full, shift_overlaps, already_signed_up.",
    access: requireAuth,
    params: s.ShiftParams,
    response: s.Signup,
    handler: ({ principal, audit, params }) => shifts.signUp(principal, audit, params.shiftId),
  });
  api.route({
    method: "post",
    path: "/api/v1/shift-signups/{signupId}/leave",
    summary: "Leave a shift (until its cut-off before the start)",
    tags,
    description: "422 leave_cutoff_passed after the cut-off, 422 signup_not_leavable once checked in or cancelled.",
    access: requireAuth,
    params: s.SignupParams,
    response: s.Signup,
    status: 200,
    handler: ({ principal, audit, params }) => shifts.leave(principal, audit, params.signupId),
  });
  api.route({
    method: "post",
    path: "/api/v1/shift-signups/{signupId}/confirm",
    summary: "Confirm I will come to a shift (SCHEDULED to CONFIRMED)",
    tags,
    access: requireAuth,
    params: s.SignupParams,
    response: s.Signup,
    status: 200,
    handler: ({ principal, audit, params }) => shifts.confirm(principal, audit, params.signupId),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/me/shift-signups",
    summary: "My shift sign-ups of an edition",
    tags,
    access: requireAuth,
    params: s.ShiftEditionParams,
    query: PageQuery,
    response: pageOf(s.Signup),
    handler: ({ principal, params, query }) => shifts.mySignups(principal, params.editionId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/me/eligible-shifts",
    summary: "Shifts I can sign up for now",
    tags,
    description:
      "My role, every prerequisite held until the shift ends, sign-up window open, not started, not full, not overlapping my shifts, no-show limit not reached.",
    access: requireAuth,
    params: s.ShiftEditionParams,
    query: PageQuery,
    response: pageOf(s.Shift),
    handler: ({ principal, params, query }) => shifts.eligibleShifts(principal, params.editionId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/shift-check-ins",
    summary: "Check a staff member in to their shift (badge QR at a kiosk, or a shift lead)",
    tags,
    description: "Operated by a lead-role staff member of the edition or a festival manager. A resent scan answers already_checked_in.",
    access: requireAuth,
    params: s.ShiftEditionParams,
    body: s.CheckInBody,
    response: s.CheckInResult,
    status: 200,
    handler: ({ principal, audit, params, body }) => checkIns.checkIn(principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/shift-check-ins/snapshot",
    summary: "A signed snapshot for an offline shift kiosk",
    tags,
    description: "Badge hashes and sign-ups that can be checked in within 12 hours, signed Ed25519 with the gate's snapshot key. A lead or a manager.",
    access: requireAuth,
    params: s.ShiftEditionParams,
    response: s.KioskSnapshot,
    handler: ({ principal, params }) => checkIns.snapshot(principal, params.editionId),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/shift-check-ins/offline",
    summary: "Upload an offline kiosk's check-ins",
    tags,
    description: "Each scan checks its sign-up in at its scan time if that lies in the check-in window; sent twice, it changes nothing.",
    access: requireAuth,
    params: s.ShiftEditionParams,
    body: s.OfflineUploadBody,
    response: s.OfflineUploadResult,
    status: 200,
    handler: ({ principal, audit, params, body }) => checkIns.uploadOffline(principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/coverage",
    summary: "Live coverage board: needed, signed up and present per zone and department, with the gate's zone occupancy",
    tags,
    access: requireAuth,
    params: s.ShiftEditionParams,
    query: s.CoverageQuery,
    response: s.Coverage,
    handler: ({ principal, params, query }) => coverageBoard(db, principal, params.editionId, query.at),
  });
}
