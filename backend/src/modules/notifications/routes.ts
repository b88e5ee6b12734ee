import { requireAuth } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { DeviceToken, DeviceTokenParams, Notification, RegisterDeviceTokenBody } from "./schemas.js";
import * as notifications from "./service.js";

const tags = ["notifications"];

export function notificationRoutes(api: ApiRouter, { db }: RouteDeps): void {
  api.route({
    method: "post",
    path: "/api/v1/me/device-tokens",
    summary: "Register a push token for this device",
    tags,
    access: requireAuth,
    body: RegisterDeviceTokenBody,
    response: DeviceToken,
    handler: ({ principal, audit, body }) => notifications.registerDeviceToken(db, principal, audit, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/me/device-tokens",
    summary: "My registered devices",
    tags,
    access: requireAuth,
    query: PageQuery,
    response: pageOf(DeviceToken),
    handler: ({ principal, query }) => notifications.listDeviceTokens(db, principal, query),
  });
  api.route({
    method: "delete",
    path: "/api/v1/me/device-tokens/{tokenId}",
    summary: "Stop pushing to a device",
    tags,
    access: requireAuth,
    params: DeviceTokenParams,
    handler: ({ principal, audit, params }) => notifications.revokeDeviceToken(db, principal, audit, params.tokenId),
  });
  api.route({
    method: "get",
    path: "/api/v1/me/notifications",
    summary: "Notifications sent to me (and whether they were delivered)",
    tags,
    access: requireAuth,
    query: PageQuery,
    response: pageOf(Notification),
    handler: ({ principal, query }) => notifications.listNotifications(db, principal, query),
  });
}
