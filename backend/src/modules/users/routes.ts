import type { RouteDeps } from "../../http/route-deps.js";
import { requireApiScope, requireAuth, requirePermission, requireRole } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import { issueNonce } from "../auth/siwe.js";
import { SiweNonce, StellarChallenge } from "../auth/schemas.js";
import type { IdentityServices } from "../auth/service.js";
import * as s from "./schemas.js";
import {
  getMe,
  grantRole,
  linkEvmWallet,
  linkStellarWallet,
  listWallets,
  ProfileService,
  removeWallet,
  revokeRole,
  rolesOf,
  updateMe,
  updateWallet,
} from "./service.js";

export function userRoutes(api: ApiRouter, deps: RouteDeps & IdentityServices): void {
  const { db, principals, stellar } = deps;
  const profiles = new ProfileService(db, deps.box, (userId) => principals.forgetUser(userId));
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
    method: "post",
    path: "/api/v1/me/wallets/evm/nonce",
    tags: wallets,
    summary: "A nonce to sign (EIP-4361) to prove you own an EVM wallet",
    access: requireAuth,
    response: SiweNonce,
    status: 200,
    handler: ({ principal }) => issueNonce(db, deps, "link_wallet", principal.userId),
  });
  api.route({
    method: "post",
    path: "/api/v1/me/wallets/evm",
    tags: wallets,
    summary: "Link an EVM wallet with a signed EIP-4361 message",
    access: requireAuth,
    body: s.LinkEvmWalletBody,
    response: s.Wallet,
    handler: ({ principal, audit, body }) => linkEvmWallet(db, deps, principal, audit, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/me/wallets/stellar/challenge",
    tags: wallets,
    summary: "A SEP-10 challenge to prove you own a Stellar account",
    access: requireAuth,
    body: s.StellarChallengeBody,
    response: StellarChallenge,
    status: 200,
    handler: ({ principal, body }) => stellar.buildChallenge(db, body.account, "link_wallet", principal.userId),
  });
  api.route({
    method: "post",
    path: "/api/v1/me/wallets/stellar",
    tags: wallets,
    summary: "Link a Stellar account with a signed SEP-10 challenge",
    access: requireAuth,
    body: s.LinkStellarWalletBody,
    response: s.Wallet,
    handler: ({ principal, audit, body }) => linkStellarWallet(db, stellar, principal, audit, body),
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
    handler: ({ principal, audit, params }) => removeWallet(db, principal, audit, params.walletId),
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
      handler: ({ principal, audit, body }) => profiles.upsert(principal, audit, kind, body as Record<string, unknown>),
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
      principals.forgetUser(params.userId);
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
      principals.forgetUser(params.userId);
      return out;
    },
  });
}
