import { requireApiScope, requireAuth } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { EventParams } from "../events/schemas.js";
import { ConfirmWaitlistBody, JoinWaitlistBody, ListWaitlistQuery, MyWaitlistEntry, WaitlistEntry, WaitlistEntryParams } from "./schemas.js";
import { z } from "../../http/zod.js";
import * as waitlists from "./service.js";

const tags = ["waitlists"];

export function waitlistRoutes(api: ApiRouter, { db }: RouteDeps): void {
  api.route({
    method: "post",
    path: "/api/v1/events/{eventId}/waitlist",
    summary: "Join a sold-out event's waitlist",
    tags,
    description:
      "With or without an account. The entry stays pending until the email's owner confirms it with the mailed token; joining again while pending mails a new token. 409 once confirmed, 422 while tickets remain.",
    access: "public",
    params: EventParams,
    body: JoinWaitlistBody,
    response: WaitlistEntry,
    handler: ({ principal, audit, params, body }) => waitlists.joinWaitlist(db, principal, audit, params.eventId, body.email),
  });
  api.route({
    method: "post",
    path: "/api/v1/waitlist-entries/confirm",
    summary: "Confirm a waitlist entry with the mailed token",
    tags,
    access: "public",
    body: ConfirmWaitlistBody,
    response: WaitlistEntry,
    status: 200,
    handler: ({ audit, body }) => waitlists.confirmWaitlistEntry(db, audit, body.token),
  });
  api.route({
    method: "get",
    path: "/api/v1/events/{eventId}/waitlist",
    summary: "An event's waitlist (first come, first served)",
    tags,
    description: "Confirmed entries unless `status` asks for others: only confirmed addresses are ever contacted.",
    access: requireApiScope("festivals:read"),
    params: EventParams,
    query: PageQuery.extend(ListWaitlistQuery.shape),
    response: pageOf(WaitlistEntry),
    handler: ({ principal, params, query }) => waitlists.listWaitlist(db, principal, params.eventId, query.status, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/me/waitlist-entries",
    summary: "Your waitlist entries (joined while signed in), with your place in each queue once confirmed",
    tags,
    access: requireAuth,
    response: z.object({ items: z.array(MyWaitlistEntry) }),
    handler: ({ principal }) => waitlists.myWaitlistEntries(db, principal),
  });
  api.route({
    method: "post",
    path: "/api/v1/waitlist-entries/{entryId}/cancel",
    summary: "Cancel a waitlist entry (organizer or the entrant)",
    tags,
    access: requireAuth,
    params: WaitlistEntryParams,
    response: WaitlistEntry,
    status: 200,
    handler: ({ principal, audit, params }) => waitlists.cancelWaitlistEntry(db, principal, audit, params.entryId),
  });
}
