import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import { PlatformError } from "../../../lib/errors.js";

/** One field-level problem: which field, and why. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error that becomes an RFC 9457 problem+json response.
 * `code` is a stable machine-readable identifier; `title` is for humans. Retryable (the
 * platform error model, lib/errors.ts) when the same request may succeed later: 429, 503.
 */
export class HttpError extends PlatformError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, { ...options, retryable: status === 429 || status === 503 });
  }
}

/** 404 `<entity>_not_found`, the same for a missing object and one the caller may not see. */
export function notFound(entityType: string, id: string): HttpError {
  return new HttpError(404, `${entityType}_not_found`, `${entityType} ${id} not found`);
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, "not_found", `no route for ${req.method} ${req.path}`));
};

/** Turns any error into problem+json; never leaks a stack trace, never a 500 for bad input. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const httpError = toHttpError(err);
    if (httpError.status >= 500) log.error({ err, requestId: req.id }, "request failed");
    res
      .status(httpError.status)
      .type("application/problem+json")
      .json({
        type: `https://errors.festival.local/${httpError.code}`,
        title: TITLES[httpError.status] ?? "Error",
        status: httpError.status,
        detail: httpError.message,
        code: httpError.code,
        ...(httpError.errors ? { errors: httpError.errors } : {}),
        ...(httpError.extra ?? {}),
        ...(req.id ? { requestId: String(req.id) } : {}),
      });
  };
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string };
  // body-parser errors: malformed JSON, too large, wrong charset
  if (e?.type === "entity.parse.failed") return new HttpError(400, "malformed_json", "request body is not valid JSON");
  if (e?.type === "entity.too.large") return new HttpError(413, "payload_too_large", "request body is too large");
  const status = e?.status ?? e?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new HttpError(status, "bad_request", e.message ?? "bad request");
  }
  return new HttpError(500, "internal", "internal error");
}
