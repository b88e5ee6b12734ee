import type { Knex } from "knex";

/**
 * Chain mirror, part 2: the platform's contracts (EventFactory, EventTicket, RevenueSplit).
 *
 * Two kinds of tables:
 * - append-only log tables, one row per handled log, keyed by (chain_id, block_hash,
 *   log_index), each carrying block_number so a reorg rollback is a DELETE above the
 *   common ancestor: chain_event_creations, chain_platform_fee_changes, chain_tier_changes,
 *   chain_purchases, chain_comps, chain_ticket_transfers, chain_check_ins, chain_resales,
 *   chain_refunds, chain_settlements, chain_event_changes, chain_payee_sets,
 *   chain_split_deposits, chain_split_claims;
 * - current-state tables the backend reads, recomputed by the indexer (set-based SQL) from
 *   the log tables for exactly the entities a batch or a rollback touched:
 *   chain_events, chain_tiers, chain_tickets, chain_split_payees, chain_split_balances,
 *   chain_split_totals. They hold nothing the log tables do not: dropping and recomputing
 *   them gives the same rows.
 *
 * Amounts are numeric(78,0); addresses lowercase hex; the zero address is ETH as a currency.
 */
const addr = (col: string, table: string, nullable = false) =>
  `${col} text ${nullable ? "" : "not null"} constraint ck_${table}_${col} check (${col} ~ '^0x[0-9a-f]{40}$')`;
const logCols = (table: string) => `
  chain_id bigint not null,
  block_number bigint not null,
  block_hash text not null,
  log_index integer not null,
  tx_hash text not null,
  ${addr("contract_address", table)}`;
