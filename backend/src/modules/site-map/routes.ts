import { requireAuth } from "../../http/auth.js";
import { ProblemSchema, type ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { parseInput } from "../../http/validate.js";
import * as s from "./schemas.js";
import type { SiteMapService } from "./service.js";

const tags = ["site map"];
const needs = "Needs festival manager access (scope editions).";

export function siteMapRoutes(api: ApiRouter, { siteMap }: RouteDeps & { siteMap: SiteMapService }): void {
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/map-points",
    summary: "Add a point of interest to the site map",
    tags,
    description: needs,
    access: requireAuth,
    params: s.MapEditionParams,
    body: s.CreateMapPointBody,
    response: s.MapPoint,
    handler: ({ principal, audit, params, body }) => siteMap.create(principal, audit, params.editionId, body),
  });
  api.route({
    method: "patch",
    path: "/api/v1/map-points/{pointId}",
    summary: "Change a point of interest",
    tags,
    description: needs,
    access: requireAuth,
    params: s.MapPointParams,
    body: s.UpdateMapPointBody,
    response: s.MapPoint,
    handler: ({ principal, audit, params, body }) => siteMap.update(principal, audit, params.pointId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/map-points/{pointId}",
    summary: "Remove a point of interest (soft)",
    tags,
    description: needs,
    access: requireAuth,
    params: s.MapPointParams,
    handler: ({ principal, audit, params }) => siteMap.remove(principal, audit, params.pointId),
  });

  // application/geo+json (RFC 7946), not plain JSON: a plain route, documented by hand.
  api.router.get("/api/v1/editions/:editionId/map", async (req, res) => {
    const { editionId } = parseInput(s.MapEditionParams, req.params, "params");
    const { category } = parseInput(s.MapQuery, req.query, "query");
    const body = await siteMap.featureCollection(req.principal, editionId, category);
    res.setHeader("Cache-Control", "max-age=60");
    res.status(200).type("application/geo+json").send(JSON.stringify(body));
  });
  api.registry.registerPath({
    method: "get",
    path: "/api/v1/editions/{editionId}/map",
    summary: "The site map as a GeoJSON FeatureCollection (RFC 7946)",
    tags,
    description: "Access: anyone for a published edition; before that, the festival's viewers. Points are [longitude, latitude].",
    request: { params: s.MapEditionParams, query: s.MapQuery },
    responses: {
      200: { description: "FeatureCollection of Point features", content: { "application/geo+json": { schema: { type: "object" } } } },
      404: { description: "no such edition (or not visible)", content: { "application/problem+json": { schema: ProblemSchema } } },
    },
  });
}
