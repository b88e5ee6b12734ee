import type { Knex } from "knex";

/**
 * Vendors' versioned menus, orders and settlements (module `vendors`).
 *
 * - A stand's menu is versioned: versions are numbered per stand, at most one is published,
 *   and a published or retired version and its items never change (trigger): an order
 *   names the menu version its prices come from, and a price from a retired version is
 *   refused by the service (`menu_price_expired`).
 * - Orders: PENDING -> CONFIRMED -> PREPARING -> READY -> DELIVERED, or CANCELLED / REFUNDED;
 *   the allowed steps are a table the trigger checks (`vendor_order_transitions`), and every
 *   step is a row in vendor_order_events.
 * - A settlement records a vendor's gross, commission and net for the ledger entries it
 *   claimed (ledger_transfers.settlement_id, set once: see 600_cashless_ledger).
 */

const AUDITED = `
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid`;

const STATUSES = ["PENDING", "CONFIRMED", "PREPARING", "READY", "DELIVERED", "CANCELLED", "REFUNDED"];
const TRANSITIONS: Array<[string, string]> = [
  ["PENDING", "CONFIRMED"],
  ["PENDING", "CANCELLED"],
  ["CONFIRMED", "PREPARING"],
  ["CONFIRMED", "CANCELLED"],
  ["CONFIRMED", "REFUNDED"],
  ["PREPARING", "READY"],
  ["PREPARING", "REFUNDED"],
  ["READY", "DELIVERED"],
  ["READY", "REFUNDED"],
  ["DELIVERED", "REFUNDED"],
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table vendor_menus (
      id uuid constraint pk_vendor_menus primary key,
      stand_id uuid not null constraint fk_vendor_menus_stand references vendor_stands (id) on delete restrict,
      version integer not null constraint ck_vendor_menus_version check (version > 0),
      status varchar(16) not null default 'draft' constraint ck_vendor_menus_status check (status in ('draft', 'published', 'retired')),
      published_at timestamptz,
      retired_at timestamptz,
      ${AUDITED}
    )
  `);
  await knex.raw("create unique index uq_vendor_menus_stand_version on vendor_menus (stand_id, version)");
  await knex.raw("create unique index uq_vendor_menus_one_published on vendor_menus (stand_id) where status = 'published'");

  await knex.raw(`
    create table vendor_menu_items (
      id uuid constraint pk_vendor_menu_items primary key,
      menu_id uuid not null constraint fk_vendor_menu_items_menu references vendor_menus (id) on delete cascade,
      name varchar(200) not null,
      price bigint not null constraint ck_vendor_menu_items_price check (price > 0),
      vat_rate_bps integer not null constraint ck_vendor_menu_items_vat check (vat_rate_bps between 0 and 10000),
      sort_order integer not null default 0,
      ${AUDITED}
    )
  `);
  await knex.raw("create index ix_vendor_menu_items_menu_id on vendor_menu_items (menu_id)");

  await knex.raw(`
    create function vendor_menus_frozen() returns trigger language plpgsql as $$
    declare
      menu_status text;
    begin
      if tg_table_name = 'vendor_menus' then
        -- only the status may move on (draft -> published -> retired), with its time
        if old.status <> 'draft' and (new.version <> old.version or new.stand_id <> old.stand_id
            or (old.status = 'retired') or (old.status = 'published' and new.status not in ('published', 'retired'))) then
          raise exception 'menu version % is %: it never changes', old.version, old.status using errcode = 'insufficient_privilege';
        end if;
        return new;
      end if;
      if tg_op = 'DELETE' then
        select status into menu_status from vendor_menus where id = old.menu_id;
      else
        select status into menu_status from vendor_menus where id = new.menu_id;
      end if;
      if menu_status <> 'draft' then
        raise exception 'the items of a % menu never change; make a new version', menu_status using errcode = 'insufficient_privilege';
      end if;
      if tg_op = 'DELETE' then return old; end if;
      return new;
    end $$;
  `);
  await knex.raw("create trigger trg_vendor_menus_frozen before update on vendor_menus for each row execute function vendor_menus_frozen()");
  await knex.raw(
    "create trigger trg_vendor_menu_items_frozen before insert or update or delete on vendor_menu_items for each row execute function vendor_menus_frozen()",
  );

  await knex.raw(`
    create table vendor_order_transitions (
      from_status varchar(16) not null,
      to_status varchar(16) not null,
      constraint pk_vendor_order_transitions primary key (from_status, to_status)
    )
  `);
  await knex("vendor_order_transitions").insert(TRANSITIONS.map(([from_status, to_status]) => ({ from_status, to_status })));

  // pickup numbers on the stand's screen: 1..999, round and round
  await knex.raw("create sequence vendor_order_pickup_numbers minvalue 1 maxvalue 999 cycle");
  await knex.raw(`
    create table vendor_orders (
      id uuid constraint pk_vendor_orders primary key,
      vendor_id uuid not null constraint fk_vendor_orders_vendor references vendors (id) on delete restrict,
      stand_id uuid not null constraint fk_vendor_orders_stand references vendor_stands (id) on delete restrict,
      edition_id uuid not null constraint fk_vendor_orders_edition references editions (id) on delete restrict,
      menu_id uuid not null constraint fk_vendor_orders_menu references vendor_menus (id),
      terminal_id uuid constraint fk_vendor_orders_terminal references vendor_terminals (id),
      pickup_number integer not null default nextval('vendor_order_pickup_numbers'),
      status varchar(16) not null default 'PENDING' constraint ck_vendor_orders_status check (status in (${STATUSES.map((s) => `'${s}'`).join(", ")})),
      payment_method varchar(16) not null constraint ck_vendor_orders_payment_method check (payment_method in ('cashless', 'card', 'cash')),
      total bigint not null constraint ck_vendor_orders_total check (total > 0),
      vat_total bigint not null,
      currency char(3) not null,
      -- the cashless payment's and refund's ledger transfer ids (cashless orders)
      payment_transfer_id uuid,
      refund_transfer_id uuid,
      ${AUDITED}
    )
  `);
  await knex.raw("create index ix_vendor_orders_vendor_id on vendor_orders (vendor_id)");
  await knex.raw("create index ix_vendor_orders_stand_status on vendor_orders (stand_id, status, created_at)");
  await knex.raw("create index ix_vendor_orders_edition_id on vendor_orders (edition_id)");
  await knex.raw("create index ix_vendor_orders_menu_id on vendor_orders (menu_id)");
  await knex.raw("create index ix_vendor_orders_terminal_id on vendor_orders (terminal_id)");
  await knex.raw("create unique index uq_vendor_orders_payment_transfer on vendor_orders (payment_transfer_id)");

  await knex.raw(`
    create function vendor_orders_transition() returns trigger language plpgsql as $$
    begin
      if new.status is distinct from old.status and not exists (
        select 1 from vendor_order_transitions where from_status = old.status and to_status = new.status) then
        raise exception 'an order goes from % to % never', old.status, new.status using errcode = 'check_violation', constraint = 'ck_vendor_orders_transition';
      end if;
      return new;
    end $$;
  `);
  await knex.raw("create trigger trg_vendor_orders_transition before update on vendor_orders for each row execute function vendor_orders_transition()");

  await knex.raw(`
    create table vendor_order_lines (
      id uuid constraint pk_vendor_order_lines primary key,
      order_id uuid not null constraint fk_vendor_order_lines_order references vendor_orders (id) on delete cascade,
      menu_item_id uuid not null constraint fk_vendor_order_lines_item references vendor_menu_items (id),
      name varchar(200) not null,
      quantity integer not null constraint ck_vendor_order_lines_quantity check (quantity between 1 and 100),
      unit_price bigint not null constraint ck_vendor_order_lines_price check (unit_price > 0),
      vat_rate_bps integer not null,
      line_total bigint not null,
      constraint ck_vendor_order_lines_total check (line_total = unit_price * quantity)
    )
  `);
  await knex.raw("create index ix_vendor_order_lines_order_id on vendor_order_lines (order_id)");
  await knex.raw("create index ix_vendor_order_lines_menu_item_id on vendor_order_lines (menu_item_id)");

  await knex.raw(`
    create table vendor_order_events (
      id uuid constraint pk_vendor_order_events primary key,
      order_id uuid not null constraint fk_vendor_order_events_order references vendor_orders (id) on delete cascade,
      from_status varchar(16),
      to_status varchar(16) not null,
      actor_user_id uuid,
      terminal_id uuid,
      created_at timestamptz not null default now()
    )
  `);
  await knex.raw("create index ix_vendor_order_events_order_id on vendor_order_events (order_id, created_at)");

  await knex.raw(`
    create table vendor_settlements (
      id uuid constraint pk_vendor_settlements primary key,
      vendor_id uuid not null constraint fk_vendor_settlements_vendor references vendors (id) on delete restrict,
      edition_id uuid not null constraint fk_vendor_settlements_edition references editions (id) on delete restrict,
      currency char(3) not null,
      entries integer not null,
      payments bigint not null,
      refunds bigint not null,
      gross bigint not null,
      commission_bps integer not null,
      commission bigint not null,
      net bigint not null,
      ${AUDITED},
      constraint ck_vendor_settlements_sums check (gross = payments - refunds and net = gross - commission)
    )
  `);
  await knex.raw("create index ix_vendor_settlements_vendor_id on vendor_settlements (vendor_id, created_at)");
  await knex.raw("create index ix_vendor_settlements_edition_id on vendor_settlements (edition_id)");

  for (const table of ["vendor_menus", "vendor_menu_items", "vendor_orders", "vendor_settlements"]) {
    await knex.raw(`create trigger trg_${table}_updated_at before update on ${table} for each row execute function set_updated_at()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    "vendor_settlements",
    "vendor_order_events",
    "vendor_order_lines",
    "vendor_orders",
    "vendor_order_transitions",
    "vendor_menu_items",
    "vendor_menus",
  ]) {
    await knex.raw(`drop table if exists ${table}`);
  }
  await knex.raw("drop sequence if exists vendor_order_pickup_numbers");
  await knex.raw("drop function if exists vendor_orders_transition()");
  await knex.raw("drop function if exists vendor_menus_frozen()");
}