const logTable = (table: string, body: string, extraKey = "") => `
  create table ${table} (
    ${logCols(table)},
    ${body},
    constraint pk_${table} primary key (chain_id, block_hash, log_index${extraKey})
  );
  create index ix_${table}_block on ${table} (chain_id, block_number);`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ${logTable(
      "chain_event_creations",
      `
      event_id numeric(78,0) not null,
      ${addr("organizer", "chain_event_creations")},
      ${addr("ticket_address", "chain_event_creations")},
      ${addr("split_address", "chain_event_creations")},
      config jsonb not null,
      ${addr("platform_fee_recipient", "chain_event_creations")},
      platform_fee_bps integer not null`,
    )}
    create index ix_chain_event_creations_ticket on chain_event_creations (chain_id, ticket_address);

    ${logTable(
      "chain_platform_fee_changes",
      `
      ${addr("recipient", "chain_platform_fee_changes")},
      fee_bps integer not null`,
    )}

    ${logTable(
      "chain_tier_changes",
      `
      kind text not null constraint ck_chain_tier_changes_kind check (kind in ('created', 'updated')),
      tier_id numeric(78,0) not null,
      name text not null,
      price numeric(78,0) not null,
      ${addr("currency", "chain_tier_changes")},
      supply numeric(78,0) not null,
      max_per_buyer numeric(78,0) not null,
      sale_start numeric(78,0) not null,
      sale_end numeric(78,0) not null,
      transferable boolean not null`,
    )}
    create index ix_chain_tier_changes_tier on chain_tier_changes (chain_id, contract_address, tier_id, block_number desc, log_index desc);

    ${logTable(
      "chain_purchases",
      `
      ${addr("buyer", "chain_purchases")},
      ${addr("recipient", "chain_purchases")},
      tier_id numeric(78,0) not null,
      first_token_id numeric(78,0) not null,
      quantity numeric(78,0) not null,
      unit_price numeric(78,0) not null,
      ${addr("currency", "chain_purchases")},
      block_timestamp timestamptz not null`,
    )}
    create index ix_chain_purchases_tokens on chain_purchases (chain_id, contract_address, first_token_id);
    create index ix_chain_purchases_tier on chain_purchases (chain_id, contract_address, tier_id);
    create index ix_chain_purchases_recipient on chain_purchases (chain_id, recipient);
    create index ix_chain_purchases_buyer on chain_purchases (chain_id, buyer);

    ${logTable(
      "chain_comps",
      `
      tier_id numeric(78,0) not null,
      ${addr("operator", "chain_comps")},
      first_token_id numeric(78,0) not null,
      recipients jsonb not null`,
    )}
    create index ix_chain_comps_tokens on chain_comps (chain_id, contract_address, first_token_id);
    create index ix_chain_comps_tier on chain_comps (chain_id, contract_address, tier_id);

    ${logTable(
      "chain_ticket_transfers",
      `
      ${addr("from_address", "chain_ticket_transfers")},
      ${addr("to_address", "chain_ticket_transfers")},
      token_id numeric(78,0) not null,
      block_timestamp timestamptz not null`,
    )}
    create index ix_chain_ticket_transfers_token on chain_ticket_transfers (chain_id, contract_address, token_id, block_number desc, log_index desc);

    ${logTable(
      "chain_check_ins",
      `
      token_id numeric(78,0) not null,
      ${addr("scanner", "chain_check_ins")},
      block_timestamp timestamptz not null`,
    )}
    create index ix_chain_check_ins_token on chain_check_ins (chain_id, contract_address, token_id);

    ${logTable(
      "chain_resales",
      `
      kind text not null constraint ck_chain_resales_kind check (kind in ('listed', 'cancelled', 'completed')),
      token_id numeric(78,0) not null,
      ${addr("seller", "chain_resales")},
      ${addr("buyer", "chain_resales", true)},
      price numeric(78,0),
      royalty numeric(78,0),
      ${addr("currency", "chain_resales", true)},
      block_timestamp timestamptz not null`,
    )}
    create index ix_chain_resales_token on chain_resales (chain_id, contract_address, token_id, block_number desc, log_index desc);

    ${logTable(
      "chain_refunds",
      `
      token_id numeric(78,0) not null,
      ${addr("holder", "chain_refunds")},
      amount numeric(78,0) not null,
      ${addr("currency", "chain_refunds")},
      block_timestamp timestamptz not null`,
    )}
    create index ix_chain_refunds_token on chain_refunds (chain_id, contract_address, token_id);

    ${logTable(
      "chain_settlements",
      `
      ${addr("currency", "chain_settlements")},
      amount numeric(78,0) not null,
      ${addr("split_address", "chain_settlements")},
      block_timestamp timestamptz not null`,
    )}
    create index ix_chain_settlements_contract on chain_settlements (chain_id, contract_address);

    ${logTable(
      "chain_event_changes",
      `
      kind text not null constraint ck_chain_event_changes_kind check (kind in
        ('cancelled', 'schedule_set', 'transfer_policy_set', 'resale_terms_set', 'base_uri_set', 'contract_uri_set',
         'paused', 'unpaused', 'payees_locked')),
      data jsonb not null`,
    )}
    create index ix_chain_event_changes_contract on chain_event_changes (chain_id, contract_address, kind, block_number desc, log_index desc);

    ${logTable(
      "chain_payee_sets",
      `
      payees jsonb not null,
      total_share_bps integer not null`,
    )}
    create index ix_chain_payee_sets_contract on chain_payee_sets (chain_id, contract_address, block_number desc, log_index desc);

    ${logTable(
      "chain_split_deposits",
      `
      ${addr("token_address", "chain_split_deposits")},
      ${addr("from_address", "chain_split_deposits")},
      amount numeric(78,0) not null,
      block_timestamp timestamptz not null`,
    )}
    create index ix_chain_split_deposits_contract on chain_split_deposits (chain_id, contract_address, token_address);

    ${logTable(
      "chain_split_claims",
      `
      ${addr("payee", "chain_split_claims")},
      ${addr("token_address", "chain_split_claims")},
      amount numeric(78,0) not null,
      block_timestamp timestamptz not null`,
    )}
    create index ix_chain_split_claims_contract on chain_split_claims (chain_id, contract_address, token_address, payee);

    -- current state ---------------------------------------------------------------------

    create table chain_events (
      chain_id bigint not null,
      ${addr("ticket_address", "chain_events")},
      event_id numeric(78,0) not null,
      ${addr("split_address", "chain_events")},
      ${addr("organizer", "chain_events")},
      ${addr("factory_address", "chain_events")},
      name text not null,
      symbol text not null,
      base_uri text not null,
      contract_uri text not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      refund_window_seconds bigint not null,
      transfer_policy text not null constraint ck_chain_events_transfer_policy check (transfer_policy in ('free', 'resale_only', 'soulbound')),
      resale_cap_bps integer not null,
      royalty_bps integer not null,
      platform_fee_bps integer not null,
      ${addr("platform_fee_recipient", "chain_events")},
      paused boolean not null,
      cancelled boolean not null,
      cancelled_at timestamptz,
      settled boolean not null,
      payees_locked boolean not null,
      created_block_number bigint not null,
      created_tx_hash text not null,
      updated_at timestamptz not null default now(),
      constraint pk_chain_events primary key (chain_id, ticket_address),
      constraint uq_chain_events_event_id unique (chain_id, factory_address, event_id),
      constraint uq_chain_events_split unique (chain_id, split_address)
    );

    create table chain_tiers (
      chain_id bigint not null,
      ${addr("contract_address", "chain_tiers")},
      tier_id numeric(78,0) not null,
      name text not null,
      price numeric(78,0) not null,
      ${addr("currency", "chain_tiers")},
      supply numeric(78,0) not null,
      max_per_buyer numeric(78,0) not null,
      sale_start timestamptz not null,
      sale_end timestamptz not null,
      transferable boolean not null,
      sold numeric(78,0) not null,
      comped numeric(78,0) not null,
      minted numeric(78,0) not null,
      price_locked boolean not null,
      revenue numeric(78,0) not null,
      updated_at timestamptz not null default now(),
      constraint pk_chain_tiers primary key (chain_id, contract_address, tier_id),
      constraint ck_chain_tiers_minted check (minted <= supply)
    );

    create table chain_tickets (
      chain_id bigint not null,
      ${addr("contract_address", "chain_tickets")},
      token_id numeric(78,0) not null,
      tier_id numeric(78,0) not null,
      ${addr("owner_address", "chain_tickets", true)},
      burned boolean not null,
      is_comp boolean not null,
      face_value numeric(78,0) not null,
      ${addr("currency", "chain_tickets")},
      minted_block_number bigint not null,
      minted_tx_hash text not null,
      minted_at timestamptz not null,
      transfer_count integer not null,
      checked_in boolean not null,
      checked_in_at timestamptz,
      ${addr("checked_in_by", "chain_tickets", true)},
      resale_listed boolean not null,
      ${addr("resale_seller", "chain_tickets", true)},
      resale_price numeric(78,0),
      refund_state text not null constraint ck_chain_tickets_refund_state check (refund_state in ('none', 'refundable', 'refunded')),
      refund_amount numeric(78,0),
      last_block_number bigint not null,
      updated_at timestamptz not null default now(),
      constraint pk_chain_tickets primary key (chain_id, contract_address, token_id),
      constraint ck_chain_tickets_owner check (burned = (owner_address is null))
    );
    create index ix_chain_tickets_owner on chain_tickets (chain_id, owner_address);

    create table chain_split_payees (
      chain_id bigint not null,
      ${addr("split_address", "chain_split_payees")},
      position integer not null,
      ${addr("account", "chain_split_payees")},
      share_bps integer not null,
      fixed_amount numeric(78,0) not null,
      ${addr("fixed_token", "chain_split_payees")},
      constraint pk_chain_split_payees primary key (chain_id, split_address, position)
    );
    create index ix_chain_split_payees_account on chain_split_payees (chain_id, account);

    create table chain_split_totals (
      chain_id bigint not null,
      ${addr("split_address", "chain_split_totals")},
      ${addr("token_address", "chain_split_totals")},
      received numeric(78,0) not null,
      released numeric(78,0) not null,
      dust numeric(78,0) not null,
      constraint pk_chain_split_totals primary key (chain_id, split_address, token_address)
    );

    -- per account and currency: entitled (what the contract's rule gives it from the
    -- cumulative amount received), released (claimed), claimable = entitled - released
    create table chain_split_balances (
      chain_id bigint not null,
      ${addr("split_address", "chain_split_balances")},
      ${addr("token_address", "chain_split_balances")},
      ${addr("account", "chain_split_balances")},
      entitled numeric(78,0) not null,
      released numeric(78,0) not null,
      claimable numeric(78,0) not null,
      constraint pk_chain_split_balances primary key (chain_id, split_address, token_address, account)
    );
    create index ix_chain_split_balances_account on chain_split_balances (chain_id, account);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table chain_split_balances, chain_split_totals, chain_split_payees, chain_tickets, chain_tiers, chain_events;
    drop table chain_split_claims, chain_split_deposits, chain_payee_sets, chain_event_changes, chain_settlements,
      chain_refunds, chain_resales, chain_check_ins, chain_ticket_transfers, chain_comps, chain_purchases,
      chain_tier_changes, chain_platform_fee_changes, chain_event_creations;
  `);
}
