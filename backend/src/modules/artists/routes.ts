import { requireApiScope } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { FestivalParams } from "../festivals/schemas.js";
import { Artist, ArtistParams, CreateArtistBody, ListArtistsQuery, UpdateArtistBody } from "./schemas.js";
import * as artists from "./service.js";

const read = requireApiScope("festivals:read");
const write = requireApiScope("festivals:write");
const tags = ["artists"];
const needs = "Needs festival manager access (scope artists).";

export function artistRoutes(api: ApiRouter, { db, hasLiveEngagements }: RouteDeps & { hasLiveEngagements: artists.HasLiveEngagements }): void {
  api.route({
    method: "post",
    path: "/api/v1/festivals/{festivalId}/artists",
    summary: "Add an artist",
    tags,
    description: needs,
    access: write,
    params: FestivalParams,
    body: CreateArtistBody,
    response: Artist,
    handler: ({ principal, audit, params, body }) => artists.createArtist(db, principal, audit, params.festivalId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/artists",
    summary: "Artists of a festival",
    tags,
    access: read,
    params: FestivalParams,
    query: PageQuery.extend(ListArtistsQuery.shape),
    response: pageOf(Artist),
    handler: ({ principal, params, query }) => artists.listArtists(db, principal, params.festivalId, query.q, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/artists/{artistId}",
    summary: "An artist",
    tags,
    access: read,
    params: ArtistParams,
    response: Artist,
    handler: ({ principal, params }) => artists.getArtist(db, principal, params.artistId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/artists/{artistId}",
    summary: "Change an artist",
    tags,
    description: needs,
    access: write,
    params: ArtistParams,
    body: UpdateArtistBody,
    response: Artist,
    handler: ({ principal, audit, params, body }) => artists.updateArtist(db, principal, audit, params.artistId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/artists/{artistId}",
    summary: "Remove an artist (soft)",
    tags,
    description: needs,
    access: write,
    params: ArtistParams,
    handler: ({ principal, audit, params }) => artists.deleteArtist(db, principal, audit, params.artistId, hasLiveEngagements),
  });
}
