import type { Request, Response } from "express";
import { requireApiScope } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import { ProblemSchema, type ApiRouter } from "../../http/route.js";
import { parseInput } from "../../http/validate.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { EditionParams } from "../festivals/schemas.js";
import type { PublishedSchedule } from "./models.js";
import {
  CreateEngagementBody,
  CreateTimeSlotBody,
  Engagement,
  EngagementParams,
  ListTimeSlotsQuery,
  PublishBody,
  PublishResult,
  ScheduleDiff,
  ScheduleDocument,
  ScheduleDraft,
  ScheduleVersionSummary,
  TimeSlot,
  TimeSlotParams,
  UpdateEngagementBody,
  UpdateTimeSlotBody,
  VersionParams,
} from "./schemas.js";
import * as schedule from "./service.js";

const read = requireApiScope("festivals:read");
const write = requireApiScope("festivals:write");
const tags = ["schedule"];
const needs = "Needs festival manager access (scope schedule). Marks the schedule as edited (a draft) until it is published.";

/** Latest version: clients revalidate with If-None-Match (cheap 304); a numbered version never changes. */
const LATEST_CACHE_CONTROL = "public, max-age=30, must-revalidate";
const VERSION_CACHE_CONTROL = "public, max-age=31536000, immutable";

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

/**
 * Sends a published document: its stored bytes (or their brotli / gzip copy, made once per
 * version), ETag, Cache-Control, or 304 when the client already has it.
 */
function sendPublished(req: Request, res: Response, version: PublishedSchedule, cacheControl: string): void {
  res.setHeader("ETag", version.etag);
  res.setHeader("Cache-Control", cacheControl);
  res.setHeader("Vary", "Accept-Encoding");
  if (etagMatches(req.get("if-none-match"), version.etag)) {
    res.status(304).end();
    return;
  }
  res.status(200).type("application/json");
  const { encoding, bytes } = version.body.pick(req.get("accept-encoding"));
  if (encoding !== "identity") res.setHeader("Content-Encoding", encoding);
  res.end(bytes);
}

const noSchedule = (editionId: string) => new HttpError(404, "schedule_not_found", `edition ${editionId} has no published schedule`);

