import type { NextFunction, Request, RequestHandler, Response } from "express";
import { HttpError } from "./errors.js";

export type PlatformRole = "admin" | "organizer" | "artist" | "content_creator" | "sponsor" | "fan" | "staff" | "cashier" | "security";
export const PLATFORM_ROLES: readonly PlatformRole[] = ["admin", "organizer", "artist", "content_creator", "sponsor", "fan", "staff", "cashier", "security"];

/** How far a platform permission reaches: the caller's own objects, their organizations', or all. */
export type PermissionScope = "own" | "organization" | "all";
const SCOPE_RANK: Record<PermissionScope, number> = { own: 0, organization: 1, all: 2 };

/**
 * Who is calling. A user signed in (access token), or an API key acting for the user who
 * made it, narrowed to the key's scopes (and to its organization when the key has one).
 * API keys carry no platform roles: they can do what their scopes say, nothing more.
 */
export interface Principal {
  kind: "user" | "api_key";
  userId: string;
  sessionId: string | null;
  apiKeyId: string | null;
  /** An organization-bound API key only reaches that organization's objects. */
  apiKeyOrganizationId: string | null;
  roles: ReadonlySet<PlatformRole>;
  /** `resource.action` -> widest scope granted by any role. */
  permissions: ReadonlyMap<string, PermissionScope>;
  /** API key scopes such as "festivals:read"; null for a signed-in user (not narrowed). */
  apiScopes: ReadonlySet<string> | null;
  apiKeyRateLimitPerMinute: number | null;
}

declare module "express-serve-static-core" {
  interface Request {
    /** Set by the authenticate middleware when valid credentials came with the request. */
    principal?: Principal;
  }
}

/** Turns credentials into a principal; implemented in modules/auth/principals.ts. */
export interface PrincipalResolver {
  /** null: the token is invalid, expired, or its session was revoked. */
  fromAccessToken(token: string): Promise<Principal | null>;
  /** The same answer as fromAccessToken when it is already known in memory (no await), else undefined. */
  fromAccessTokenCached?(token: string): Principal | null | undefined;
  /** null: unknown, revoked or expired key. */
  fromApiKey(rawKey: string): Promise<Principal | null>;
  isApiKey(credential: string): boolean;
}

/**
 * Global middleware: `Authorization: Bearer <access token | API key>` or `X-API-Key: <key>`.
 * No credentials: the request continues anonymously (guards decide). Bad credentials: 401,
 * even on a public route, so a client learns at once that its token is wrong.
 */
export function authenticate(resolver: PrincipalResolver): RequestHandler {
  return (req, res, next) => {
    const credential = readCredential(req);
    if (!credential) return next();
    const isApiKey = resolver.isApiKey(credential);
    if (!isApiKey && resolver.fromAccessTokenCached) {
      const known = resolver.fromAccessTokenCached(credential);
      if (known) {
        req.principal = known;
        return next();
      }
      if (known === null) return next(unauthorized("invalid_credentials", "the access token or API key is invalid, expired or revoked"));
    }
    const resolve = isApiKey ? resolver.fromApiKey(credential) : resolver.fromAccessToken(credential);
    resolve.then((principal) => {
      if (!principal) return next(unauthorized("invalid_credentials", "the access token or API key is invalid, expired or revoked"));
      req.principal = principal;
      next();
    }, next);
  };
}

function readCredential(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1];
  }
  const apiKey = req.headers["x-api-key"];
  return typeof apiKey === "string" && apiKey.length > 0 ? apiKey : undefined;
}

export function unauthorized(code = "unauthenticated", message = "sign in first: send Authorization: Bearer <token>"): HttpError {
  return new HttpError(401, code, message);
}

// ------------------------------------------------------------------------------ guards

/**
 * A guard is an Express middleware that also describes itself, so a route declared with
 * `api.route({ access: ... })` is documented in OpenAPI with who may call it. Guards work
 * in plain Express too: `router.get("/x", requireAuth, handler)`.
 */
export type Guard = RequestHandler & { readonly describe: string; readonly acceptsApiKeys: boolean };

function guard(describe: string, acceptsApiKeys: boolean, check: (req: Request) => void): Guard {
  const handler = (req: Request, _res: Response, next: NextFunction) => {
    try {
      check(req);
      next();
    } catch (error) {
      next(error);
    }
  };
  return Object.assign(handler, { describe, acceptsApiKeys });
}

/** Narrows `req.principal` after a guard ran (throws 401 if somehow absent). */
export function principalOf(req: Request): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

/** Any signed-in user (access token). API keys are refused: a key works only where a route names its scope. */
export const requireAuth: Guard = guard("a signed-in user", false, (req) => {
  if (principalOf(req).kind === "api_key") throw apiKeyNotAllowed();
});

function apiKeyNotAllowed(): HttpError {
  return new HttpError(403, "api_key_not_allowed", "this route does not accept API keys; sign in as a user");
}

