import type { RequestHandler } from "express";
import { HttpError, type FieldError } from "./errors.js";

// Postgres refuses U+0000 in text and jsonb (a 500 if it gets there), and encodes a lone
// UTF-16 surrogate as U+FFFD (silent corruption). Neither is ever meaningful input.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(s: string): string | undefined {
  if (s.includes("\u0000")) return "must not contain a NUL byte (U+0000)";
  if (LONE_SURROGATE.test(s)) return "must be valid Unicode (contains a lone surrogate)";
  return undefined;
}

/** Every string (and object key) in `value` that Postgres cannot store faithfully, by field path. */
export function textErrors(value: unknown, field: string, out: FieldError[] = []): FieldError[] {
  if (typeof value === "string") {
    const message = textProblem(value);
    if (message) out.push({ field, message });
  } else if (Buffer.isBuffer(value)) {
    // a raw body (payment webhooks, checked by signature) is bytes, not text: walking it would visit every byte
    return out;
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => textErrors(v, `${field}.${i}`, out));
  } else if (value !== null && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (keyProblem) out.push({ field, message: `a key ${keyProblem}` });
      else textErrors(v, `${field}.${key}`, out);
    }
  }
  return out;
}

/** A 400 naming each field of `errors`. */
export function unstorableText(errors: FieldError[]): HttpError {
  return new HttpError(400, "invalid_input", `invalid text: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}`, errors);
}

/**
 * Refuses NUL bytes and lone surrogates anywhere in a request's query and body with a 400
 * naming each field, for every route (it runs right after the body parser, so no handler,
 * service or query ever sees such a string). Path parameters exist only once a route
 * matched: parseInput (validate.ts) applies the same rule to them.
 */
export const rejectUnstorableText: RequestHandler = (req, _res, next) => {
  const errors = [...textErrors(req.query, "query"), ...textErrors(req.body, "body")];
  next(errors.length ? unstorableText(errors) : undefined);
};
