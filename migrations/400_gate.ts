import type { Knex } from "knex";

/**
 * Tickets and the gate.
 *
 * - event_contracts: a festival (and optionally one of its editions / events, owned by the
 *   festivals module: plain uuids here, no FK, so this migration does not depend on its
 *   shape) linked to an on-chain event. Created `pending` with the factory call the
 *   organizer signs; `linked` once the indexer has mirrored the EventCreated (matched by
 *   organizer + tx hash, or by the factory's event id).
 * - ticket_categories: one per on-chain tier (1:1, tier ids count from 1); the zones each
 *   category may enter are ticket_category_zones rows. Sales and holders come from the mirror.
 * - gate_zones: the entrance(s) and inner areas of an event, with an optional capacity and a
 *   live occupancy the database keeps within it (check constraint + conditional UPDATE).
 * - gate_zone_presence: who is inside a zone now (exit scans need an entry first).
 * - gate_check_ins: one row per ticket, ever (uq_gate_check_ins_ticket): two scanners at once
 *   admit a ticket once. anchor_* columns track the on-chain checkIn batch.
 * - gate_pass_uses: (ticket, pass nonce) pairs that admitted someone, so a pass cannot admit
 *   twice where re-entry is possible (an entrance without re-entry needs no nonce: the
 *   check-in row already refuses the second scan).
 * - gate_scans: the zone access log, one row per scan whatever the verdict (append-only).
 * - gate_scanners: which staff users (platform role security) scan for which festival.
 * - gate_offline_scans: scans uploaded by offline gates, unique per (device, nonce) so an
 *   upload sent twice changes nothing; conflicts (a ticket admitted at two gates) are kept.
 */
