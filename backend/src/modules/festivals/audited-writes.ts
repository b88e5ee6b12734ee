import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { assertFestivalAccess, type FestivalAccess, type FestivalAccessRequirement } from "../festival-access/service.js";

type Row = Record<string, unknown>;

/** Removes undefined values: a PATCH changes only the fields it names. */
export function definedOnly(values: Row): Row {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

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
    const e = error as PgError;
    if (e?.constraint && known[e.constraint]) throw await known[e.constraint]!(e);
    if (e?.code === "23505") throw new HttpError(409, "conflict", `already exists (${e.constraint})`, undefined, { constraint: e.constraint });
    if (e?.code === "23514" || e?.code === "23503" || e?.code === "23P01" || e?.code === "23000") {
      throw new HttpError(422, "rule_violated", e.message ?? "business rule violated", undefined, { constraint: e.constraint });
    }
    throw error;
  }
}

export function notFound(entityType: string, id: string): HttpError {
  return new HttpError(404, `${entityType}_not_found`, `${entityType} ${id} not found`);
}

/**
 * assertFestivalAccess for an object inside a festival: a caller with no access at all is
 * told the object itself is not found, so its existence never leaks.
 */
export async function assertObjectAccess(
  db: Knex,
  principal: Principal,
  festivalId: string,
  required: FestivalAccessRequirement,
  entityType: string,
  id: string,
): Promise<FestivalAccess> {
  try {
    return await assertFestivalAccess(db, principal, festivalId, required);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw notFound(entityType, id);
    throw error;
  }
}
