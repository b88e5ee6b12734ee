import { HttpError } from "./errors.js";

export interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
  message?: string;
}

/**
 * Runs `fn`, turning constraint violations into HTTP errors: the caller names the ones it
 * expects (`constraint name -> error`); others become a generic 409 (unique), 422 (check,
 * foreign key, exclusion) naming the constraint. Never a 500 for a business rule.
 */
export async function withConstraintErrors<T>(fn: () => Promise<T>, known: Record<string, (e: PgError) => HttpError | Promise<HttpError>> = {}): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    // objection wraps the driver's error (db-errors); the Postgres fields are on the original
    const e = ((error as { nativeError?: PgError })?.nativeError ?? error) as PgError;
    if (e?.constraint && known[e.constraint]) throw await known[e.constraint]!(e);
    if (e?.code === "23505") throw new HttpError(409, "conflict", `already exists (${e.constraint})`, undefined, { constraint: e.constraint });
    if (e?.code === "23514" || e?.code === "23503" || e?.code === "23P01" || e?.code === "23000") {
      throw new HttpError(422, "rule_violated", e.message ?? "business rule violated", undefined, { constraint: e.constraint });
    }
    throw error;
  }
}