const ADDRESS = "~ '^0x[0-9a-f]{40}$'";
const HASH = "~ '^0x[0-9a-f]{64}$'";

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table event_contracts (
      id uuid not null constraint pk_event_contracts primary key,
      festival_id uuid not null constraint fk_event_contracts_festival references festivals (id) on delete restrict,
      edition_id uuid,
      event_id uuid,
      chain_id bigint not null,
      factory_address text not null constraint ck_event_contracts_factory check (factory_address ${ADDRESS}),
      organizer_address text not null constraint ck_event_contracts_organizer check (organizer_address ${ADDRESS}),
      status text not null default 'pending' constraint ck_event_contracts_status check (status in ('pending', 'linked')),
      name text not null,
      config jsonb not null,
      deploy_tx_hash text constraint ck_event_contracts_deploy_tx check (deploy_tx_hash ${HASH}),
      chain_event_id numeric(78,0),
      ticket_address text constraint ck_event_contracts_ticket check (ticket_address ${ADDRESS}),
      split_address text constraint ck_event_contracts_split check (split_address ${ADDRESS}),
      linked_at timestamptz,
      scanner_granted_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      constraint ck_event_contracts_linked check ((status = 'linked') = (ticket_address is not null and linked_at is not null))
    );
    create index ix_event_contracts_festival_id on event_contracts (festival_id);
    create index ix_event_contracts_edition_id on event_contracts (edition_id);
    create index ix_event_contracts_event_id on event_contracts (event_id);
    create unique index uq_event_contracts_ticket on event_contracts (chain_id, ticket_address) where ticket_address is not null;
    create unique index uq_event_contracts_deploy_tx on event_contracts (chain_id, deploy_tx_hash) where deploy_tx_hash is not null;
    create index ix_event_contracts_pending on event_contracts (chain_id, organizer_address) where status = 'pending';
    create trigger trg_event_contracts_updated_at before update on event_contracts for each row execute function set_updated_at();

    create table gate_zones (
      id uuid not null constraint pk_gate_zones primary key,
      event_contract_id uuid not null constraint fk_gate_zones_event_contract references event_contracts (id) on delete cascade,
      code text not null constraint ck_gate_zones_code check (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
      name text not null,
      kind text not null constraint ck_gate_zones_kind check (kind in ('entrance', 'area')),
      capacity integer constraint ck_gate_zones_capacity_positive check (capacity > 0),
      occupancy integer not null default 0,
      allow_reentry boolean not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      constraint uq_gate_zones_code unique (event_contract_id, code),
      constraint ck_gate_zones_occupancy_within_capacity check (occupancy >= 0 and (capacity is null or occupancy <= capacity))
    );
    create trigger trg_gate_zones_updated_at before update on gate_zones for each row execute function set_updated_at();

    create table ticket_categories (
      id uuid not null constraint pk_ticket_categories primary key,
      event_contract_id uuid not null constraint fk_ticket_categories_event_contract references event_contracts (id) on delete cascade,
      tier_id integer not null constraint ck_ticket_categories_tier_id check (tier_id between 1 and 255),
      name text not null,
      description text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      constraint uq_ticket_categories_tier unique (event_contract_id, tier_id)
    );
    create trigger trg_ticket_categories_updated_at before update on ticket_categories for each row execute function set_updated_at();

    create table ticket_category_zones (
      ticket_category_id uuid not null constraint fk_ticket_category_zones_category references ticket_categories (id) on delete cascade,
      zone_id uuid not null constraint fk_ticket_category_zones_zone references gate_zones (id) on delete cascade,
      created_at timestamptz not null default now(),
      created_by uuid,
      constraint pk_ticket_category_zones primary key (ticket_category_id, zone_id)
    );
    create index ix_ticket_category_zones_zone_id on ticket_category_zones (zone_id);

    create table gate_scanners (
      id uuid not null constraint pk_gate_scanners primary key,
      festival_id uuid not null constraint fk_gate_scanners_festival references festivals (id) on delete cascade,
      user_id uuid not null constraint fk_gate_scanners_user references users (id) on delete cascade,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      revoked_at timestamptz,
      constraint uq_gate_scanners_festival_user unique (festival_id, user_id)
    );
    create index ix_gate_scanners_user_id on gate_scanners (user_id);

    create table gate_check_ins (
      id uuid not null constraint pk_gate_check_ins primary key,
      event_contract_id uuid not null constraint fk_gate_check_ins_event_contract references event_contracts (id) on delete restrict,
      chain_id bigint not null,
      contract_address text not null constraint ck_gate_check_ins_contract check (contract_address ${ADDRESS}),
      token_id numeric(78,0) not null,
      holder_address text not null constraint ck_gate_check_ins_holder check (holder_address ${ADDRESS}),
      zone_id uuid constraint fk_gate_check_ins_zone references gate_zones (id) on delete set null,
      scanner_user_id uuid constraint fk_gate_check_ins_scanner references users (id) on delete set null,
      source text not null constraint ck_gate_check_ins_source check (source in ('online', 'offline')),
      device_id text,
      pass_nonce numeric(20,0),
      checked_in_at timestamptz not null default now(),
      anchor_status text not null default 'pending'
        constraint ck_gate_check_ins_anchor_status check (anchor_status in ('pending', 'submitted', 'anchored', 'failed')),
      anchor_tx_hash text constraint ck_gate_check_ins_anchor_tx check (anchor_tx_hash ${HASH}),
      anchor_attempts integer not null default 0,
      anchor_claimed_at timestamptz,
      anchor_error text,
      anchored_at timestamptz,
      confirmed_at timestamptz,
      constraint uq_gate_check_ins_ticket unique (chain_id, contract_address, token_id)
    );
    create index ix_gate_check_ins_event_contract_id on gate_check_ins (event_contract_id);
    create index ix_gate_check_ins_zone_id on gate_check_ins (zone_id);
    create index ix_gate_check_ins_scanner_user_id on gate_check_ins (scanner_user_id);
    create index ix_gate_check_ins_anchor_queue on gate_check_ins (chain_id, contract_address, checked_in_at)
      where anchor_status in ('pending', 'submitted');
    create index ix_gate_check_ins_unconfirmed on gate_check_ins (chain_id, contract_address) where confirmed_at is null;

    create table gate_zone_presence (
      zone_id uuid not null constraint fk_gate_zone_presence_zone references gate_zones (id) on delete cascade,
      token_id numeric(78,0) not null,
      inside boolean not null,
      updated_at timestamptz not null default now(),
      constraint pk_gate_zone_presence primary key (zone_id, token_id)
    );

    create table gate_pass_uses (
      chain_id bigint not null,
      contract_address text not null,
      token_id numeric(78,0) not null,
      nonce numeric(20,0) not null,
      expires_at timestamptz not null,
      constraint pk_gate_pass_uses primary key (chain_id, contract_address, token_id, nonce)
    );
    create index ix_gate_pass_uses_expires_at on gate_pass_uses (expires_at);

    create table gate_scans (
      id uuid not null constraint pk_gate_scans primary key,
      event_contract_id uuid not null constraint fk_gate_scans_event_contract references event_contracts (id) on delete cascade,
      zone_id uuid not null constraint fk_gate_scans_zone references gate_zones (id) on delete cascade,
      direction text not null constraint ck_gate_scans_direction check (direction in ('in', 'out')),
      token_id numeric(78,0),
      holder_address text,
      verdict text not null,
      scanner_user_id uuid constraint fk_gate_scans_scanner references users (id) on delete set null,
      source text not null constraint ck_gate_scans_source check (source in ('online', 'offline')),
      device_id text,
      pass_nonce numeric(20,0),
      scanned_at timestamptz not null default now()
    );
    create index ix_gate_scans_zone on gate_scans (zone_id, scanned_at desc, id desc);
    create index ix_gate_scans_event_contract_id on gate_scans (event_contract_id);
    create index ix_gate_scans_scanner_user_id on gate_scans (scanner_user_id);
    create function gate_scans_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'gate_scans is append-only';
    end $$;
    create trigger trg_gate_scans_append_only before update or delete on gate_scans
      for each row execute function gate_scans_append_only();

    create table gate_offline_scans (
      id uuid not null constraint pk_gate_offline_scans primary key,
      event_contract_id uuid not null constraint fk_gate_offline_scans_event_contract references event_contracts (id) on delete cascade,
      device_id text not null,
      nonce text not null,
      zone_id uuid not null constraint fk_gate_offline_scans_zone references gate_zones (id) on delete cascade,
      token_id numeric(78,0) not null,
      holder_address text,
      offline_verdict text not null,
      scanned_at timestamptz not null,
      result text not null constraint ck_gate_offline_scans_result check (result in ('admitted', 'already_admitted', 'conflict', 'refused')),
      conflict_with text,
      uploaded_by uuid constraint fk_gate_offline_scans_uploaded_by references users (id) on delete set null,
      uploaded_at timestamptz not null default now(),
      constraint uq_gate_offline_scans_device_nonce unique (event_contract_id, device_id, nonce)
    );
    create index ix_gate_offline_scans_ticket on gate_offline_scans (event_contract_id, token_id);
    create index ix_gate_offline_scans_zone_id on gate_offline_scans (zone_id);
    create index ix_gate_offline_scans_uploaded_by on gate_offline_scans (uploaded_by);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table gate_offline_scans, gate_scans, gate_pass_uses, gate_zone_presence, gate_check_ins, gate_scanners,
      ticket_category_zones, ticket_categories, gate_zones, event_contracts;
    drop function gate_scans_append_only();
  `);
}
