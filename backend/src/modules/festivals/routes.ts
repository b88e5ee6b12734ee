import { requireApiScope } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import { z } from "../../http/zod.js";
import type { RouteDeps } from "../../http/route-deps.js";
import {
  CreateEditionBody,
  CreateFestivalBody,
  Edition,
  EditionParams,
  Festival,
  FestivalParams,
  OrganizationParams,
  UpdateEditionBody,
  UpdateFestivalBody,
} from "./schemas.js";
import * as festivals from "./service.js";

const read = requireApiScope("festivals:read");
const write = requireApiScope("festivals:write");
const tags = ["festivals"];
const PublicEdition = Edition.extend({ festivalName: z.string(), festivalDescription: z.string().nullable() }).openapi("PublicEdition");

export function festivalRoutes(api: ApiRouter, { db }: RouteDeps): void {
  api.route({
    method: "post",
    path: "/api/v1/organizations/{organizationId}/festivals",
    summary: "Create a festival",
    tags,
    description: "Needs organization role admin or owner.",
    access: write,
    params: OrganizationParams,
    body: CreateFestivalBody,
    response: Festival,
    handler: ({ principal, audit, params, body }) => festivals.createFestival(db, principal, audit, params.organizationId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals",
    summary: "Festivals the caller can see",
    tags,
    access: read,
    query: PageQuery.extend({ organizationId: z.uuid().optional() }),
    response: pageOf(Festival),
    handler: ({ principal, query }) => festivals.listFestivals(db, principal, query, query.organizationId),
  });
  api.route({
    method: "get",
    path: "/api/v1/public/editions",
    summary: "Published editions anyone may browse, soonest first, with their festival's name",
    tags,
    access: "public",
    query: PageQuery,
    response: pageOf(PublicEdition),
    handler: ({ query }) => festivals.listPublicEditions(db, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/public/editions/{editionId}",
    summary: "One published edition, with its festival's name",
    tags,
    access: "public",
    params: EditionParams,
    response: PublicEdition,
    handler: ({ params }) => festivals.getPublicEdition(db, params.editionId),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}",
    summary: "A festival",
    tags,
    access: read,
    params: FestivalParams,
    response: Festival,
    handler: ({ principal, params }) => festivals.getFestival(db, principal, params.festivalId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/festivals/{festivalId}",
    summary: "Change a festival",
    tags,
    description: "Needs festival manager access to the whole festival.",
    access: write,
    params: FestivalParams,
    body: UpdateFestivalBody,
    response: Festival,
    handler: ({ principal, audit, params, body }) => festivals.updateFestival(db, principal, audit, params.festivalId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/festivals/{festivalId}",
    summary: "Delete a festival (soft)",
    tags,
    description: "Needs festival administrator access.",
    access: write,
    params: FestivalParams,
    handler: ({ principal, audit, params }) => festivals.deleteFestival(db, principal, audit, params.festivalId),
  });

  api.route({
    method: "post",
    path: "/api/v1/festivals/{festivalId}/editions",
    summary: "Create an edition",
    tags,
    description: "Needs festival manager access (scope editions). Times: ISO with Z/offset, or local in `timezone`.",
    access: write,
    params: FestivalParams,
    body: CreateEditionBody,
    response: Edition,
    handler: ({ principal, audit, params, body }) => festivals.createEdition(db, principal, audit, params.festivalId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/editions",
    summary: "Editions of a festival",
    tags,
    access: read,
    params: FestivalParams,
    query: PageQuery,
    response: pageOf(Edition),
    handler: ({ principal, params, query }) => festivals.listEditions(db, principal, params.festivalId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}",
    summary: "An edition",
    tags,
    access: read,
    params: EditionParams,
    response: Edition,
    handler: ({ principal, params }) => festivals.getEdition(db, principal, params.editionId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/editions/{editionId}",
    summary: "Change an edition",
    tags,
    description: "Needs festival manager access (scope editions).",
    access: write,
    params: EditionParams,
    body: UpdateEditionBody,
    response: Edition,
    handler: ({ principal, audit, params, body }) => festivals.updateEdition(db, principal, audit, params.editionId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/editions/{editionId}",
    summary: "Delete an edition (soft)",
    tags,
    access: write,
    params: EditionParams,
    handler: ({ principal, audit, params }) => festivals.deleteEdition(db, principal, audit, params.editionId),
  });
}
