import type { Knex } from "knex";
import type { DataBox } from "./encryption.js";

/**
 * How a module declares the personal data it holds, next to its code
 * (`backend/src/modules/<m>/personal-data.ts`), collected in app.ts (`personalDataDeclarations`).
 * The personal-data module exports, erases and scans with these declarations alone, so a
 * module never hands out its tables; the architecture test fails when a table of the live
 * schema has a personal-looking column that no declaration names.
 *
 *   export const vendorsPersonalData = declarePersonalData("vendors", {
 *     tables: [
 *       {
 *         table: "vendor_staff",
 *         columns: { user_id: "link" },
 *         rows: (q, s) => q.where("user_id", s.userId),
 *         erase: { kind: "delete" },
 *       },
 *     ],
 *   });
 */

/** What a column holds. `none` says a personal-looking column is not about a person (a contract address). */
export type PersonalCategory =
  | "contact" // email, phone, postal address of a person
  | "name"
  | "link" // a user id: ties the row to a person
  | "network" // IP, user agent
  | "free_text" // anything a person wrote or that was written about them
  | "wallet" // a blockchain address
  | "financial" // tax id, bank details (encrypted at rest)
  | "device" // a push token, a wristband tag
  | "none";

/** Who is being exported or erased: the user, and what identifies them elsewhere. */
export interface Subject {
  userId: string;
  /** Lowercase. */
  emails: string[];
  names: string[];
  phones: string[];
  taxIds: string[];
  /** Wallet addresses: lowercase 0x hex, Stellar G... as stored. */
  addresses: string[];
}

/** Narrows a query on the table to the subject's rows. */
export type RowFilter = (q: Knex.QueryBuilder, s: Subject) => void;

/** A value set by erasure: a literal, or SQL built on the transaction (e.g. `trx.fn.now()`). */
export type Replacement = unknown | ((trx: Knex.Transaction, s: Subject) => unknown);

export type Erasure =
  /** The rows go. */
  | { kind: "delete" }
  /** The rows stay, their personal fields replaced (anonymized). */
  | { kind: "replace"; set: Record<string, Replacement> }
  /** The rows must be kept (money, the audit trail, contracts): personal fields replaced, the reason recorded. */
  | { kind: "hold"; reason: string; retention: string; set: Record<string, Replacement> }
  /** Nothing can be changed here (public chain data): the reason is recorded. */
  | { kind: "keep"; reason: string };

export interface PersonalTable {
  table: string;
  /** Every personal-looking column of the table with what it holds (`none` when it is not about a person). */
  columns: Record<string, PersonalCategory>;
  /** The subject's rows. Absent: the table holds no one's personal data (say why in `note`). */
  rows?: RowFilter;
  /** Required with `rows`. */
  erase?: Erasure;
  /** Text or JSON columns where the person's email, name, phone and tax id are replaced by "[erased]" in every row (free text about them). */
  scrub?: string[];
  /** Columns never exported (hashes, encrypted blobs). */
  omit?: string[];
  /** Runs first in an erasure step's transaction (e.g. lift an append-only guard for this transaction only). */
  prepare?: (trx: Knex.Transaction) => Promise<void>;
  note?: string;
}

/** A retention rule on the job queue: removes (or archives) what is older than its period and says how much. */
export interface RetentionPolicy {
  name: string;
  description: string;
  periodDays: number;
  run(db: Knex, cutoff: Date): Promise<{ removed: number; kept?: number; note?: string }>;
}

export interface IdentifyContext {
  db: Knex;
  box: DataBox;
}

export interface PersonalDataDeclaration {
  module: string;
  tables: PersonalTable[];
  /** What this module knows that identifies the user elsewhere (their email, name, wallets, tax id). */
  identify?: (ctx: IdentifyContext, userId: string) => Promise<Partial<Omit<Subject, "userId">>>;
  retention?: RetentionPolicy[];
}

export function declarePersonalData(module: string, d: Omit<PersonalDataDeclaration, "module">): PersonalDataDeclaration {
  for (const t of d.tables) {
    if (t.rows && !t.erase) throw new Error(`${module}: ${t.table} has rows but no erase rule`);
    if (!t.rows && !t.note) throw new Error(`${module}: ${t.table} holds no one's rows: say why in note`);
  }
  return { module, ...d };
}

/** Column names that look personal: the architecture test asks for every one of them to be declared. */
const PERSONAL_COLUMN =
  /^(email|.*_email|display_name|full_name|first_name|last_name|legal_name|company_name|stage_name|brand_name|channel_name|phone|.*_phone|mobile|address|address_line\d|.*_address|postal_code|ip|.*_ip|user_agent|tax_id.*|vat_id|bank_details.*|birth.*|date_of_birth|bio|note|notes|comment|body|message|user_id|.*_user_id|.*_by|holder|owner|buyer|seller|recipient|recipients|.*_recipient|referrer|organizer|payee|payees|account|scanner|operator|paid_to|resale_seller|tag_id)$/;
const NOT_PERSONAL_COLUMN = /^(created_by|updated_by|(contract|factory|ticket|split|token|fixed_token)_address)$/;

export function looksPersonal(column: string): boolean {
  return PERSONAL_COLUMN.test(column) && !NOT_PERSONAL_COLUMN.test(column);
}
