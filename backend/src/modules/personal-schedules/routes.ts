import { requireAuth } from "../../http/auth.js";
import { ProblemSchema, type ApiRouter } from "../../http/route.js";
import { parseInput } from "../../http/validate.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { PersonalEntryParams, PersonalSchedule, PersonalScheduleParams } from "./schemas.js";
import * as personal from "./service.js";

const tags = ["personal schedules"];

export function personalScheduleRoutes(
  api: ApiRouter,
  { db, calendarContributors = [] }: RouteDeps & { calendarContributors?: personal.CalendarContributor[] },
): void {
  api.route({
    method: "get",
    path: "/api/v1/me/schedules/{editionId}",
    summary: "My schedule for an edition, with clashes",
    tags,
    description: "Shown from the latest published version; a pick that was cancelled or dropped shows as cancelled.",
    access: requireAuth,
    params: PersonalScheduleParams,
    response: PersonalSchedule,
    handler: ({ principal, params }) => personal.getPersonalSchedule(db, principal, params.editionId),
  });
  api.route({
    method: "put",
    path: "/api/v1/me/schedules/{editionId}/entries/{engagementId}",
    summary: "Add a performance to my schedule",
    tags,
    description: "Idempotent. The performance must be scheduled in the published schedule.",
    access: requireAuth,
    params: PersonalEntryParams,
    response: PersonalSchedule,
    handler: ({ principal, audit, params }) => personal.addEntry(db, principal, audit, params.editionId, params.engagementId),
  });
  api.route({
    method: "delete",
    path: "/api/v1/me/schedules/{editionId}/entries/{engagementId}",
    summary: "Remove a performance from my schedule",
    tags,
    access: requireAuth,
    params: PersonalEntryParams,
    handler: ({ principal, audit, params }) => personal.removeEntry(db, principal, audit, params.editionId, params.engagementId),
  });

  // text/calendar, not JSON: a plain route, documented by hand.
  api.router.get("/api/v1/me/schedules/:editionId/calendar.ics", requireAuth, async (req, res) => {
    const { editionId } = parseInput(PersonalScheduleParams, req.params, "params");
    const body = await personal.personalCalendar(db, req.principal!, editionId, calendarContributors);
    res.setHeader("Cache-Control", "private, no-store");
    res.setHeader("Content-Disposition", `attachment; filename="schedule-${editionId}.ics"`);
    res.status(200).type("text/calendar; charset=utf-8").send(body);
  });
  api.registry.registerPath({
    method: "get",
    path: "/api/v1/me/schedules/{editionId}/calendar.ics",
    summary: "My schedule as an iCalendar (RFC 5545) file",
    tags,
    description: `Access: ${requireAuth.describe}.`,
    security: [{ bearer: [] }],
    request: { params: PersonalScheduleParams },
    responses: {
      200: { description: "VCALENDAR with one VEVENT per pick (UTC times)", content: { "text/calendar": { schema: { type: "string" } } } },
      401: { description: "not signed in", content: { "application/problem+json": { schema: ProblemSchema } } },
      404: { description: "no published schedule", content: { "application/problem+json": { schema: ProblemSchema } } },
    },
  });
}
