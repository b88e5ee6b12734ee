import { requireAuth } from "../../http/auth.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import * as s from "./schemas.js";
import type { ProductionService } from "./service.js";

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
