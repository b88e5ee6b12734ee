import type { z } from "zod";
import { HttpError, type FieldError } from "./errors.js";
import { textErrors, unstorableText } from "./text-input.js";

export type InputLocation = "params" | "query" | "body" | "headers";

/**
 * Parses one part of a request with a zod schema; on failure throws a 400 naming every
 * field and why (`errors: [{ field: "body.email", message: "Invalid email address" }]`).
 * Text Postgres cannot store (NUL, lone surrogates) is refused first (text-input.ts).
 *
 *   const body = parseInput(CreateStageBody, req.body, "body");
 *
 * Routes declared with `api.route({...})` (http/route.ts) call this for you.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, location: InputLocation): z.output<S> {
  const unstorable = textErrors(value, location);
  if (unstorable.length) throw unstorableText(unstorable);
  const result = schema.safeParse(value ?? (location === "body" ? undefined : {}));
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: [location, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  throw new HttpError(400, "invalid_input", `invalid ${location}: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}`, errors);
}

/** Removes undefined values: a PATCH changes only the fields it names. */
export function definedOnly<T extends object>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
