import type { Knex } from "knex";

/**
 * Vendors (module `vendors`): the food and merch sellers of an edition, their staff, stands
 * and the payment terminals registered to a stand.
 *
 * - a vendor's commission is in basis points (0..10000), null = the edition's default;
 * - a terminal belongs to exactly one stand and authenticates with its own key: only the
 *   sha-256 of the key is stored (`key_hash`), the clear prefix finds it by index;
 * - a terminal may register an Ed25519 public key (raw 32 bytes, hex) to sign its offline journal.
 */

const AUDITED = `
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid`;

const TABLES = ["vendors", "vendor_staff", "vendor_stands", "vendor_terminals"];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table vendors (
      id uuid constraint pk_vendors primary key,
      edition_id uuid not null constraint fk_vendors_edition references editions (id) on delete restrict,
      name varchar(200) not null,
      commission_bps integer constraint ck_vendors_commission check (commission_bps between 0 and 10000),
      status varchar(16) not null default 'active' constraint ck_vendors_status check (status in ('active', 'suspended')),
      ${AUDITED}
    )
  `);
  await knex.raw("create index ix_vendors_edition_id on vendors (edition_id)");

  await knex.raw(`
    create table vendor_staff (
      id uuid constraint pk_vendor_staff primary key,
      vendor_id uuid not null constraint fk_vendor_staff_vendor references vendors (id) on delete cascade,
      user_id uuid not null constraint fk_vendor_staff_user references users (id) on delete cascade,
      role varchar(16) not null constraint ck_vendor_staff_role check (role in ('owner', 'staff')),
      ${AUDITED}
    )
  `);
  await knex.raw("create unique index uq_vendor_staff_vendor_user on vendor_staff (vendor_id, user_id)");
  await knex.raw("create index ix_vendor_staff_user_id on vendor_staff (user_id)");

  await knex.raw(`
    create table vendor_stands (
      id uuid constraint pk_vendor_stands primary key,
      vendor_id uuid not null constraint fk_vendor_stands_vendor references vendors (id) on delete restrict,
      edition_id uuid not null constraint fk_vendor_stands_edition references editions (id) on delete restrict,
      name varchar(200) not null,
      location varchar(200),
      ${AUDITED}
    )
  `);
  await knex.raw("create index ix_vendor_stands_vendor_id on vendor_stands (vendor_id)");
  await knex.raw("create index ix_vendor_stands_edition_id on vendor_stands (edition_id)");

  await knex.raw(`
    create table vendor_terminals (
      id uuid constraint pk_vendor_terminals primary key,
      stand_id uuid not null constraint fk_vendor_terminals_stand references vendor_stands (id) on delete restrict,
      vendor_id uuid not null constraint fk_vendor_terminals_vendor references vendors (id) on delete restrict,
      edition_id uuid not null constraint fk_vendor_terminals_edition references editions (id) on delete restrict,
      name varchar(200) not null,
      key_prefix char(12) not null,
      key_hash char(64) not null,
      signing_public_key char(64) constraint ck_vendor_terminals_signing_key check (signing_public_key ~ '^[0-9a-f]{64}$'),
      revoked_at timestamptz,
      ${AUDITED}
    )
  `);
  await knex.raw("create unique index uq_vendor_terminals_key_prefix on vendor_terminals (key_prefix)");
  await knex.raw("create index ix_vendor_terminals_stand_id on vendor_terminals (stand_id)");
  await knex.raw("create index ix_vendor_terminals_vendor_id on vendor_terminals (vendor_id)");
  await knex.raw("create index ix_vendor_terminals_edition_id on vendor_terminals (edition_id)");

  for (const table of TABLES) {
    await knex.raw(`create trigger trg_${table}_updated_at before update on ${table} for each row execute function set_updated_at()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [...TABLES].reverse()) await knex.raw(`drop table if exists ${table}`);
}
