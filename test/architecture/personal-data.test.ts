import assert from "node:assert/strict";
import type { Knex } from "knex";
import { personalDataDeclarations } from "../../backend/src/app.js";
import { looksPersonal } from "../../backend/src/security/personal-data.js";
import { PersonalDataRegistry } from "../../backend/src/modules/personal-data/registry.js";
import { textColumns } from "../../backend/src/modules/personal-data/scan.js";
import { testDatabase } from "../support/database.js";

/**
 * Every table of the live schema with a personal-looking column (email, names, phone, address,
 * IP, user agent, tax id, birth date, free text about a person, a user id, a wallet address...)
 * is declared by its module (modules/<m>/personal-data.ts, listed in app.ts), and each such
 * column is named in the declaration, so a new table or column holding people's data cannot
 * ship without saying how it is exported and erased.
 */
async function liveColumns(db: Knex | Knex.Transaction): Promise<Map<string, Set<string>>> {
  const { rows } = await db.raw<{ rows: Array<{ table: string; column: string }> }>(
    `select c.relname as table, a.attname as column
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition and c.relname not like 'knex_migrations%'`,
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) out.set(r.table, (out.get(r.table) ?? new Set()).add(r.column));
  return out;
}

function undeclared(live: Map<string, Set<string>>, registry: PersonalDataRegistry): string[] {
  const problems: string[] = [];
  for (const [table, columns] of live) {
    const personal = [...columns].filter(looksPersonal);
    if (!personal.length) continue;
    const declared = registry.table(table);
    if (!declared) {
      problems.push(`${table} (${personal.join(", ")}) is not declared`);
      continue;
    }
    for (const c of personal) if (!(c in declared.columns)) problems.push(`${table}.${c} is not named in ${declared.module}'s declaration`);
  }
  return problems;
}

describe("architecture: every module declares its personal data", () => {
  const registry = new PersonalDataRegistry(personalDataDeclarations);
  let db: Knex;
  let live: Map<string, Set<string>>;

  before(async () => {
    db = await testDatabase();
    live = await liveColumns(db);
  });

  it("every table with a personal-looking column is declared, with every such column named", () => {
    assert.deepEqual(undeclared(live, registry), [], "declare it in modules/<owner>/personal-data.ts and list the declaration in app.ts");
  });

  it("declarations name only tables and columns that exist", () => {
    const stale: string[] = [];
    for (const t of registry.tables) {
      const columns = live.get(t.table);
      if (!columns) {
        stale.push(`${t.module}: ${t.table} does not exist`);
        continue;
      }
      for (const c of [...Object.keys(t.columns), ...(t.omit ?? []), ...(t.scrub ?? [])])
        if (!columns.has(c)) stale.push(`${t.module}: ${t.table}.${c} does not exist`);
      const e = t.erase;
      if (e && (e.kind === "replace" || e.kind === "hold"))
        for (const c of Object.keys(e.set)) if (!columns.has(c)) stale.push(`${t.module}: ${t.table}.${c} (erase) does not exist`);
    }
    assert.deepEqual(stale, []);
  });

  it("scrubbed columns are text or JSON, and every hold or keep says why", async () => {
    const text = new Set((await textColumns(db)).map((c) => `${c.table}.${c.column}`));
    const bad: string[] = [];
    for (const t of registry.tables) {
      for (const c of t.scrub ?? []) if (!text.has(`${t.table}.${c}`)) bad.push(`${t.table}.${c} is not text/JSON`);
      if ((t.erase?.kind === "hold" || t.erase?.kind === "keep") && t.erase.reason.length < 20) bad.push(`${t.table}: give the legal reason`);
    }
    assert.deepEqual(bad, []);
  });

  it("a new table with personal columns that nobody declares fails the check", async () => {
    await db
      .transaction(async (trx) => {
        await trx.raw("create table zz_undeclared_contacts (id uuid primary key, email text, phone_number text, date_of_birth date, notes text)");
        await trx.raw("alter table venues add column contact_phone text");
        const problems = undeclared(await liveColumns(trx), registry);
        assert.ok(
          problems.some((p) => p.startsWith("zz_undeclared_contacts (email, date_of_birth, notes)")),
          problems.join("; "),
        );
        assert.ok(problems.includes("venues.contact_phone is not named in venues's declaration"), problems.join("; "));
        throw new Error("rollback");
      })
      .catch((err: Error) => {
        if (err.message !== "rollback") throw err;
      });
  });

  it("a table is declared once, and a declaration with rows says how to erase them", () => {
    assert.throws(() => new PersonalDataRegistry([...personalDataDeclarations, personalDataDeclarations[1]!]), /declared by both/);
  });
});
