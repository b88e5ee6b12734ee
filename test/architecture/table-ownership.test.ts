import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { testDatabase } from "../support/database.js";

/**
 * Every table (and view) of the schema has exactly one owner: a backend module, or the indexer
 * for the chain mirror. A module's code names only its own tables in SQL; it reaches another
 * module's data through that module's service or a view the owner publishes. This test reads
 * every backend module's source (comments left out) for table names in SQL positions and fails
 * on a table named outside its owner, unless ALLOWED says why; and it fails on a table in the
 * migrated schema that OWNERS does not list, so a new table is born with an owner.
 */
const OWNERS: Record<string, string> = {
  // identity
  users: "users",
  wallets: "users",
  roles: "users",
  permissions: "users",
  role_permissions: "users",
  user_roles: "users",
  fan_profiles: "users",
  artist_profiles: "users",
  organizer_profiles: "users",
  sponsor_profiles: "users",
  content_creator_profiles: "users",
  evm_wallet_holders: "users",
  user_accounts: "users",
  user_passwords: "auth",
  auth_nonces: "auth",
  auth_sessions: "auth",
  refresh_tokens: "auth",
  email_tokens: "auth",
  stellar_challenges: "auth",
  organizations: "organizations",
  organization_members: "organizations",
  organization_member_roles: "organizations",
  festival_permissions: "festival-access",
  festival_invitations: "festival-access",
  api_keys: "api-keys",
  audit_log: "audit",
  audit_log_archive: "audit",
  idempotency_keys: "http",
  rate_limit_counters: "http",
  outbound_emails: "mail",
  // festivals and schedules
  festivals: "festivals",
  editions: "festivals",
  live_festivals: "festivals",
  edition_time_zones: "festivals",
  venues: "venues",
  edition_venues: "venues",
  stages: "venues",
  artists: "artists",
  events: "events",
  event_categories: "events",
  event_tags: "events",
  tags: "events",
  engagements: "schedule",
  time_slots: "schedule",
  schedule_versions: "schedule",
  personal_schedules: "personal-schedules",
  personal_schedule_entries: "personal-schedules",
  waitlist_entries: "waitlists",
  device_tokens: "notifications",
  notification_log: "notifications",
  notification_log_archive: "notifications",
  // personal data
  consent_records: "personal-data",
  personal_data_requests: "personal-data",
  erasure_runs: "personal-data",
  erasure_steps: "personal-data",
  retention_runs: "personal-data",
  // chain-facing
  event_contracts: "event-contracts",
  ticket_categories: "event-contracts",
  ticket_category_zones: "event-contracts",
  event_contract_links: "event-contracts",
  event_contract_tiers: "event-contracts",
  event_contract_tier_zones: "event-contracts",
  gate_zones: "gate",
  gate_zone_presence: "gate",
  gate_check_ins: "gate",
  gate_pass_uses: "gate",
  gate_scans: "gate",
  gate_scanners: "gate",
  gate_offline_scans: "gate",
  gate_devices: "gate",
  gate_ticket_admissions: "gate",
  // payments
  payment_card_prices: "payments",
  payment_orders: "payments",
  payments: "payments",
  payment_webhook_events: "payments",
  payment_chain_nonces: "payments",
  payment_tickets: "payments",
  payment_transfer_offers: "payments",
  payment_test_intents: "payments",
  payment_topups: "payments",
  payment_resales: "payments",
  payment_seller_credits: "payments",
  custodial_tickets: "payments",
  // webhooks
  webhook_endpoints: "webhooks",
  webhook_messages: "webhooks",
  webhook_deliveries: "webhooks",
  webhook_attempts: "webhooks",
  // operations
  staff_departments: "staff",
  staff_qualification_types: "staff",
  staff_roles: "staff",
  staff_role_requirements: "staff",
  staff_members: "staff",
  staff_member_qualifications: "staff",
  staff_member_directory: "staff",
  staff_role_prerequisites: "staff",
  staff_member_qualification_holdings: "staff",
  shift_settings: "shifts",
  shifts: "shifts",
  shift_signups: "shifts",
  camping_zones: "camping",
  camping_spots: "camping",
  camping_bookings: "camping",
  map_points: "site-map",
  // money: the cashless ledger and vendors
  cashless_edition_settings: "cashless",
  ledger_accounts: "cashless",
  ledger_transfers: "cashless",
  wristbands: "cashless",
  cashless_cashiers: "cashless",
  cashless_drawer_shifts: "cashless",
  cashless_offline_entries: "cashless",
  vendors: "vendors",
  vendor_staff: "vendors",
  vendor_stands: "vendors",
  vendor_terminals: "vendors",
  vendor_menus: "vendors",
  vendor_menu_items: "vendors",
  vendor_order_transitions: "vendors",
  vendor_orders: "vendors",
  vendor_order_lines: "vendors",
  vendor_order_events: "vendors",
  vendor_settlements: "vendors",
  attributions: "attributions",
  referral_links: "attributions",
  // back office (each table under row-level security by company)
  company_settings: "organizations",
  company_roles: "organizations",
  company_artists: "organizations",
  productions: "productions",
  production_schedule_items: "productions",
  production_sessions: "productions",
  production_assignments: "productions",
  production_attendance: "productions",
  artist_contracts: "artist-contracts",
  artist_contract_versions: "artist-contracts",
  artist_contract_milestones: "artist-contracts",
  signature_requests: "artist-contracts",
  signature_webhook_events: "artist-contracts",
  performance_chain_sends: "artist-contracts",
  expenses: "expenses",
  expense_receipts: "expenses",
  expense_approvals: "expenses",
  payment_batches: "expenses",
  payment_batch_items: "expenses",
  // the chain mirror, written by the indexer only
  chain_blocks: "indexer",
  chain_transactions: "indexer",
  chain_events: "indexer",
  chain_tiers: "indexer",
  chain_tickets: "indexer",
  chain_split_payees: "indexer",
  chain_split_balances: "indexer",
  chain_split_totals: "indexer",
  chain_referral_balances: "indexer",
  chain_split_states: "indexer",
  chain_payees: "indexer",
  chain_payouts: "indexer",
  chain_referral_earnings: "indexer",
  chain_pending_facts: "indexer",
  smart_contracts: "indexer",
  outbox: "indexer",
  // and every chain_* log table (chain_purchases, chain_ticket_transfers, ...): see ownerOf
  indexer_cursors: "indexer",
  indexer_status: "indexer",
};

