import { rateLimit } from "express-rate-limit";
import type { RequestHandler } from "express";
import { HttpError } from "./errors.js";

const tooMany = (message: string) => new HttpError(429, "rate_limited", message);

/**
 * Sign-in endpoints (nonce, verify, password, refresh): per client IP, per minute.
 * In-memory: with several API processes, put a shared store here (express-rate-limit stores).
 */
export function signInRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (_req, _res, next) => next(tooMany("too many sign-in attempts; wait a minute")),
  });
}

/** Per API key, at the key's own `rate_limit_per_minute`. Users with sessions are not limited here. */
export function apiKeyRateLimit(): RequestHandler {
  const limiter = rateLimit({
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
