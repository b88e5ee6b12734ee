import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { assertFestivalAccess, type FestivalAccess, type FestivalAccessRequirement } from "../festival-access/service.js";

type Row = Record<string, unknown>;

/** Removes undefined values: a PATCH changes only the fields it names. */
export function definedOnly(values: Row): Row {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
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