/**
 * The mirror is published for reading: chain-facing modules read it directly (the gate's hot path needs one round trip).
 * webhooks consumes the outbox, which the indexer writes for it, and acknowledges each fact there (delivered_at).
 */
const MIRROR_READERS = new Set(["event-contracts", "gate", "tickets", "chain-mirror", "health", "webhooks"]);

/** Views an owner publishes for other modules' hot paths: anyone may read them. */
const PUBLISHED_VIEWS = new Set([
  "evm_wallet_holders",
  "user_accounts",
  "live_festivals",
  "edition_time_zones",
  "organization_member_roles",
  "event_contract_links",
  "event_contract_tiers",
  "event_contract_tier_zones",
  "gate_ticket_admissions",
  "staff_member_directory",
  "staff_role_prerequisites",
  "staff_member_qualification_holdings",
  "chain_split_states",
  "chain_payees",
  "chain_payouts",
  "chain_referral_earnings",
  "custodial_tickets",
]);

/** Known reads across a module boundary, each with why it is still there. Shrink it; never grow it without a reason. */
const ALLOWED: Record<string, string> = {};

/** The mirror's log tables are one per contract event: the chain_ prefix says whose they are. */
function ownerOf(table: string): string | undefined {
  return OWNERS[table] ?? (table.startsWith("chain_") ? "indexer" : undefined);
}

const MODULES_DIR = path.resolve("backend/src/modules");

function sourceOf(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) text += sourceOf(file);
    else if (entry.name.endsWith(".ts"))
      text +=
        readFileSync(file, "utf8")
          .replace(/\/\*[\s\S]*?\*\//g, "")
          .replace(/^\s*\/\/.*$/gm, "") + "\n";
  }
  return text;
}

/** Tables named in SQL or query-builder positions: from/join/into/update x, db("x"), "x as y", "x.column", tableName = "x". */
function tablesNamed(source: string, tables: string[]): Set<string> {
  const named = new Set<string>();
  for (const t of tables) {
    const sql = new RegExp(`\\b(from|join|into|update|table)\\s+${t}\\b`, "i");
    const builder = new RegExp(`\\(\\s*"${t}( as [a-z_]+)?"|tableName = "${t}"|"${t}\\.[a-z_]+"`);
    if (sql.test(source) || builder.test(source)) named.add(t);
  }
  return named;
}

describe("architecture: every table has one owning module", () => {
  let tables: string[];

  before(async () => {
    const db = await testDatabase();
    const rows = await db.raw<{ rows: Array<{ name: string }> }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm') and not c.relispartition
          and c.relname not like 'knex_migrations%' order by 1`,
    );
    tables = rows.rows.map((r) => r.name);
  });

  it("every table and view of the schema has a declared owner", () => {
    const unowned = tables.filter((t) => !ownerOf(t));
    assert.deepEqual(unowned, [], "declare the owning module of each new table in OWNERS");
  });

  it("a module's code names only its own tables, the published mirror, or an allowed read that says why", () => {
    const violations: string[] = [];
    const used = new Set<string>();
    for (const module of readdirSync(MODULES_DIR)) {
      for (const table of tablesNamed(sourceOf(path.join(MODULES_DIR, module)), tables)) {
        const owner = ownerOf(table);
        if (owner === module || PUBLISHED_VIEWS.has(table) || (owner === "indexer" && MIRROR_READERS.has(module))) continue;
        const key = `${module} -> ${table}`;
        if (key in ALLOWED) used.add(key);
        else violations.push(`${key} (owned by ${owner})`);
      }
    }
    assert.deepEqual(violations, [], "use the owner's service or a view it publishes, or add the read to ALLOWED with a reason");
    const stale = Object.keys(ALLOWED).filter((k) => !used.has(k));
    assert.deepEqual(stale, [], "these allowed reads are gone: take them off ALLOWED");
  });
});
