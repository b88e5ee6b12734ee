import { Model, type Modifiers, type QueryBuilder } from "objection";

/**
 * Base of every Model over a mutable table (the data conventions' `created_at`, `updated_at`,
 * `created_by`, `updated_by`): a string id, when the row was written and by whom. The audited
 * writes (audited-writes.ts) set created_by/updated_by; the database sets the times.
 *
 *   export class Venue extends SoftDeletableModel {
 *     static override tableName = "venues";
 *     declare name: string;
 *   }
 */
export class AuditedModel extends Model {
  static override idColumn = "id";
  declare id: string;
  declare created_at: Date;
  declare updated_at: Date;
  declare created_by: string | null;
  declare updated_by: string | null;
}

/**
 * An audited row that is soft-deleted: `deleted_at` hides it and the row stays for history.
 * The `live` modifier keeps the rows that are not deleted:
 *
 *   Venue.query(db).modify("live").where({ festival_id })
 */
export class SoftDeletableModel extends AuditedModel {
  declare deleted_at: Date | null;

  static override get modifiers(): Modifiers<QueryBuilder<SoftDeletableModel>> {
    return {
      live: (query: QueryBuilder<SoftDeletableModel>) => query.whereNull(query.modelClass().ref("deleted_at")),
    };
  }
}
