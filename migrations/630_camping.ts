import type { Knex } from "knex";

/**
 * Camping (module camping): zones of an edition, spots in them (size, type, price in minor
 * units with its currency) and bookings by ticket holders. Held here:
 *
 * - a spot is booked at most once (uq_camping_bookings_spot, over bookings not cancelled):
 *   two people booking the last spot at once get one booking and one 409;
 * - a ticket books at most one spot per edition (uq_camping_bookings_ticket);
 * - a zone that requires a ticket type names its event contract (a tier is a ticket type of
 *   one event contract); event contracts are the event-contracts module's: plain uuids here;
 * - a checked-in booking has its check-in time; prices are never negative.
 */
const AUDITED = `
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table camping_zones (
      id uuid constraint pk_camping_zones primary key,
      edition_id uuid not null constraint fk_camping_zones_edition references editions (id) on delete restrict,
      code text not null constraint ck_camping_zones_code check (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(code) <= 64),
      name varchar(200) not null,
      description text,
      required_event_contract_id uuid,
      required_tier_id integer constraint ck_camping_zones_tier check (required_tier_id is null or required_tier_id > 0),
      ${AUDITED},
      constraint uq_camping_zones_edition_code unique (edition_id, code),
      constraint uq_camping_zones_id_edition unique (id, edition_id),
      constraint ck_camping_zones_tier_of_contract check (required_tier_id is null or required_event_contract_id is not null)
    );

    create table camping_spots (
      id uuid constraint pk_camping_spots primary key,
      zone_id uuid not null,
      edition_id uuid not null,
      code text not null constraint ck_camping_spots_code check (code ~ '^[A-Za-z0-9-]{1,32}$'),
      kind text not null constraint ck_camping_spots_kind check (kind in ('tent', 'caravan', 'campervan', 'glamping', 'accessible')),
      size_sqm integer not null constraint ck_camping_spots_size check (size_sqm between 1 and 10000),
      price_minor bigint not null constraint ck_camping_spots_price check (price_minor >= 0),
      currency char(3) not null constraint ck_camping_spots_currency check (currency ~ '^[A-Z]{3}$'),
      ${AUDITED},
      constraint uq_camping_spots_zone_code unique (zone_id, code),
      constraint fk_camping_spots_zone foreign key (zone_id, edition_id) references camping_zones (id, edition_id) on delete restrict
    );
    create index ix_camping_spots_edition_kind on camping_spots (edition_id, kind);

    create table camping_bookings (
      id uuid constraint pk_camping_bookings primary key,
      spot_id uuid not null constraint fk_camping_bookings_spot references camping_spots (id) on delete restrict,
      zone_id uuid not null,
      edition_id uuid not null,
      user_id uuid not null constraint fk_camping_bookings_user references users (id) on delete restrict,
      chain_id bigint not null,
      contract_address text not null constraint ck_camping_bookings_contract check (contract_address ~ '^0x[0-9a-f]{40}$'),
      token_id numeric(78, 0) not null,
      status text not null default 'booked' constraint ck_camping_bookings_status check (status in ('booked', 'checked_in', 'cancelled')),
      checked_in_at timestamptz,
      checked_in_by uuid,
      cancelled_at timestamptz,
      ${AUDITED},
      constraint ck_camping_bookings_checked_in check ((status = 'checked_in') = (checked_in_at is not null))
    );
    create unique index uq_camping_bookings_spot on camping_bookings (spot_id) where status <> 'cancelled';
    create unique index uq_camping_bookings_ticket on camping_bookings (edition_id, chain_id, contract_address, token_id) where status <> 'cancelled';
    create index ix_camping_bookings_user_id on camping_bookings (user_id);
    create index ix_camping_bookings_zone_id on camping_bookings (zone_id);

    create trigger trg_camping_zones_updated_at before update on camping_zones for each row execute function set_updated_at();
    create trigger trg_camping_spots_updated_at before update on camping_spots for each row execute function set_updated_at();
    create trigger trg_camping_bookings_updated_at before update on camping_bookings for each row execute function set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table camping_bookings; drop table camping_spots; drop table camping_zones;");
}
