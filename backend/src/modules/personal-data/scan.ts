import type { Knex } from "knex";
import type { Subject } from "../../security/personal-data.js";
import { identifierPattern, identifierStrings } from "./identifiers.js";
import { subjectRows, type PersonalDataRegistry } from "./registry.js";

export interface TextColumn {
  table: string;
  column: string;
  type: string;
}

/** Every text, varchar, citext, json and jsonb column of every table (a partitioned table once, not per partition). */
export async function textColumns(db: Knex): Promise<TextColumn[]> {
  const { rows } = await db.raw<{ rows: TextColumn[] }>(
    `select c.relname as table, a.attname as column, t.typname as type
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       join pg_type t on t.oid = a.atttypid
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
        and c.relname not like 'knex_migrations%'
        and t.typname in ('text', 'varchar', 'bpchar', 'citext', 'json', 'jsonb', '_text', '_varchar')
      order by 1, 2`,
  );
  return rows;
}

export interface LeftoverReport {
  /** Columns scanned, and how many rows hold one of the identifiers, per table.column (never the values). */
  columnsScanned: number;
  total: number;
  found: Array<{ table: string; column: string; rows: number }>;
}

/**
 * The "leftover personal data" scan: every text and JSON column of the database, searched for
 * the person's email, name, phone and tax id (case-insensitive). Email, phone and tax id count
 * anywhere. A name counts anywhere too, except in a column a module declared as holding
 * people's names: there only the person's own rows count, so another user who happens to be
 * called the same is not reported.
 */
export async function scanLeftovers(db: Knex, registry: PersonalDataRegistry, s: Subject): Promise<LeftoverReport> {
  const { all, names } = identifierStrings(s);
  const pattern = identifierPattern(all);
  const columns = await textColumns(db);
  const report: LeftoverReport = { columnsScanned: columns.length, total: 0, found: [] };
  if (!pattern) return report;
  const strictPattern = identifierPattern(all.filter((v) => !names.includes(v)));
  const byTable = new Map<string, TextColumn[]>();
  for (const c of columns) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
  for (const [table, cols] of byTable) {
    const declared = registry.table(table);
    const counts: string[] = [];
    const bindings: Knex.RawBinding[] = [];
    for (const c of cols) {
      const nameColumn = declared?.rows && declared.columns[c.column] === "name";
      if (nameColumn) {
        // names only in the person's own rows here
        const own = subjectRows(db, declared, s).clearSelect().select(db.raw("1")).whereRaw("??.ctid = t.ctid", [table]).toSQL();
        counts.push(`count(*) filter (where ${strictPattern ? "t.??::text ~* ? or " : ""}(t.??::text ~* ? and exists (${own.sql})))`);
        if (strictPattern) bindings.push(c.column, strictPattern);
        bindings.push(c.column, pattern, ...own.bindings);
      } else {
        counts.push("count(*) filter (where t.??::text ~* ?)");
        bindings.push(c.column, pattern);
      }
    }
    const { rows } = await db.raw<{ rows: Array<Record<string, string>> }>(`select ${counts.map((c, i) => `${c} as c${i}`).join(", ")} from ?? as t`, [
      ...bindings,
      table,
    ]);
    cols.forEach((c, i) => {
      const n = Number(rows[0]![`c${i}`]);
      if (n > 0) {
        report.found.push({ table, column: c.column, rows: n });
        report.total += n;
      }
    });
  }
  return report;
}
