import type { Knex } from "knex";

/**
 * The cashless ledger (module `cashless`): per-edition settings, ledger accounts, immutable
 * double-entry transfers, wristbands, cashier assignments and drawer shifts.
 *
 * Invariants the database holds (and where):
 *
 * - A transfer moves `amount` (> 0, minor units, `currency`) from one account to another of
 *   the same edition and currency. Inserting it is the only way a balance changes: the
 *   BEFORE INSERT trigger `ledger_transfers_book` updates both account rows (locked in id
 *   order, so two transfers over the same pair never deadlock) and writes each side's
 *   balance before/after into the transfer row. `ledger_accounts_guard` refuses any other
 *   change of `balance` (pg_trigger_depth() < 2), so the sum over all accounts stays zero by
 *   construction: every booking adds -amount and +amount.
 * - Balance bounds are CHECKs on the account row, which the booking trigger updates in the
 *   same statement as the insert: `ck_ledger_accounts_balance_floor` (fan accounts: >= 0)
 *   and `ck_ledger_accounts_balance_cap` (fan accounts: <= the edition's cap). A fan
 *   account always has floor 0 (`ck_ledger_accounts_fan_floor`).
 * - Transfers are immutable (`ledger_transfers_refuse_change`: no UPDATE, DELETE,
 *   TRUNCATE), except that `settlement_id` may be set once, from null, with nothing else
 *   changing: a ledger entry lands in exactly one settlement.
 * - A client transfer id (terminals, desks) is unique: `uq_ledger_transfers_client_transfer_id`.
 * - `ledger_verify()` recomputes every balance from the transfers and returns each
 *   difference (and the sum over all accounts when it is not zero): empty means consistent.
 * - `cashless_charge(...)` is the terminal payment in one statement (one round trip, no
 *   explicit transaction): replay check, band lookup, vendor shard account, booking.
 */

const AUDITED = `
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid`;

const ACCOUNT_KINDS = [
  "fan",
  "vendor_receivable",
  "vendor_payable",
  "commission",
  "topup_card",
  "topup_online",
  "cash_drawer",
  "refunds_payable",
  "imbalance",
  "bonus",
  "debt",
];

const TRANSFER_TYPES = ["TOPUP", "PAYMENT", "REFUND", "TRANSFER", "CORRECTION", "BONUS", "PAYOUT", "SETTLEMENT", "COMMISSION", "IMBALANCE", "DEBT"];

