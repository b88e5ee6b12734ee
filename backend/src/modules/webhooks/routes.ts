import { requireApiScope } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { OrganizationIdParams } from "../organizations/schemas.js";
import { WEBHOOK_EVENT_TYPES } from "./event-types.js";
import {
  CreateEndpointBody,
  DeliveryParams,
  EndpointParams,
  EventTypeList,
  ListDeliveriesQuery,
  MessageParams,
  ReplayRangeBody,
  ReplayResult,
  RotateSecretBody,
  UpdateEndpointBody,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from "./schemas.js";
import * as webhooks from "./service.js";
import { z } from "../../http/zod.js";

const tags = ["webhooks"];
const manage = requireApiScope("webhooks:write");
const needs = "Organization admins and owners, or an API key of the organization with scope webhooks:write.";

export function webhookRoutes(api: ApiRouter, { db, box, config }: RouteDeps): void {
  const settings = { box, allowPrivateTargets: config.webhooks.allowPrivateTargets };
  api.route({
    method: "get",
    path: "/api/v1/webhook-event-types",
    summary: "The event types an endpoint can subscribe to",
    tags,
    access: "public",
    response: EventTypeList,
    handler: async () => ({ items: [...WEBHOOK_EVENT_TYPES] }),
  });
  api.route({
    method: "post",
    path: "/api/v1/organizations/{organizationId}/webhook-endpoints",
    summary: "Subscribe an HTTPS endpoint to event types",
    tags,
    description: `${needs} Deliveries follow the Standard Webhooks spec (webhook-id, webhook-timestamp, webhook-signature with the returned whsec_ secret, shown only here).`,
    access: manage,
    params: OrganizationIdParams,
    body: CreateEndpointBody,
    response: WebhookEndpointWithSecret,
    handler: ({ principal, audit, params, body }) => webhooks.createEndpoint(db, settings, principal, audit, params.organizationId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/organizations/{organizationId}/webhook-endpoints",
    summary: "An organization's webhook endpoints",
    tags,
    description: needs,
    access: manage,
    params: OrganizationIdParams,
    query: PageQuery,
    response: pageOf(WebhookEndpoint),
    handler: ({ principal, params, query }) => webhooks.listEndpoints(db, principal, params.organizationId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/webhook-endpoints/{endpointId}",
    summary: "One webhook endpoint",
    tags,
    description: needs,
    access: manage,
    params: EndpointParams,
    response: WebhookEndpoint,
    handler: ({ principal, params }) => webhooks.getEndpoint(db, principal, params.endpointId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/webhook-endpoints/{endpointId}",
    summary: "Change an endpoint's URL, description or event types; enable or disable it",
    tags,
    description: needs,
    access: manage,
    params: EndpointParams,
    body: UpdateEndpointBody,
    response: WebhookEndpoint,
    handler: ({ principal, audit, params, body }) => webhooks.updateEndpoint(db, settings, principal, audit, params.endpointId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/webhook-endpoints/{endpointId}",
    summary: "Delete an endpoint and its delivery log",
    tags,
    description: needs,
    access: manage,
    params: EndpointParams,
    handler: ({ principal, audit, params }) => webhooks.deleteEndpoint(db, principal, audit, params.endpointId),
  });
  api.route({
    method: "post",
    path: "/api/v1/webhook-endpoints/{endpointId}/rotate-secret",
    summary: "Rotate the signing secret",
    tags,
    description: `${needs} During the grace period every delivery carries both signatures, so receivers can switch without missing one.`,
    access: manage,
    params: EndpointParams,
    body: RotateSecretBody,
    response: WebhookEndpointWithSecret,
    status: 200,
    handler: ({ principal, audit, params, body }) => webhooks.rotateSecret(db, settings, principal, audit, params.endpointId, body.graceHours),
  });
  api.route({
    method: "get",
    path: "/api/v1/webhook-endpoints/{endpointId}/deliveries",
    summary: "The endpoint's delivery log (30 days), newest first",
    tags,
    description: needs,
    access: manage,
    params: EndpointParams,
    query: PageQuery.extend(ListDeliveriesQuery.shape),
    response: pageOf(WebhookDelivery),
    handler: ({ principal, params, query }) => webhooks.listDeliveries(db, principal, params.endpointId, query.status, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/attempts",
    summary: "Every attempt of one delivery",
    tags,
    description: needs,
    access: manage,
    params: DeliveryParams,
    response: z.object({ items: z.array(WebhookAttempt) }),
    handler: ({ principal, params }) => webhooks.listAttempts(db, principal, params.endpointId, params.deliveryId),
  });
  api.route({
    method: "post",
    path: "/api/v1/webhook-endpoints/{endpointId}/messages/{messageId}/replay",
    summary: "Send one message again (same webhook-id)",
    tags,
    description: needs,
    access: manage,
    params: MessageParams,
    response: ReplayResult,
    status: 202,
    handler: ({ principal, audit, params }) => webhooks.replayMessage(db, principal, audit, params.endpointId, params.messageId),
  });
  api.route({
    method: "post",
    path: "/api/v1/webhook-endpoints/{endpointId}/replay",
    summary: "Send a time range's deliveries again (the failed ones unless onlyFailed is false)",
    tags,
    description: needs,
    access: manage,
    params: EndpointParams,
    body: ReplayRangeBody,
    response: ReplayResult,
    status: 202,
    handler: ({ principal, audit, params, body }) => webhooks.replayRange(db, principal, audit, params.endpointId, body),
  });
}
