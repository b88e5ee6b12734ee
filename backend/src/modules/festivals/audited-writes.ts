import type { Knex } from "knex";
import type { Model, ModelConstructor, PartialModelObject } from "objection";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { recordAudit, type AuditContext } from "../audit/service.js";
import { assertFestivalAccess, type FestivalAccess, type FestivalAccessRequirement } from "../festival-access/service.js";

/**
 * The write pattern every festival-side module repeats: change one row and write its audit
 * row in the same transaction; map constraint violations to 409/422 naming what is wrong.
 * Used by festivals, events, venues, artists, schedule, personal schedules and waitlists;
 * each module still only touches its own tables.
 */

type Row = Record<string, unknown>;
type Db = Knex | Knex.Transaction;

/** A model of an audited table: a string id, who wrote it (set here) and (most) a soft delete. */
type AuditedModel = Model & { id: string; created_by?: string | null; updated_by?: string | null; deleted_at?: Date | null };
type AuditedClass<M extends AuditedModel> = ModelConstructor<M> & Pick<typeof Model, "query">;

export interface AuditTarget {
  entityType: string;
  organizationId: string | null;
  festivalId: string | null;
}

export async function insertAudited<M extends AuditedModel>(
  trx: Knex.Transaction,
  ctx: AuditContext,
  model: AuditedClass<M>,
  values: PartialModelObject<M> & { id?: string },
  target: AuditTarget,
): Promise<M> {
  const id = values.id ?? newId();
  const row = await model
    .query(trx)
    .insert({ ...values, id, created_by: ctx.actorUserId, updated_by: ctx.actorUserId })
    .returning("*")
    .castTo<M>();
  await recordAudit(trx, ctx, { ...target, action: `${target.entityType}.created`, entityId: id, after: row });
  return row;
}

/** Locks the row, applies `changes` (already allow-listed), audits before/after. 404 if gone. */
export async function updateAudited<M extends AuditedModel>(
  trx: Knex.Transaction,
  ctx: AuditContext,
  model: AuditedClass<M>,
  id: string,
  changes: PartialModelObject<M> | { deleted_at: Knex.Raw },
  target: AuditTarget,
  action = "updated",
): Promise<M> {
  const before = await model.query(trx).findById(id).forUpdate().castTo<M | undefined>();
  if (!before || before.deleted_at) throw new HttpError(404, `${target.entityType}_not_found`, `${target.entityType} ${id} not found`);
  const after = await model
    .query(trx)
    .findById(id)
    .patch({ ...changes, updated_by: ctx.actorUserId })
    .returning("*")
    .castTo<M>();
  await recordAudit(trx, ctx, {
    ...target,
    action: `${target.entityType}.${action}`,
    entityId: id,
    before: changedOnly(before, changes),
    after: changedOnly(after, changes),
  });
  return after;
}

/** Soft delete: the row stays for history, `deleted_at` hides it. */
export function softDeleteAudited<M extends AuditedModel>(trx: Knex.Transaction, ctx: AuditContext, model: AuditedClass<M>, id: string, target: AuditTarget): Promise<M> {
  return updateAudited(trx, ctx, model, id, { deleted_at: trx.fn.now() }, target, "deleted");
}

function changedOnly(row: object, changes: object): Row {
  const values = new Map(Object.entries(row));
  return Object.fromEntries(Object.keys(changes).map((key) => [key, values.get(key)]));
}

/** Removes undefined values: a PATCH changes only the fields it names. */
export function definedOnly<T extends object>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
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

export type { Db };