export function scheduleRoutes(api: ApiRouter, { db }: RouteDeps): void {
  // ---------------------------------------------------------------- slots and engagements
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/time-slots",
    summary: "Create a time slot on a stage",
    tags,
    description: `${needs} Two slots on one stage never overlap: 409 names the slot in the way. Times: ISO with Z/offset, or local in the edition's zone.`,
    access: write,
    params: EditionParams,
    body: CreateTimeSlotBody,
    response: TimeSlot,
    handler: ({ principal, audit, params, body }) => schedule.createTimeSlot(db, principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/time-slots",
    summary: "Time slots of an edition (working copy)",
    tags,
    access: read,
    params: EditionParams,
    query: PageQuery.extend(ListTimeSlotsQuery.shape),
    response: pageOf(TimeSlot),
    handler: ({ principal, params, query }) => schedule.listTimeSlots(db, principal, params.editionId, query.stageId, query),
  });
  api.route({
    method: "patch",
    path: "/api/v1/time-slots/{slotId}",
    summary: "Move or change a time slot",
    tags,
    description: needs,
    access: write,
    params: TimeSlotParams,
    body: UpdateTimeSlotBody,
    response: TimeSlot,
    handler: ({ principal, audit, params, body }) => schedule.updateTimeSlot(db, principal, audit, params.slotId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/time-slots/{slotId}",
    summary: "Delete a time slot (soft)",
    tags,
    description: needs,
    access: write,
    params: TimeSlotParams,
    handler: ({ principal, audit, params }) => schedule.deleteTimeSlot(db, principal, audit, params.slotId),
  });
  api.route({
    method: "post",
    path: "/api/v1/time-slots/{slotId}/engagements",
    summary: "Put an artist on a performance slot",
    tags,
    description: needs,
    access: write,
    params: TimeSlotParams,
    body: CreateEngagementBody,
    response: Engagement,
    handler: ({ principal, audit, params, body }) => schedule.createEngagement(db, principal, audit, params.slotId, body),
  });
  api.route({
    method: "patch",
    path: "/api/v1/engagements/{engagementId}",
    summary: "Move, cancel or annotate a performance",
    tags,
    description: needs,
    access: write,
    params: EngagementParams,
    body: UpdateEngagementBody,
    response: Engagement,
    handler: ({ principal, audit, params, body }) => schedule.updateEngagement(db, principal, audit, params.engagementId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/engagements/{engagementId}",
    summary: "Remove a performance (soft)",
    tags,
    description: needs,
    access: write,
    params: EngagementParams,
    handler: ({ principal, audit, params }) => schedule.deleteEngagement(db, principal, audit, params.engagementId),
  });

  // ---------------------------------------------------------------- drafts and publication
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/schedule/draft",
    summary: "The working copy and what publishing it would change",
    tags,
    access: read,
    params: EditionParams,
    response: ScheduleDraft,
    handler: ({ principal, params }) => schedule.draftView(db, principal, params.editionId),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/schedule/publish",
    summary: "Publish the schedule as the next numbered version",
    tags,
    description:
      "Needs festival manager access (scope schedule). Freezes the working copy (immutable from then on), stores the diff from the previous version, and queues notifications to the attendees whose personal schedule holds a moved or cancelled performance. 422 when nothing changed.",
    access: write,
    params: EditionParams,
    body: PublishBody,
    response: PublishResult,
    handler: ({ principal, audit, params, body }) => schedule.publishSchedule(db, principal, audit, params.editionId, body.notes),
  });

  // ---------------------------------------------------------------- public, cacheable reads
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/schedule/versions",
    summary: "Published versions of an edition's schedule",
    tags,
    access: "public",
    params: EditionParams,
    query: PageQuery,
    response: pageOf(ScheduleVersionSummary),
    handler: ({ params, query }) => schedule.listVersions(db, params.editionId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/schedule/versions/{number}/diff",
    summary: "What a version changed (added, moved, cancelled)",
    tags,
    access: "public",
    params: VersionParams,
    response: ScheduleDiff,
    handler: ({ params }) => schedule.versionDiff(db, params.editionId, params.number),
  });

  // The published documents are served as stored bytes with their ETag (no re-serialization),
  // so they bypass api.route's JSON response path; documented here by hand.
  api.router.get("/api/v1/editions/:editionId/schedule", async (req, res) => {
    const { editionId } = parseInput(EditionParams, req.params, "params");
    const latest = await schedule.publishedSchedule(db, editionId);
    if (!latest) throw noSchedule(editionId);
    sendPublished(req, res, latest, LATEST_CACHE_CONTROL);
  });
  api.router.get("/api/v1/editions/:editionId/schedule/versions/:number", async (req, res) => {
    const { editionId, number } = parseInput(VersionParams, req.params, "params");
    const version = await schedule.publishedVersion(db, editionId, number);
    if (!version) throw new HttpError(404, "schedule_version_not_found", `version ${number} of edition ${editionId} not found`);
    sendPublished(req, res, version, VERSION_CACHE_CONTROL);
  });
  for (const [path, summary, params] of [
    ["/api/v1/editions/{editionId}/schedule", "The published schedule (latest version)", EditionParams],
    ["/api/v1/editions/{editionId}/schedule/versions/{number}", "One published version (immutable)", VersionParams],
  ] as const) {
    api.registry.registerPath({
      method: "get",
      path,
      summary,
      tags,
      description: "Access: anyone. Cacheable: ETag and Cache-Control; send If-None-Match to get 304. Times are UTC with the edition's local time beside them.",
      security: [],
      request: { params },
      responses: {
        200: { description: "the published document", content: { "application/json": { schema: ScheduleDocument } } },
        304: { description: "not modified (If-None-Match matched the ETag)" },
        400: { description: "invalid input", content: { "application/problem+json": { schema: ProblemSchema } } },
        404: { description: "no published schedule for this edition", content: { "application/problem+json": { schema: ProblemSchema } } },
      },
    });
  }
}
