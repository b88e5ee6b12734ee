import type pg from "pg";

/** A Postgres column type as written in `unnest($1::<type>[])`. */
export type PgType = "text" | "uuid" | "bigint" | "integer" | "numeric" | "boolean" | "timestamptz" | "jsonb";

export interface TableSpec<Row> {
  name: string;
  columns: ReadonlyArray<readonly [keyof Row & string, PgType]>;
  /** `on conflict ... do nothing` target; the natural key that makes writes idempotent. */
  conflict: string;
}

export type Queryable = Pick<pg.PoolClient, "query">;

/**
 * One multi-row INSERT per table and batch, whatever the row count: each column travels
 * as one array parameter and `unnest` turns the arrays back into rows. Idempotent by
 * construction (`on conflict do nothing` on the natural key), so replaying a batch after
 * a crash writes nothing twice.
 */
export async function insertRows<Row>(db: Queryable, table: TableSpec<Row>, rows: readonly Row[]): Promise<number> {
  if (rows.length === 0) return 0;
  const names = table.columns.map(([name]) => name);
  const arrays = table.columns.map(([name, type]) => rows.map((row) => toPg(row[name as keyof Row], type)));
  const unnest = table.columns.map(([, type], i) => `$${i + 1}::${type === "jsonb" ? "text" : type}[]`).join(", ");
  const select = table.columns
    .map(([name, type], i) => (type === "jsonb" ? `c${i}::jsonb` : `c${i}`) + ` as ${name}`)
    .join(", ");
  const aliases = table.columns.map((_, i) => `c${i}`).join(", ");
  const result = await db.query(
    `insert into ${table.name} (${names.join(", ")})
     select ${select} from unnest(${unnest}) as t(${aliases})
     on conflict ${table.conflict} do nothing`,
    arrays,
  );
  return result.rowCount ?? 0;
}

function toPg(value: unknown, type: PgType): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === "bigint") return value.toString();
  if (type === "jsonb") return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  return value;
}