const list = (values: string[]) => values.map((v) => `'${v}'`).join(", ");

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table cashless_edition_settings (
      edition_id uuid constraint pk_cashless_edition_settings primary key constraint fk_cashless_edition_settings_edition references editions (id) on delete restrict,
      currency char(3) not null constraint ck_cashless_edition_settings_currency check (currency ~ '^[A-Z]{3}$'),
      balance_cap bigint not null constraint ck_cashless_edition_settings_cap_positive check (balance_cap > 0),
      offline_allowance bigint not null default 0 constraint ck_cashless_edition_settings_offline_allowance check (offline_allowance >= 0),
      topup_min bigint not null default 1 constraint ck_cashless_edition_settings_topup_min check (topup_min > 0),
      topup_max bigint not null,
      commission_bps integer not null default 0 constraint ck_cashless_edition_settings_commission check (commission_bps between 0 and 10000),
      ${AUDITED},
      constraint ck_cashless_edition_settings_topup_range check (topup_max >= topup_min)
    )
  `);

  await knex.raw(`
    create table ledger_accounts (
      id uuid constraint pk_ledger_accounts primary key,
      edition_id uuid not null constraint fk_ledger_accounts_edition references editions (id) on delete restrict,
      kind varchar(32) not null constraint ck_ledger_accounts_kind check (kind in (${list(ACCOUNT_KINDS)})),
      -- the wristband (fan), vendor (vendor_*), drawer shift (cash_drawer); null for the edition's own accounts
      owner_id uuid,
      -- hot accounts are split into shards summed when read (vendor receivables)
      shard smallint not null default 0 constraint ck_ledger_accounts_shard check (shard >= 0),
      currency char(3) not null constraint ck_ledger_accounts_currency check (currency ~ '^[A-Z]{3}$'),
      balance bigint not null default 0,
      min_balance bigint,
      max_balance bigint,
      created_at timestamptz not null default now(),
      constraint ck_ledger_accounts_balance_floor check (min_balance is null or balance >= min_balance),
      constraint ck_ledger_accounts_balance_cap check (max_balance is null or balance <= max_balance),
      constraint ck_ledger_accounts_fan_floor check (kind <> 'fan' or (min_balance = 0 and owner_id is not null))
    )
  `);
  await knex.raw("create unique index uq_ledger_accounts_owner on ledger_accounts (edition_id, kind, owner_id, shard) nulls not distinct");

  await knex.raw(`
    create table ledger_transfers (
      id uuid constraint pk_ledger_transfers primary key,
      client_transfer_id uuid,
      -- sha-256 of what the client asked for, so a replay with other content is told apart
      request_hash char(64),
      edition_id uuid not null constraint fk_ledger_transfers_edition references editions (id) on delete restrict,
      type varchar(16) not null constraint ck_ledger_transfers_type check (type in (${list(TRANSFER_TYPES)})),
      from_account_id uuid not null constraint fk_ledger_transfers_from references ledger_accounts (id),
      to_account_id uuid not null constraint fk_ledger_transfers_to references ledger_accounts (id),
      amount bigint not null constraint ck_ledger_transfers_amount_positive check (amount > 0),
      -- the part of amount that is bonus credit (never refunded)
      bonus_amount bigint not null default 0,
      currency char(3) not null,
      from_balance_before bigint not null,
      from_balance_after bigint not null,
      to_balance_before bigint not null,
      to_balance_after bigint not null,
      reverses_transfer_id uuid constraint fk_ledger_transfers_reverses references ledger_transfers (id),
      wristband_id uuid,
      vendor_id uuid,
      stand_id uuid,
      terminal_id uuid,
      order_id uuid,
      drawer_shift_id uuid,
      method varchar(16) constraint ck_ledger_transfers_method check (method in ('cash', 'card', 'online', 'cashless')),
      offline boolean not null default false,
      settlement_id uuid,
      memo varchar(500),
      created_at timestamptz not null default now(),
      created_by uuid,
      constraint ck_ledger_transfers_distinct_accounts check (from_account_id <> to_account_id),
      constraint ck_ledger_transfers_bonus check (bonus_amount between 0 and amount),
      constraint ck_ledger_transfers_balances check (from_balance_before - amount = from_balance_after and to_balance_before + amount = to_balance_after)
    )
  `);
  await knex.raw("create unique index uq_ledger_transfers_client_transfer_id on ledger_transfers (client_transfer_id)");
  await knex.raw("create index ix_ledger_transfers_from_account_id on ledger_transfers (from_account_id, created_at, id)");
  await knex.raw("create index ix_ledger_transfers_to_account_id on ledger_transfers (to_account_id, created_at, id)");
  await knex.raw("create index ix_ledger_transfers_edition_id on ledger_transfers (edition_id)");
  await knex.raw(
    "create index ix_ledger_transfers_unsettled_vendor on ledger_transfers (vendor_id, created_at) where settlement_id is null and vendor_id is not null",
  );
  await knex.raw("create index ix_ledger_transfers_settlement_id on ledger_transfers (settlement_id) where settlement_id is not null");
  await knex.raw("create index ix_ledger_transfers_reverses_transfer_id on ledger_transfers (reverses_transfer_id) where reverses_transfer_id is not null");

  // ---------------------------------------------------------------- the booking trigger
  await knex.raw(`
    create function ledger_transfers_book() returns trigger language plpgsql as $$
    begin
      -- lock (update) the two rows in id order: concurrent transfers over one pair never deadlock
      if new.from_account_id < new.to_account_id then
        update ledger_accounts set balance = balance - new.amount
         where id = new.from_account_id and edition_id = new.edition_id and currency = new.currency
         returning balance into new.from_balance_after;
        if not found then raise exception 'ledger account % is not an account of edition % in %', new.from_account_id, new.edition_id, new.currency using errcode = 'foreign_key_violation', constraint = 'fk_ledger_transfers_from'; end if;
        update ledger_accounts set balance = balance + new.amount
         where id = new.to_account_id and edition_id = new.edition_id and currency = new.currency
         returning balance into new.to_balance_after;
        if not found then raise exception 'ledger account % is not an account of edition % in %', new.to_account_id, new.edition_id, new.currency using errcode = 'foreign_key_violation', constraint = 'fk_ledger_transfers_to'; end if;
      else
        update ledger_accounts set balance = balance + new.amount
         where id = new.to_account_id and edition_id = new.edition_id and currency = new.currency
         returning balance into new.to_balance_after;
        if not found then raise exception 'ledger account % is not an account of edition % in %', new.to_account_id, new.edition_id, new.currency using errcode = 'foreign_key_violation', constraint = 'fk_ledger_transfers_to'; end if;
        update ledger_accounts set balance = balance - new.amount
         where id = new.from_account_id and edition_id = new.edition_id and currency = new.currency
         returning balance into new.from_balance_after;
        if not found then raise exception 'ledger account % is not an account of edition % in %', new.from_account_id, new.edition_id, new.currency using errcode = 'foreign_key_violation', constraint = 'fk_ledger_transfers_from'; end if;
      end if;
      new.from_balance_before := new.from_balance_after + new.amount;
      new.to_balance_before := new.to_balance_after - new.amount;
      return new;
    end $$;
  `);
  await knex.raw("create trigger trg_ledger_transfers_book before insert on ledger_transfers for each row execute function ledger_transfers_book()");

  await knex.raw(`
    create function ledger_transfers_refuse_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' then
        if old.settlement_id is null and new.settlement_id is not null
           and (to_jsonb(new) - 'settlement_id') = (to_jsonb(old) - 'settlement_id') then
          return new;
        end if;
      end if;
      raise exception 'ledger transfers are immutable: % refused (book a reversing transfer instead)', tg_op using errcode = 'insufficient_privilege';
    end $$;
  `);
  await knex.raw(`
    create function ledger_refuse_truncate() returns trigger language plpgsql as $$
    begin
      raise exception 'the ledger is never truncated: % refused', tg_table_name using errcode = 'insufficient_privilege';
    end $$;
  `);
  await knex.raw(
    "create trigger trg_ledger_transfers_immutable before update or delete on ledger_transfers for each row execute function ledger_transfers_refuse_change()",
  );
  await knex.raw(
    "create trigger trg_ledger_transfers_no_truncate before truncate on ledger_transfers for each statement execute function ledger_refuse_truncate()",
  );

  await knex.raw(`
    create function ledger_accounts_guard() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        raise exception 'ledger accounts are never deleted' using errcode = 'insufficient_privilege';
      end if;
      if tg_op = 'INSERT' then
        if new.balance <> 0 then raise exception 'a ledger account opens at 0' using errcode = 'insufficient_privilege'; end if;
        return new;
      end if;
      if new.balance is distinct from old.balance and pg_trigger_depth() < 2 then
        raise exception 'a ledger balance changes only by booking a transfer' using errcode = 'insufficient_privilege';
      end if;
      if new.edition_id <> old.edition_id or new.kind <> old.kind or new.currency <> old.currency
         or new.owner_id is distinct from old.owner_id or new.shard <> old.shard then
        raise exception 'a ledger account keeps its edition, kind, owner, shard and currency' using errcode = 'insufficient_privilege';
      end if;
      return new;
    end $$;
  `);
  await knex.raw(
    "create trigger trg_ledger_accounts_guard before insert or update or delete on ledger_accounts for each row execute function ledger_accounts_guard()",
  );
  await knex.raw(
    "create trigger trg_ledger_accounts_no_truncate before truncate on ledger_accounts for each statement execute function ledger_refuse_truncate()",
  );

  await knex.raw(`
    create function ledger_verify() returns table (account_id uuid, kind text, stored_balance bigint, computed_balance bigint) language sql stable as $$
      with moves as (
        select from_account_id as account_id, -amount as delta from ledger_transfers
        union all
        select to_account_id, amount from ledger_transfers
      ), computed as (
        select m.account_id, sum(m.delta)::bigint as balance from moves m group by m.account_id
      )
      select a.id, a.kind::text, a.balance, coalesce(c.balance, 0)::bigint
        from ledger_accounts a left join computed c on c.account_id = a.id
       where a.balance <> coalesce(c.balance, 0)
      union all
      select null::uuid, 'sum_of_all_accounts', s.total, 0::bigint
        from (select coalesce(sum(balance), 0)::bigint as total from ledger_accounts) s
       where s.total <> 0
    $$;
  `);

  /** The account of (edition, kind, owner, shard), opened on first use. */
  await knex.raw(`
    create function ledger_account_for(p_edition uuid, p_kind text, p_owner uuid, p_shard smallint, p_currency char(3)) returns uuid language plpgsql as $$
    declare
      found_id uuid;
    begin
      select id into found_id from ledger_accounts
       where edition_id = p_edition and kind = p_kind and owner_id is not distinct from p_owner and shard = p_shard;
      if found_id is not null then return found_id; end if;
      insert into ledger_accounts (id, edition_id, kind, owner_id, shard, currency)
      values (gen_random_uuid(), p_edition, p_kind, p_owner, p_shard, p_currency)
      on conflict do nothing;
      select id into found_id from ledger_accounts
       where edition_id = p_edition and kind = p_kind and owner_id is not distinct from p_owner and shard = p_shard;
      return found_id;
    end $$;
  `);

  // ---------------------------------------------------------------- wristbands
  await knex.raw(`
    create table wristbands (
      id uuid constraint pk_wristbands primary key,
      edition_id uuid not null constraint fk_wristbands_edition references editions (id) on delete restrict,
      -- the NFC chip's UID, uppercase hex
      tag_id varchar(32) not null constraint ck_wristbands_tag_id check (tag_id ~ '^[0-9A-F]{8,32}$'),
      user_id uuid constraint fk_wristbands_user references users (id) on delete set null,
      status varchar(16) not null default 'active' constraint ck_wristbands_status check (status in ('active', 'blocked')),
      blocked_reason varchar(16) constraint ck_wristbands_blocked_reason check (blocked_reason in ('lost', 'debt', 'refunded', 'admin')),
      blocked_at timestamptz,
      replaced_by_id uuid constraint fk_wristbands_replaced_by references wristbands (id),
      account_id uuid not null constraint fk_wristbands_account references ledger_accounts (id),
      ${AUDITED},
      constraint ck_wristbands_blocked check ((status = 'blocked') = (blocked_reason is not null))
    )
  `);
  await knex.raw("create unique index uq_wristbands_edition_tag on wristbands (edition_id, tag_id)");
  await knex.raw("create unique index uq_wristbands_account_id on wristbands (account_id)");
  await knex.raw("create index ix_wristbands_user_id on wristbands (user_id)");
  await knex.raw("create index ix_wristbands_replaced_by_id on wristbands (replaced_by_id)");

  // ---------------------------------------------------------------- cashiers and drawer shifts
  await knex.raw(`
    create table cashless_cashiers (
      id uuid constraint pk_cashless_cashiers primary key,
      edition_id uuid not null constraint fk_cashless_cashiers_edition references editions (id) on delete restrict,
      user_id uuid not null constraint fk_cashless_cashiers_user references users (id) on delete cascade,
      revoked_at timestamptz,
      ${AUDITED}
    )
  `);
  await knex.raw("create unique index uq_cashless_cashiers_edition_user on cashless_cashiers (edition_id, user_id)");
  await knex.raw("create index ix_cashless_cashiers_user_id on cashless_cashiers (user_id)");

  await knex.raw(`
    create table cashless_drawer_shifts (
      id uuid constraint pk_cashless_drawer_shifts primary key,
      edition_id uuid not null constraint fk_cashless_drawer_shifts_edition references editions (id) on delete restrict,
      cashier_user_id uuid not null constraint fk_cashless_drawer_shifts_cashier references users (id),
      desk varchar(64) not null,
      status varchar(8) not null default 'open' constraint ck_cashless_drawer_shifts_status check (status in ('open', 'closed')),
      opening_float bigint not null default 0 constraint ck_cashless_drawer_shifts_float check (opening_float >= 0),
      account_id uuid not null constraint fk_cashless_drawer_shifts_account references ledger_accounts (id),
      opened_at timestamptz not null default now(),
      closed_at timestamptz,
      expected_cash bigint,
      counted_cash bigint constraint ck_cashless_drawer_shifts_counted check (counted_cash >= 0),
      difference bigint,
      ${AUDITED},
      constraint ck_cashless_drawer_shifts_closed check ((status = 'closed') = (closed_at is not null and counted_cash is not null and expected_cash is not null and difference is not null))
    )
  `);
  await knex.raw("create unique index uq_cashless_drawer_shifts_one_open on cashless_drawer_shifts (edition_id, cashier_user_id) where status = 'open'");
  await knex.raw("create index ix_cashless_drawer_shifts_cashier_user_id on cashless_drawer_shifts (cashier_user_id)");
  await knex.raw("create index ix_cashless_drawer_shifts_account_id on cashless_drawer_shifts (account_id)");

  for (const table of ["cashless_edition_settings", "wristbands", "cashless_cashiers", "cashless_drawer_shifts"]) {
    await knex.raw(`create trigger trg_${table}_updated_at before update on ${table} for each row execute function set_updated_at()`);
  }

  // ---------------------------------------------------------------- the terminal payment
  await knex.raw(`
    create function cashless_charge(
      p_id uuid, p_client_id uuid, p_hash text, p_edition uuid, p_tag text, p_amount bigint, p_currency char(3),
      p_vendor uuid, p_stand uuid, p_terminal uuid, p_order uuid, p_shards integer, p_offline boolean, p_shard_key uuid
    ) returns table (outcome text, transfer_id uuid, amount bigint, currency char(3), balance_after bigint, wristband_id uuid, booked_at timestamptz)
    language plpgsql as $$
    #variable_conflict use_column
    declare
      prior record;
      band record;
      vendor_account uuid;
      booked record;
      violated text;
    begin
      select t.id, t.request_hash, t.amount, t.currency, t.from_balance_after, t.wristband_id, t.created_at into prior
        from ledger_transfers t where t.client_transfer_id = p_client_id;
      if found then
        return query select case when prior.request_hash = p_hash then 'replayed' else 'conflict' end,
          prior.id, prior.amount, prior.currency, prior.from_balance_after, prior.wristband_id, prior.created_at;
        return;
      end if;
      select w.id, w.status, w.account_id, a.currency into band
        from wristbands w join ledger_accounts a on a.id = w.account_id
       where w.edition_id = p_edition and w.tag_id = p_tag;
      if not found then
        return query select 'unknown_band', null::uuid, null::bigint, null::char(3), null::bigint, null::uuid, null::timestamptz;
        return;
      end if;
      if band.status <> 'active' then
        return query select 'blocked_band', null::uuid, null::bigint, null::char(3), null::bigint, band.id, null::timestamptz;
        return;
      end if;
      if band.currency <> p_currency then
        return query select 'currency_mismatch', null::uuid, null::bigint, band.currency, null::bigint, band.id, null::timestamptz;
        return;
      end if;
      vendor_account := ledger_account_for(p_edition, 'vendor_receivable', p_vendor, ((hashtextextended(p_shard_key::text, 0) & 2147483647) % p_shards)::smallint, p_currency);
      begin
        insert into ledger_transfers (id, client_transfer_id, request_hash, edition_id, type, from_account_id, to_account_id, amount, currency,
                                      from_balance_before, from_balance_after, to_balance_before, to_balance_after,
                                      wristband_id, vendor_id, stand_id, terminal_id, order_id, method, offline)
        values (p_id, p_client_id, p_hash, p_edition, 'PAYMENT', band.account_id, vendor_account, p_amount, p_currency,
                0, 0, 0, 0, band.id, p_vendor, p_stand, p_terminal, p_order, 'cashless', p_offline)
        returning ledger_transfers.id, ledger_transfers.from_balance_after, ledger_transfers.created_at into booked;
      exception
        when check_violation then
          get stacked diagnostics violated = constraint_name;
          return query select case when violated = 'ck_ledger_accounts_balance_floor' then 'insufficient_balance' else 'rule_violated:' || coalesce(violated, '') end,
            null::uuid, null::bigint, null::char(3), null::bigint, band.id, null::timestamptz;
          return;
        when unique_violation then
          -- the same client id committed by a concurrent request while this one waited
          select t.id, t.request_hash, t.amount, t.currency, t.from_balance_after, t.wristband_id, t.created_at into prior
            from ledger_transfers t where t.client_transfer_id = p_client_id;
          return query select case when prior.request_hash = p_hash then 'replayed' else 'conflict' end,
            prior.id, prior.amount, prior.currency, prior.from_balance_after, prior.wristband_id, prior.created_at;
          return;
      end;
      return query select 'booked', booked.id, p_amount, p_currency, booked.from_balance_after, band.id, booked.created_at;
    end $$;
  `);
  /**
   * Many terminal payments in one statement and one commit (the API's payment batcher). Each
   * payment runs as cashless_charge (its own subtransaction: one refused payment does not
   * undo the others). All the accounts the batch touches are locked first, in id order, so
   * two batches in flight never deadlock however their payments overlap. One shard key for the
   * whole batch: its payments to one vendor all go to one of the vendor's shards, so a batch
   * holds one shard per vendor and concurrent batches for a hot vendor use different shards.
   */
  await knex.raw(`
    create function cashless_charge_batch(
      p_ids uuid[], p_client_ids uuid[], p_hashes text[], p_edition uuid, p_tags text[], p_amounts bigint[], p_currencies text[],
      p_vendors uuid[], p_stands uuid[], p_terminals uuid[], p_orders uuid[], p_shards integer, p_offline boolean[], p_shard_key uuid
    ) returns table (idx integer, outcome text, transfer_id uuid, amount bigint, currency char(3), balance_after bigint, wristband_id uuid, booked_at timestamptz)
    language plpgsql as $$
    #variable_conflict use_column
    declare
      i integer;
      accounts uuid[];
    begin
      -- the bands' accounts and the vendor shards that exist already (a shard opened by this
      -- batch is new, so nobody else waits for it)
      select array_agg(s.a) into accounts from (
        select w.account_id as a from wristbands w where w.edition_id = p_edition and w.tag_id = any(p_tags)
        union
        select a.id from unnest(p_vendors) as v(vendor)
          join ledger_accounts a on a.edition_id = p_edition and a.kind = 'vendor_receivable' and a.owner_id = v.vendor
                                and a.shard = ((hashtextextended(p_shard_key::text, 0) & 2147483647) % p_shards)
      ) s;
      perform 1 from ledger_accounts where id = any(accounts) order by id for update;
      for i in 1 .. coalesce(array_length(p_ids, 1), 0) loop
        return query select i, c.* from cashless_charge(p_ids[i], p_client_ids[i], p_hashes[i], p_edition, p_tags[i], p_amounts[i], p_currencies[i]::char(3),
          p_vendors[i], p_stands[i], p_terminals[i], p_orders[i], p_shards, p_offline[i], p_shard_key) c;
      end loop;
    end $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    "drop function if exists cashless_charge_batch(uuid[], uuid[], text[], uuid, text[], bigint[], text[], uuid[], uuid[], uuid[], uuid[], integer, boolean[], uuid)",
  );
  await knex.raw("drop function if exists cashless_charge(uuid, uuid, text, uuid, text, bigint, char, uuid, uuid, uuid, uuid, integer, boolean, uuid)");
  await knex.raw("drop table if exists cashless_drawer_shifts");
  await knex.raw("drop table if exists cashless_cashiers");
  await knex.raw("drop table if exists wristbands");
  await knex.raw("drop function if exists ledger_account_for(uuid, text, uuid, smallint, char)");
  await knex.raw("drop function if exists ledger_verify()");
  await knex.raw("drop trigger if exists trg_ledger_transfers_no_truncate on ledger_transfers");
  await knex.raw("drop trigger if exists trg_ledger_accounts_no_truncate on ledger_accounts");
  await knex.raw("drop table if exists ledger_transfers");
  await knex.raw("drop table if exists ledger_accounts");
  await knex.raw("drop function if exists ledger_accounts_guard()");
  await knex.raw("drop function if exists ledger_transfers_refuse_change()");
  await knex.raw("drop function if exists ledger_refuse_truncate()");
  await knex.raw("drop function if exists ledger_transfers_book()");
  await knex.raw("drop table if exists cashless_edition_settings");
}
