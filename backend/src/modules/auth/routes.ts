import type { RouteDeps } from "../../http/route-deps.js";
import { requireApiScope, requireAuth } from "../../http/auth.js";
import { signInRateLimit } from "../../http/rate-limit.js";
import { PostgresRateLimitStore } from "../../http/rate-limit-store.js";
import type { ApiRouter } from "../../http/route.js";
import { Wallet } from "../users/schemas.js";
import { requestPasswordReset, resetPassword } from "./password-reset.js";
import { signInWithPassword } from "./passwords.js";
import { register, verifyEmail } from "./registration.js";
import * as s from "./schemas.js";
import { signInWithEthereum, signInWithStellar, type IdentityServices } from "./service.js";
import { refreshSession, revokeSession } from "./sessions.js";
import { issueNonce } from "./siwe.js";
import { linkEvmWallet, linkStellarWallet } from "./wallet-links.js";

export function authRoutes(api: ApiRouter, deps: RouteDeps & IdentityServices): void {
  const { db, principals, stellar } = deps;
  const limited = [signInRateLimit(deps.config.rateLimits.signInPerMinute, new PostgresRateLimitStore(db, `${deps.config.rateLimits.namespace}:sign_in:`))];
  const tags = ["auth"];

  api.route({
    method: "post",
    path: "/api/v1/auth/siwe/nonce",
    tags,
    summary: "Get a Sign-In with Ethereum nonce",
    access: "public",
    before: limited,
    response: s.SiweNonce,
    status: 200,
    handler: () => issueNonce(db, deps, "sign_in"),
  });
  api.route({
    method: "post",
    path: "/api/v1/auth/siwe/verify",
    tags,
    summary: "Sign in with a signed EIP-4361 message",
    description: "Checks domain, URI, chain id, nonce (single use), issued/expiration times and the signature (EIP-1271 through the chain when connected).",
    access: "public",
    before: limited,
    body: s.SiweVerifyBody,
    response: s.SessionTokens,
    handler: ({ body, audit }) => signInWithEthereum(db, deps, audit, body.message, body.signature),
  });
  api.route({
    method: "post",
    path: "/api/v1/auth/stellar/challenge",
    tags,
    summary: "Get a SEP-10 challenge transaction",
    access: "public",
    before: limited,
    body: s.StellarChallengeBody,
    response: s.StellarChallenge,
    status: 200,
    handler: ({ body }) => stellar.buildChallenge(db, body.account, "sign_in"),
  });
  api.route({
    method: "post",
    path: "/api/v1/auth/stellar/verify",
    tags,
    summary: "Sign in with a signed SEP-10 challenge",
    access: "public",
    before: limited,
    body: s.StellarVerifyBody,
    response: s.SessionTokens,
    handler: ({ body, audit }) => signInWithStellar(db, deps, audit, body.transaction),
  });
  api.route({
    method: "post",
    path: "/api/v1/auth/password/register",
    tags,
    summary: "Create an email + password account (staff without a wallet)",
    description: "Same answer whether or not the email has an account: a new address is mailed a verification token, the owner of a known one a notice.",
    access: "public",
    before: limited,
    body: s.RegisterBody,
    status: 202,
    handler: ({ body, audit }) => register(db, audit, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/auth/email/verify",
    tags,
    summary: "Confirm an email address with the mailed token",
    access: "public",
    before: limited,
    body: s.TokenBody,
    handler: ({ body, audit }) => verifyEmail(db, audit, body.token),
  });
  api.route({
    method: "post",
    path: "/api/v1/auth/password/sign-in",
    tags,
    summary: "Sign in with email and password",
    description: "Locks the account for a while after repeated failures (429 account_locked).",
    access: "public",
    before: limited,
    body: s.PasswordSignInBody,
    response: s.SessionTokens,
    handler: ({ body, audit }) => signInWithPassword(db, deps, audit, body.email, body.password),
  });
  api.route({
    method: "post",
    path: "/api/v1/auth/password/forgot",
    tags,
    summary: "Mail a password reset token (same answer whether or not the account exists)",
    access: "public",
    before: limited,
    body: s.ForgotPasswordBody,
    status: 202,
    handler: ({ body, audit }) => requestPasswordReset(db, audit, body.email),
  });
  api.route({
    method: "post",
    path: "/api/v1/auth/password/reset",
    tags,
    summary: "Set a new password with the mailed token (revokes every session)",
    access: "public",
    before: limited,
    body: s.ResetPasswordBody,
    handler: async ({ body, audit }) => {
      for (const id of await resetPassword(db, audit, body.token, body.password)) principals.forgetSession(id);
    },
  });
  api.route({
    method: "post",
    path: "/api/v1/auth/refresh",
    tags,
    summary: "Rotate a refresh token",
    description: "Returns new tokens; the presented refresh token is spent. Presenting a spent token revokes the whole session.",
    access: "public",
    before: limited,
    body: s.RefreshBody,
    response: s.SessionTokens,
    status: 200,
    handler: ({ body, audit }) => refreshSession(db, deps, audit, body.refreshToken, (id) => principals.forgetSession(id)),
  });
  api.route({
    method: "get",
    path: "/api/v1/auth/session",
    tags,
    summary: "Who the credentials belong to (no database read on the hot path)",
    access: requireApiScope("profile:read"),
    response: s.Principal,
    handler: async ({ principal }) => ({
      kind: principal.kind,
      userId: principal.userId,
      sessionId: principal.sessionId,
      apiKeyId: principal.apiKeyId,
      roles: [...principal.roles],
      scopes: principal.apiScopes ? [...principal.apiScopes] : null,
    }),
  });
  api.route({
    method: "post",
    path: "/api/v1/auth/logout",
    tags,
    summary: "Revoke the current session",
    access: requireAuth,
    handler: async ({ principal, audit }) => {
      await revokeSession(db, audit, principal.sessionId!, "logout");
      principals.forgetSession(principal.sessionId!);
    },
  });

  // linking a wallet to the signed-in account (listing, labelling and unlinking are the users module's)
  const wallets = ["wallets"];
  api.route({
    method: "post",
    path: "/api/v1/me/wallets/evm/nonce",
    tags: wallets,
    summary: "A nonce to sign (EIP-4361) to prove you own an EVM wallet",
    access: requireAuth,
    response: s.SiweNonce,
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
    response: Wallet,
    handler: ({ principal, audit, body }) => linkEvmWallet(db, deps, principal, audit, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/me/wallets/stellar/challenge",
    tags: wallets,
    summary: "A SEP-10 challenge to prove you own a Stellar account",
    access: requireAuth,
    body: s.LinkStellarChallengeBody,
    response: s.StellarChallenge,
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
    response: Wallet,
    handler: ({ principal, audit, body }) => linkStellarWallet(db, stellar, principal, audit, body),
  });
}
