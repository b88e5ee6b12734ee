import type { RouteDeps } from "../../http/route-deps.js";
import { requireApiScope, requireAuth, requirePermission, requireRole } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import { ProfileService } from "./profiles.js";
import { grantRole, revokeRole, rolesOf } from "./roles.js";
import * as s from "./schemas.js";
import { getMe, updateMe } from "./service.js";
import { listWallets, removeWallet, updateWallet, type HasPassword } from "./wallets.js";

/** What the users module needs from the auth module; app.ts passes it in (users never imports auth). */
export interface UserRouteDeps {
  /** Drop the cached sessions of a user whose roles changed. */
  forgetUser(userId: string): void;
  hasPassword: HasPassword;
}

/** The signed-in user, their wallets and role profiles, and platform roles. Linking a wallet (which needs a signed proof) is in auth/wallet-links.ts. */
export function userRoutes(api: ApiRouter, deps: RouteDeps & UserRouteDeps): void {
  const { db, forgetUser, hasPassword } = deps;
  const profiles = new ProfileService(db, deps.box, forgetUser);
  const tags = ["users"];

  api.route({
    method: "get",
    path: "/api/v1/me",
    tags,
    summary: "The signed-in user",
    access: requireApiScope("profile:read"),
    response: s.Me,
    handler: ({ principal }) => getMe(db, principal),
  });
  api.route({
    method: "patch",
    path: "/api/v1/me",
    tags,
    summary: "Change your profile",
    access: requireAuth,
    body: s.UpdateMeBody,
    response: s.Me,
    handler: ({ principal, audit, body }) => updateMe(db, principal, audit, body),
  });

  // wallets
  const wallets = ["wallets"];
  api.route({
    method: "get",
    path: "/api/v1/me/wallets",
    tags: wallets,
    summary: "Your wallets",
    access: requireApiScope("profile:read"),
    query: PageQuery,
    response: pageOf(s.Wallet),
    handler: ({ principal, query }) => listWallets(db, principal, query),
  });
  api.route({
    method: "patch",
    path: "/api/v1/me/wallets/{walletId}",
    tags: wallets,
    summary: "Label a wallet or make it primary for its network",
    access: requireAuth,
    params: s.WalletIdParams,
    body: s.UpdateWalletBody,
    response: s.Wallet,
    handler: ({ principal, audit, params, body }) => updateWallet(db, principal, audit, params.walletId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/me/wallets/{walletId}",
    tags: wallets,
    summary: "Unlink a wallet",
    access: requireAuth,
    params: s.WalletIdParams,
    handler: ({ principal, audit, params }) => removeWallet(db, hasPassword, principal, audit, params.walletId),
  });

  // role profiles: one route per kind so each body is documented
  for (const kind of s.ProfileKind.options) {
    api.route({
      method: "get",
      path: `/api/v1/me/profiles/${kind}`,
      tags: ["profiles"],
      summary: `Your ${kind} profile`,
      access: requireAuth,
      response: s.Profile,
      handler: ({ principal }) => profiles.get(principal.userId, kind),
    });
    api.route({
      method: "put",
      path: `/api/v1/me/profiles/${kind}`,
      tags: ["profiles"],
      summary: `Create or replace your ${kind} profile (grants the ${kind} role)`,
      access: requireAuth,
      body: s.ProfileBodies[kind],
      response: s.Profile,
      handler: ({ principal, audit, body }) => profiles.upsert(principal, audit, kind, body),
    });
  }
  api.route({
    method: "post",
    path: "/api/v1/users/{userId}/profiles/organizer/verification",
    tags: ["profiles"],
    summary: "Verify or reject an organizer",
    access: requirePermission("profiles.verify", "all"),
    params: s.UserIdParams,
    body: s.VerifyOrganizerBody,
    response: s.Profile,
    status: 200,
    handler: ({ audit, params, body }) => profiles.verifyOrganizer(audit, params.userId, body.status),
  });

  // platform roles (admins)
  api.route({
    method: "get",
    path: "/api/v1/users/{userId}/roles",
    tags: ["roles"],
    summary: "A user's platform roles",
    access: requireRole("admin"),
    params: s.UserIdParams,
    response: s.Roles,
    handler: ({ params }) => rolesOf(db, params.userId),
  });
  api.route({
    method: "put",
    path: "/api/v1/users/{userId}/roles/{role}",
    tags: ["roles"],
    summary: "Grant a platform role",
    access: requireRole("admin"),
    params: s.RoleParams,
    response: s.Roles,
    handler: async ({ audit, params }) => {
      const out = await grantRole(db, audit, params.userId, params.role);
      forgetUser(params.userId);
      return out;
    },
  });
  api.route({
    method: "delete",
    path: "/api/v1/users/{userId}/roles/{role}",
    tags: ["roles"],
    summary: "Revoke a platform role",
    access: requireRole("admin"),
    params: s.RoleParams,
    response: s.Roles,
    status: 200,
    handler: async ({ principal, audit, params }) => {
      const out = await revokeRole(db, principal, audit, params.userId, params.role);
      forgetUser(params.userId);
      return out;
    },
  });
}
