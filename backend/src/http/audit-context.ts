import type { Request } from "express";
import type { Principal } from "./auth.js";

/** Who did it and from where: built once per request, passed down to services. */
export interface AuditContext {
  actorType: "user" | "api_key" | "system" | "anonymous";
  actorUserId: string | null;
  actorApiKeyId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** `auditContext(req)`: the actor from `req.principal`, plus IP, user agent and request id. */
export function auditContext(req: Request, principal: Principal | undefined = req.principal): AuditContext {
  return {
    actorType: principal ? principal.kind : "anonymous",
    actorUserId: principal?.userId ?? null,
    actorApiKeyId: principal?.apiKeyId ?? null,
    ip: req.ip ?? null,
    userAgent: req.get("user-agent")?.slice(0, 512) ?? null,
    requestId: req.id === undefined ? null : String(req.id),
  };
}
