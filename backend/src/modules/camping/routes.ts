import { requireAuth } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import * as s from "./schemas.js";
import type { CampingService } from "./service.js";

const tags = ["camping"];
const needs = "Needs festival manager access (scope editions).";

export function campingRoutes(api: ApiRouter, { camping }: RouteDeps & { camping: CampingService }): void {
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/camping-zones",
    summary: "Create a camping zone (optionally requiring a ticket type)",
    tags,
    description: needs,
    access: requireAuth,
    params: s.CampingEditionParams,
    body: s.CreateCampingZoneBody,
    response: s.CampingZone,
    handler: ({ principal, audit, params, body }) => camping.createZone(principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/camping-zones",
    summary: "Camping zones of an edition",
    tags,
    access: requireAuth,
    params: s.CampingEditionParams,
    query: PageQuery,
    response: pageOf(s.CampingZone),
    handler: ({ principal, params, query }) => camping.listZones(principal, params.editionId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/camping-zones/{zoneId}/spots",
    summary: "Add spots to a camping zone (up to 1,000 at once)",
    tags,
    description: needs,
    access: requireAuth,
    params: s.CampingZoneParams,
    body: s.CreateSpotsBody,
    response: pageOf(s.Spot),
    handler: ({ principal, audit, params, body }) => camping.createSpots(principal, audit, params.zoneId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/camping-zones/{zoneId}/spots",
    summary: "Spots of a camping zone, with whether each is still available",
    tags,
    access: requireAuth,
    params: s.CampingZoneParams,
    query: s.SpotListQuery,
    response: pageOf(s.Spot),
    handler: ({ principal, params, query }) => camping.listSpots(principal, params.zoneId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/camping-spots/{spotId}/bookings",
    summary: "Book a spot with one of my tickets",
    tags,
    description:
      "One booking per spot (409 spot_taken) and per ticket (409 ticket_already_booked); 422 ticket_not_held, ticket_not_for_festival, ticket_not_valid, required_ticket_type.",
    access: requireAuth,
    params: s.SpotParams,
    body: s.CreateBookingBody,
    response: s.Booking,
    handler: ({ principal, audit, params, body }) => camping.book(principal, audit, params.spotId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/me/camping-bookings",
    summary: "My camping bookings of an edition",
    tags,
    access: requireAuth,
    params: s.CampingEditionParams,
    query: PageQuery,
    response: pageOf(s.Booking),
    handler: ({ principal, params, query }) => camping.myBookings(principal, params.editionId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/camping-bookings/{bookingId}/cancel",
    summary: "Cancel my camping booking",
    tags,
    access: requireAuth,
    params: s.BookingParams,
    response: s.Booking,
    status: 200,
    handler: ({ principal, audit, params }) => camping.cancel(principal, audit, params.bookingId),
  });
  api.route({
    method: "post",
    path: "/api/v1/camping-bookings/{bookingId}/check-in",
    summary: "Check a booking in at the camping gate",
    tags,
    description: "A gate scanner of the festival or a festival manager. A second check-in answers already_checked_in.",
    access: requireAuth,
    params: s.BookingParams,
    response: s.CampingCheckInResult,
    status: 200,
    handler: ({ principal, audit, params }) => camping.checkIn(principal, audit, params.bookingId),
  });
}
