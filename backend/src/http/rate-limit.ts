import { rateLimit, type Store } from "express-rate-limit";
import type { RequestHandler } from "express";
import { HttpError } from "./errors.js";

const tooMany = (message: string) => new HttpError(429, "rate_limited", message);

/**
 * Sign-in endpoints (nonce, verify, password, refresh): per client IP, per minute, counted in
 * `store` (the Postgres store: one count across every API process).
 */
export function signInRateLimit(perMinute: number, store: Store): RequestHandler {
  return rateLimit({
    store,
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (_req, _res, next) => next(tooMany("too many sign-in attempts; wait a minute")),
  });
}

/** Per API key, at the key's own `rate_limit_per_minute`. Users with sessions are not limited here. */
export function apiKeyRateLimit(store: Store): RequestHandler {
  const limiter = rateLimit({
    store,
    windowMs: 60_000,
    limit: (req) => req.principal?.apiKeyRateLimitPerMinute ?? 1,
    keyGenerator: (req) => `api_key:${req.principal?.apiKeyId}`,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (_req, _res, next) => next(tooMany("this API key exceeded its rate limit")),
  });
  // signed-in users bypass the limiter without paying for its async machinery
  return (req, res, next) => (req.principal?.kind === "api_key" ? limiter(req, res, next) : next());
}
