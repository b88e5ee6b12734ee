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
 *
 * `known: "new"`: the caller has proven that none of the rows is stored (their blocks were
 * not), so the statement skips the conflict check (about 15 % of a log row's insert); a
 * conflict would then fail the transaction rather than be ignored.
 */
export async function insertRows<Row>(db: Queryable, table: TableSpec<Row>, rows: readonly Row[], opts: { known?: "new" } = {}): Promise<number> {
  if (rows.length === 0) return 0;
  const names = table.columns.map(([name]) => name);
  // the rows travel as ONE json parameter (V8's JSON.stringify and Postgres' jsonb parser are
  // much cheaper than node-postgres' per-element array escaping plus one array literal per column);
  // values are made JSON-ready per column, so the big stringify needs no replacer callback
  const cells = table.columns.map(([, type]) => (type === "jsonb" ? jsonbCell : cell));
  const out: unknown[][] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Record<string, unknown>;
    const values: unknown[] = new Array(names.length);
    for (let i = 0; i < names.length; i++) values[i] = cells[i]!(row[names[i]!]);
    out[r] = values;
  }
  const json = JSON.stringify(out);
  // a jsonb value travels as itself inside the array (no second stringify, no second parse)
  const select = table.columns.map(([name, type], i) => (type === "jsonb" ? `nullif(r->${i}, 'null') as ${name}` : `(r->>${i})::${type} as ${name}`));
  const result = await db.query(
    `insert into ${table.name} (${names.join(", ")})
     select ${select.join(", ")} from jsonb_array_elements($1::jsonb) as j(r)
     ${opts.known === "new" ? "" : `on conflict ${table.conflict} do nothing`}`,
    [json],
  );
  return result.rowCount ?? 0;
}

const cell = (v: unknown) => (typeof v === "bigint" ? v.toString() : (v ?? null));

/** A jsonb value as a JSON-ready value: bigints inside become decimal strings. */
function jsonbCell(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v === undefined) return null;
  if (v === null || typeof v !== "object" || v instanceof Date) return v;
  if (Array.isArray(v)) return v.map(jsonbCell);
  const out: Record<string, unknown> = {};
  for (const k in v) if ((v as Record<string, unknown>)[k] !== undefined) out[k] = jsonbCell((v as Record<string, unknown>)[k]);
  return out;
}
