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
 * One multi-row INSERT per table and batch, whatever the row count: the rows travel as one
 * jsonb array parameter (bigints as decimal strings) and each field is cast to its column type. Idempotent by
 * construction (`on conflict do nothing` on the natural key), so replaying a batch after
 * a crash writes nothing twice.
 */
export async function insertRows<Row>(db: Queryable, table: TableSpec<Row>, rows: readonly Row[]): Promise<number> {
  if (rows.length === 0) return 0;
  const names = table.columns.map(([name]) => name);
  // the rows travel as ONE json parameter (V8's JSON.stringify and Postgres' jsonb parser are
  // much cheaper than node-postgres' per-element array escaping plus one array literal per column)
  const json = JSON.stringify(
    rows.map((row) => names.map((name) => row[name as keyof Row] ?? null)),
    (_, v) => (typeof v === "bigint" ? v.toString() : v),
  );
  const select = table.columns.map(([name, type], i) => `(r->>${i})::${type === "jsonb" ? "text" : type}${type === "jsonb" ? "::jsonb" : ""} as ${name}`);
  const result = await db.query(
    `insert into ${table.name} (${names.join(", ")})
     select ${select.join(", ")} from jsonb_array_elements($1::jsonb) as j(r)
     on conflict ${table.conflict} do nothing`,
    [json],
  );
  return result.rowCount ?? 0;
}
