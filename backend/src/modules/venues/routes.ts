import { requireApiScope } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { EditionParams, FestivalParams } from "../festivals/schemas.js";
import { CreateStageBody, CreateVenueBody, EditionVenueParams, Stage, StageParams, UpdateStageBody, UpdateVenueBody, Venue, VenueParams } from "./schemas.js";
import * as venues from "./service.js";

const read = requireApiScope("festivals:read");
const write = requireApiScope("festivals:write");
const tags = ["venues"];
const needs = "Needs festival manager access (scope venues).";

export function venueRoutes(api: ApiRouter, { db, hasLiveTimeSlots }: RouteDeps & { hasLiveTimeSlots: venues.HasLiveTimeSlots }): void {
  api.route({
    method: "post",
    path: "/api/v1/festivals/{festivalId}/venues",
    summary: "Create a venue",
    tags,
    description: needs,
    access: write,
    params: FestivalParams,
    body: CreateVenueBody,
    response: Venue,
    handler: ({ principal, audit, params, body }) => venues.createVenue(db, principal, audit, params.festivalId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/venues",
    summary: "Venues of a festival",
    tags,
    access: read,
    params: FestivalParams,
    query: PageQuery,
    response: pageOf(Venue),
    handler: ({ principal, params, query }) => venues.listVenues(db, principal, params.festivalId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/venues/{venueId}",
    summary: "A venue",
    tags,
    access: read,
    params: VenueParams,
    response: Venue,
    handler: ({ principal, params }) => venues.getVenue(db, principal, params.venueId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/venues/{venueId}",
    summary: "Change a venue",
    tags,
    description: needs,
    access: write,
    params: VenueParams,
    body: UpdateVenueBody,
    response: Venue,
    handler: ({ principal, audit, params, body }) => venues.updateVenue(db, principal, audit, params.venueId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/venues/{venueId}",
    summary: "Delete a venue (soft)",
    tags,
    description: needs,
    access: write,
    params: VenueParams,
    handler: ({ principal, audit, params }) => venues.deleteVenue(db, principal, audit, params.venueId, hasLiveTimeSlots),
  });
  api.route({
    method: "put",
    path: "/api/v1/editions/{editionId}/venues/{venueId}",
    summary: "Use a venue in an edition",
    tags,
    description: needs,
    access: write,
    params: EditionVenueParams,
    response: Venue,
    handler: ({ principal, audit, params }) => venues.linkVenue(db, principal, audit, params.editionId, params.venueId),
  });
  api.route({
    method: "delete",
    path: "/api/v1/editions/{editionId}/venues/{venueId}",
    summary: "Stop using a venue in an edition",
    tags,
    description: needs,
    access: write,
    params: EditionVenueParams,
    handler: ({ principal, audit, params }) => venues.unlinkVenue(db, principal, audit, params.editionId, params.venueId, hasLiveTimeSlots),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/venues",
    summary: "Venues of an edition",
    tags,
    access: read,
    params: EditionParams,
    query: PageQuery,
    response: pageOf(Venue),
    handler: ({ principal, params, query }) => venues.listEditionVenues(db, principal, params.editionId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/venues/{venueId}/stages",
    summary: "Create a stage",
    tags,
    description: needs,
    access: write,
    params: VenueParams,
    body: CreateStageBody,
    response: Stage,
    handler: ({ principal, audit, params, body }) => venues.createStage(db, principal, audit, params.venueId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/venues/{venueId}/stages",
    summary: "Stages of a venue",
    tags,
    access: read,
    params: VenueParams,
    query: PageQuery,
    response: pageOf(Stage),
    handler: ({ principal, params, query }) => venues.listStages(db, principal, params.venueId, query),
  });
  api.route({
    method: "patch",
    path: "/api/v1/stages/{stageId}",
    summary: "Change a stage",
    tags,
    description: needs,
    access: write,
    params: StageParams,
    body: UpdateStageBody,
    response: Stage,
    handler: ({ principal, audit, params, body }) => venues.updateStage(db, principal, audit, params.stageId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/stages/{stageId}",
    summary: "Delete a stage (soft)",
    tags,
    description: needs,
    access: write,
    params: StageParams,
    handler: ({ principal, audit, params }) => venues.deleteStage(db, principal, audit, params.stageId, hasLiveTimeSlots),
  });
}
