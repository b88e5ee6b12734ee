import express, { type RequestHandler } from "express";
import { HttpError } from "./errors.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The first field whose text holds U+FFFD: where a lenient decoder replaced the bad bytes. */
function fieldWithReplacement(value: unknown, field: string): string | undefined {
  if (typeof value === "string") return value.includes("\uFFFD") ? field : undefined;
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, v] of Object.entries(value)) {
    if (key.includes("\uFFFD")) return field;
    const found = fieldWithReplacement(v, `${field}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * JSON bodies, decoded strictly: bytes that are not UTF-8 are a 400 naming the field they
 * sit in, instead of being stored as U+FFFD.
 */
export function jsonBody(limit: string): RequestHandler {
  return express.json({
    limit,
    verify: (req, _res, buf, encoding) => {
      // kept for routes that verify a signature over the exact bytes (e-signature webhooks)
      (req as { rawBody?: Buffer }).rawBody = buf;
      if (encoding && encoding.toLowerCase() !== "utf-8") return;
      try {
        strictUtf8.decode(buf);
      } catch {
        let field = "body";
        try {
          field = fieldWithReplacement(JSON.parse(buf.toString("utf8")), "body") ?? "body";
        } catch {
          // not JSON either: the whole body is at fault
        }
        throw new HttpError(400, "invalid_input", `invalid body: ${field} is not valid UTF-8`, [{ field, message: "must be valid UTF-8" }]);
      }
    },
  });
}
