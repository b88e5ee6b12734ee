import { requireApiScope } from "../../http/auth.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../app.js";
import { Me } from "./schemas.js";
import { getMe } from "./service.js";

export function userRoutes(api: ApiRouter, { db }: RouteDeps): void {
  api.route({
    method: "get",
    path: "/api/v1/me",
    summary: "The signed-in user",
    tags: ["users"],
    access: requireApiScope("profile:read"),
    response: Me,
    handler: ({ principal }) => getMe(db, principal),
  });
}