/** A signed-in user holding one of `roles`. `requireRole("admin")` */
export function requireRole(...roles: PlatformRole[]): Guard {
  return guard(`a user with role ${roles.join(" or ")}`, false, (req) => {
    const p = principalOf(req);
    if (p.kind === "api_key") throw apiKeyNotAllowed();
    if (!roles.some((r) => p.roles.has(r))) throw new HttpError(403, "forbidden", `requires role ${roles.join(" or ")}`);
  });
}

/**
 * A signed-in user whose roles grant `permission` (`resource.action`) with at least
 * `minScope`. The service still checks the object (own / organization) itself.
 *   access: requirePermission("audit.read", "organization")
 */
export function requirePermission(permission: string, minScope: PermissionScope = "own"): Guard {
  return guard(`a user with permission ${permission} (${minScope})`, false, (req) => {
    const p = principalOf(req);
    if (p.kind === "api_key") throw apiKeyNotAllowed();
    if (!hasPermission(p, permission, minScope)) throw new HttpError(403, "forbidden", `requires permission ${permission}`);
  });
}

/** Every scope an API key can hold: the ones routes ask for with requireApiScope. */
export const API_SCOPES = ["festivals:read", "festivals:write", "organizations:read", "profile:read", "webhooks:write"] as const;
export type ApiScopeName = (typeof API_SCOPES)[number];

/**
 * A signed-in user, or an API key holding `scope` (e.g. "festivals:read"). Users are not
 * narrowed by scopes; object-level checks still apply to both.
 *   access: requireApiScope("festivals:write")
 */
export function requireApiScope(scope: ApiScopeName): Guard {
  return guard(`a signed-in user, or an API key with scope ${scope}`, true, (req) => {
    const p = principalOf(req);
    if (p.kind === "api_key" && !p.apiScopes?.has(scope)) throw new HttpError(403, "insufficient_scope", `the API key lacks scope ${scope}`);
  });
}

export function hasRole(principal: Principal | undefined, role: PlatformRole): boolean {
  return principal?.roles.has(role) ?? false;
}

export function hasPermission(principal: Principal, permission: string, minScope: PermissionScope = "own"): boolean {
  const scope = principal.permissions.get(permission);
  return scope !== undefined && SCOPE_RANK[scope] >= SCOPE_RANK[minScope];
}

/** Identity string for per-caller state (idempotency keys, rate limits). */
export function principalKey(principal: Principal): string {
  return principal.kind === "api_key" ? `api_key:${principal.apiKeyId}` : `user:${principal.userId}`;
}

// ------------------------------------------------------------------------------ terminals

/**
 * A payment terminal registered to a vendor stand (module vendors), authenticated with its
 * own key in `X-Terminal-Key` (never a user password on a shared device). A terminal is not a
 * user: it has no roles and reaches only the terminal routes, and only for its own stand.
 */
export interface TerminalPrincipal {
  terminalId: string;
  standId: string;
  vendorId: string;
  editionId: string;
  /** Ed25519 public key (hex) its offline journal is signed with; null if none registered. */
  signingPublicKey: string | null;
}

declare module "express-serve-static-core" {
  interface Request {
    /** Set by requireTerminal when a valid X-Terminal-Key came with the request. */
    terminal?: TerminalPrincipal;
  }
}

/** Turns a terminal key into a terminal; implemented in modules/vendors/terminals.ts. */
export interface TerminalResolver {
  /** null: unknown or revoked key. */
  fromTerminalKey(rawKey: string): Promise<TerminalPrincipal | null>;
}

/**
 * A registered terminal (header `X-Terminal-Key`, or `Authorization: Terminal <key>`). The
 * global authenticate middleware reads neither, so a terminal request carries no user principal; the handler reads
 * `terminalOf(req)`.
 */
export function requireTerminal(resolver: TerminalResolver): Guard {
  const handler = (req: Request, _res: Response, next: NextFunction) => {
    const key = readTerminalKey(req);
    if (!key) {
      return next(unauthorized("terminal_key_missing", "send the terminal's key in X-Terminal-Key"));
    }
    resolver.fromTerminalKey(key).then((terminal) => {
      if (!terminal) return next(unauthorized("invalid_terminal_key", "the terminal key is invalid or revoked"));
      req.terminal = terminal;
      next();
    }, next);
  };
  return Object.assign(handler, { describe: "a registered payment terminal (X-Terminal-Key)", acceptsApiKeys: false });
}

/** `X-Terminal-Key: <key>`, or `Authorization: Terminal <key>` (which the user/API-key authentication leaves alone). */
function readTerminalKey(req: Request): string | undefined {
  const header = req.headers["x-terminal-key"];
  if (typeof header === "string" && header.length > 0) return header;
  const match = /^Terminal\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  return match?.[1];
}

/** Narrows `req.terminal` after requireTerminal ran. */
export function terminalOf(req: Request): TerminalPrincipal {
  if (!req.terminal) throw unauthorized("terminal_key_missing", "send the terminal's key in X-Terminal-Key");
  return req.terminal;
}
