import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError } from "../../http/errors.js";
import { recordAudit } from "./service.js";

/**
 * The write pattern the festival-side modules repeat: change one row and write its audit
 * row in the same transaction. Each caller still only touches its own tables.
 */

type Row = Record<string, unknown>;

export interface AuditTarget {
  entityType: string;
  organizationId: string | null;
  festivalId: string | null;
}

export async function insertAudited(trx: Knex.Transaction, ctx: AuditContext, table: string, values: Row, target: AuditTarget): Promise<Row> {
  const id = (values.id as string | undefined) ?? newId();
  const [row] = await trx(table)
    .insert({ ...values, id, created_by: ctx.actorUserId, updated_by: ctx.actorUserId })
    .returning("*");
  await recordAudit(trx, ctx, { ...target, action: `${target.entityType}.created`, entityId: id, after: row });
  return row as Row;
}

/** Locks the row, applies `changes` (already allow-listed), audits before/after. 404 if gone. */
export async function updateAudited(
  trx: Knex.Transaction,
  ctx: AuditContext,
  table: string,
  id: string,
  changes: Row,
  target: AuditTarget,
  action = "updated",
): Promise<Row> {
  const before = await trx(table).where({ id }).forUpdate().first();
  if (!before || before.deleted_at) throw new HttpError(404, `${target.entityType}_not_found`, `${target.entityType} ${id} not found`);
  const [after] = await trx(table)
    .where({ id })
    .update({ ...changes, updated_by: ctx.actorUserId })
    .returning("*");
  await recordAudit(trx, ctx, {
    ...target,
    action: `${target.entityType}.${action}`,
    entityId: id,
    before: changedOnly(before, changes),
    after: changedOnly(after, changes),
  });
  return after as Row;
}

/** Soft delete: the row stays for history, `deleted_at` hides it. */
export function softDeleteAudited(trx: Knex.Transaction, ctx: AuditContext, table: string, id: string, target: AuditTarget): Promise<Row> {
  return updateAudited(trx, ctx, table, id, { deleted_at: trx.fn.now() }, target, "deleted");
}

function changedOnly(row: Row, changes: Row): Row {
  const out: Row = {};
  for (const key of Object.keys(changes)) out[key] = row[key];
  return out;
}
