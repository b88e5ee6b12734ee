import { z } from "../../http/zod.js";
import { FESTIVAL_LEVELS, FESTIVAL_SCOPES } from "./service.js";

export const FestivalLevel = z.enum(FESTIVAL_LEVELS);
export const FestivalScope = z.enum(FESTIVAL_SCOPES);
export const FestivalIdParams = z.object({ festivalId: z.uuid() });
export const PermissionParams = z.object({ festivalId: z.uuid(), permissionId: z.uuid() });
export const InvitationParams = z.object({ festivalId: z.uuid(), invitationId: z.uuid() });

export const FestivalPermission = z
  .object({ id: z.uuid(), festivalId: z.uuid(), userId: z.uuid(), level: FestivalLevel, scope: FestivalScope, createdAt: z.string() })
  .openapi("FestivalPermission");

export const Invitation = z
  .object({
    id: z.uuid(),
    festivalId: z.uuid(),
    email: z.string(),
    level: FestivalLevel,
    scope: FestivalScope,
    status: z.enum(["pending", "accepted", "revoked"]),
    expiresAt: z.string(),
    createdAt: z.string(),
  })
  .openapi("FestivalInvitation");

export const CreateInvitationBody = z.strictObject({
  email: z
    .email()
    .max(254)
    .transform((v) => v.toLowerCase()),
  level: FestivalLevel,
  scope: FestivalScope.default("all"),
});
export const AcceptInvitationBody = z.strictObject({ token: z.string().min(16).max(200) });
