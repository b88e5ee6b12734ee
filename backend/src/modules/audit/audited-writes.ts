import type { Knex } from "knex";
import type { Model, ModelConstructor, PartialModelObject } from "objection";
import { AuditedModel, SoftDeletableModel } from "./audited-model.js";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError } from "../../http/errors.js";
import { recordAudit } from "./service.js";

/**
 * The write pattern the festival-side modules repeat: change one row and write its audit
 * row in the same transaction. Each caller still only touches its own tables.
 */

/** A model of an audited table (audited-model.ts): a string id, who wrote it (set here) and (most) a soft delete. */
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
  if (!before || (before instanceof SoftDeletableModel && before.deleted_at))
    throw new HttpError(404, `${target.entityType}_not_found`, `${target.entityType} ${id} not found`);
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
export function softDeleteAudited<M extends SoftDeletableModel>(
  trx: Knex.Transaction,
  ctx: AuditContext,
  model: AuditedClass<M>,
  id: string,
  target: AuditTarget,
): Promise<M> {
  return updateAudited(trx, ctx, model, id, { deleted_at: trx.fn.now() }, target, "deleted");
}

function changedOnly(row: object, changes: object): Record<string, unknown> {
  const values = new Map(Object.entries(row));
  return Object.fromEntries(Object.keys(changes).map((key) => [key, values.get(key)]));
}
