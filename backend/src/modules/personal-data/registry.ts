import type { Knex } from "knex";
import type { DataBox } from "../../security/encryption.js";
import type { PersonalDataDeclaration, PersonalTable, Subject } from "../../security/personal-data.js";

export interface DeclaredTable extends PersonalTable {
  module: string;
}

/**
 * Every module's declaration, in the order app.ts lists them. Erasure runs the tables in this
 * order, so a table whose rows are found through another one's link (ledger entries through the
 * wristband) comes before the table that cuts the link.
 */
export class PersonalDataRegistry {
  readonly tables: DeclaredTable[];

  constructor(readonly declarations: readonly PersonalDataDeclaration[]) {
    const seen = new Map<string, string>();
    this.tables = [];
    for (const d of declarations) {
      for (const t of d.tables) {
        const other = seen.get(t.table);
        if (other) throw new Error(`${t.table} is declared by both ${other} and ${d.module}`);
        seen.set(t.table, d.module);
        this.tables.push({ ...t, module: d.module });
      }
    }
  }

  table(name: string): DeclaredTable | undefined {
    return this.tables.find((t) => t.table === name);
  }

  get retention() {
    return this.declarations.flatMap((d) => (d.retention ?? []).map((p) => ({ ...p, module: d.module })));
  }

  /** Who the user is everywhere: every module adds what it knows (email, name, wallets, tax id). */
  async subject(db: Knex, box: DataBox, userId: string): Promise<Subject> {
    const s: Subject = { userId, emails: [], names: [], phones: [], taxIds: [], addresses: [] };
    for (const d of this.declarations) {
      if (!d.identify) continue;
      const part = await d.identify({ db, box }, userId);
      s.emails.push(...(part.emails ?? []).map((e) => e.toLowerCase()));
      s.names.push(...(part.names ?? []));
      s.phones.push(...(part.phones ?? []));
      s.taxIds.push(...(part.taxIds ?? []));
      s.addresses.push(...(part.addresses ?? []));
    }
    return {
      userId,
      emails: [...new Set(s.emails)],
      names: [...new Set(s.names)],
      phones: [...new Set(s.phones)],
      taxIds: [...new Set(s.taxIds)],
      addresses: [...new Set([...s.addresses, ...s.addresses.filter((a) => a.startsWith("0x")).map((a) => a.toLowerCase())])],
    };
  }
}

/** The subject's rows of one declared table. */
export function subjectRows(db: Knex | Knex.Transaction, t: PersonalTable, s: Subject): Knex.QueryBuilder {
  const rows = t.rows!;
  return db(t.table).where((b) => {
    rows(b, s);
  });
}
