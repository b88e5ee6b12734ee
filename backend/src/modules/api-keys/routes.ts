import type { RouteDeps } from "../../http/route-deps.js";
import { requireAuth } from "../../http/auth.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import * as s from "./schemas.js";
import { ApiKeyService } from "./service.js";
import type { ApiKeyVerifier } from "./verifier.js";

export function apiKeyRoutes(api: ApiRouter, { db, apiKeys, config }: RouteDeps & { apiKeys: ApiKeyVerifier }): void {
  const keys = new ApiKeyService(db, apiKeys, config.rateLimits.apiKeyDefaultPerMinute);
  const tags = ["API keys"];
  api.route({
    method: "post",
    path: "/api/v1/api-keys",
    tags,
    summary: "Create an API key (the secret is shown once)",
    access: requireAuth,
    body: s.CreateApiKeyBody,
    response: s.CreatedApiKey,
    handler: ({ principal, audit, body }) => keys.create(principal, audit, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/api-keys",
    tags,
    summary: "Your API keys and those of organizations you administer",
    access: requireAuth,
    query: PageQuery,
    response: pageOf(s.ApiKey),
    handler: ({ principal, query }) => keys.list(principal, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/api-keys/{apiKeyId}/revoke",
    tags,
    summary: "Revoke an API key",
    access: requireAuth,
    params: s.ApiKeyIdParams,
    response: s.ApiKey,
    status: 200,
    handler: ({ principal, audit, params }) => keys.revoke(principal, audit, params.apiKeyId),
  });
}
