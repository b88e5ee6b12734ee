import type { Knex } from "knex";
import { strToU8, zipSync, type Zippable } from "fflate";
import type { Subject } from "../../security/personal-data.js";
import { subjectRows, type PersonalDataRegistry } from "./registry.js";

export interface PersonalDataExport {
  format: "festival-platform.personal-data.v1";
  generatedAt: string;
  subject: { userId: string; emails: string[]; names: string[]; addresses: string[] };
  /** module -> table -> the person's rows (secret columns left out). */
  modules: Record<string, Record<string, Array<Record<string, unknown>>>>;
  counts: Record<string, number>;
}

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** Everything every module holds about the person, across all festivals, modules and wallets. */
export async function collectExport(db: Knex, registry: PersonalDataRegistry, s: Subject): Promise<PersonalDataExport> {
  const out: PersonalDataExport = {
    format: "festival-platform.personal-data.v1",
    generatedAt: new Date().toISOString(),
    subject: { userId: s.userId, emails: s.emails, names: s.names, addresses: s.addresses },
    modules: {},
    counts: {},
  };
  for (const t of registry.tables) {
    if (!t.rows) continue;
    const rows: Array<Record<string, unknown>> = await subjectRows(db, t, s).select("*");
    if (!rows.length) continue;
    const omit = new Set(t.omit ?? []);
    const clean = rows.map((r) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) if (!omit.has(k) && !Buffer.isBuffer(v)) o[k] = plain(v);
      return o;
    });
    (out.modules[t.module] ??= {})[t.table] = clean;
    out.counts[t.table] = clean.length;
  }
  return out;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180, one header row, the union of the rows' columns. */
export function toCsv(rows: Array<Record<string, unknown>>): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const lines = [columns.map(csvCell).join(",")];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** One zip: data.json (everything) and csv/<module>/<table>.csv (the same rows, one file a table). */
export function exportArchive(data: PersonalDataExport): Uint8Array {
  const files: Zippable = {
    "data.json": strToU8(JSON.stringify(data, null, 2)),
    "README.txt": strToU8(
      "Your personal data held by the festival platform.\r\n" +
        "data.json: everything, grouped by module and table (machine-readable).\r\n" +
        "csv/<module>/<table>.csv: the same rows as CSV (RFC 4180, UTF-8).\r\n",
    ),
  };
  for (const [module, tables] of Object.entries(data.modules)) {
    for (const [table, rows] of Object.entries(tables)) files[`csv/${module}/${table}.csv`] = strToU8(toCsv(rows));
  }
  return zipSync(files, { level: 6 });
}
