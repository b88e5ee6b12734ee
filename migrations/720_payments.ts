import type { Knex } from "knex";

/**
 * Card payments and custodial tickets (module `payments`).
 *
 * - payment_card_prices: what a tier costs by card (minor units + currency), set by the organizer.
 * - payment_orders: a fan's order of `quantity` tickets of one tier; its state machine
 *   (payments/machine.ts) is reserved -> authorized -> minting -> minted -> completed, or
 *   expired / cancelled; completed -> refunding -> refunded. A live order (reserved and not
 *   expired, authorized, minting) holds its quantity against the tier's remaining on-chain supply.
 *   The mint's signed transaction is stored before it is broadcast (mint_raw_tx), so a restart
 *   re-sends the same transaction (same nonce) instead of minting again.
 * - payments: the provider's side of an order, looked up by (provider, provider_payment_id) on every webhook.
 * - payment_webhook_events: every verified webhook, once per (provider, event id): the dedupe.
 * - payment_chain_nonces: the next nonce of the custody account per chain, handed out under a row lock.
 * - payment_tickets: every ticket a card order minted: held by the custody for `user_id` (custody), claimed
 *   into a wallet (claimed), or burned on a refund (voided). The published view custodial_tickets lists
 *   the custody ones for the tickets and gate modules.
 * - payment_transfer_offers: a holder offers a custodial ticket to another user by email; it moves on accept.
 * - payment_test_intents: the built-in test-mode provider's own state (what Stripe keeps for the real one).
 */
const AUDITED = `
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table payment_card_prices (
      id uuid not null constraint pk_payment_card_prices primary key,
      event_contract_id uuid not null constraint fk_payment_card_prices_event_contract references event_contracts (id) on delete cascade,
      tier_id integer not null constraint ck_payment_card_prices_tier check (tier_id between 1 and 255),
      amount bigint not null constraint ck_payment_card_prices_amount check (amount between 50 and 100000000),
      currency char(3) not null constraint ck_payment_card_prices_currency check (currency ~ '^[A-Z]{3}$'),
      ${AUDITED},
      constraint uq_payment_card_prices_tier unique (event_contract_id, tier_id)
    );
    create trigger trg_payment_card_prices_updated_at before update on payment_card_prices for each row execute function set_updated_at();

    create table payment_orders (
      id uuid not null constraint pk_payment_orders primary key,
      user_id uuid not null constraint fk_payment_orders_user references users (id),
      event_contract_id uuid not null constraint fk_payment_orders_event_contract references event_contracts (id),
      chain_id bigint not null,
      contract_address text not null constraint ck_payment_orders_contract check (contract_address ~ '^0x[0-9a-f]{40}$'),
      tier_id integer not null,
      quantity integer not null constraint ck_payment_orders_quantity check (quantity between 1 and 20),
      unit_amount bigint not null constraint ck_payment_orders_unit_amount check (unit_amount > 0),
      amount bigint not null,
      currency char(3) not null,
      deliver_to text constraint ck_payment_orders_deliver_to check (deliver_to ~ '^0x[0-9a-f]{40}$'),
      status text not null default 'reserved' constraint ck_payment_orders_status check (status in
        ('reserved', 'authorized', 'minting', 'minted', 'completed', 'expired', 'cancelled', 'refunding', 'refunded')),
      status_reason text,
      expires_at timestamptz not null,
      mint_nonce bigint,
      mint_tx_hash text,
      mint_raw_tx text,
      first_token_id numeric(78, 0),
      minted_at timestamptz,
      captured_at timestamptz,
      refunded_at timestamptz,
      ${AUDITED},
      constraint ck_payment_orders_amount check (amount = unit_amount * quantity),
      constraint ck_payment_orders_mint check ((mint_raw_tx is null) = (mint_tx_hash is null))
    );
    create index ix_payment_orders_user on payment_orders (user_id, created_at);
    create index ix_payment_orders_event_contract on payment_orders (event_contract_id);
    -- what holds supply, per tier (the reservation count) and what the recovery sweep looks at
    create index ix_payment_orders_live on payment_orders (chain_id, contract_address, tier_id)
      where status in ('reserved', 'authorized', 'minting');
    create index ix_payment_orders_unsettled on payment_orders (updated_at)
      where status in ('reserved', 'authorized', 'minting', 'minted', 'refunding');
    create trigger trg_payment_orders_updated_at before update on payment_orders for each row execute function set_updated_at();

    create table payments (
      id uuid not null constraint pk_payments primary key,
      order_id uuid not null constraint fk_payments_order references payment_orders (id) constraint uq_payments_order unique,
      provider text not null constraint ck_payments_provider check (provider in ('stripe', 'test')),
      provider_payment_id text not null,
      amount bigint not null,
      currency char(3) not null,
      status text not null default 'pending' constraint ck_payments_status check (status in
        ('pending', 'processing', 'completed', 'failed', 'refunded', 'cancelled')),
      provider_status text,
      client_secret text,
      checkout_url text,
      refund_id text,
      ${AUDITED},
      constraint uq_payments_provider_payment unique (provider, provider_payment_id)
    );
    create trigger trg_payments_updated_at before update on payments for each row execute function set_updated_at();

    create table payment_webhook_events (
      provider text not null,
      event_id text not null,
      type text not null,
      provider_payment_id text,
      order_id uuid,
      payload jsonb not null,
      received_at timestamptz not null default now(),
      constraint pk_payment_webhook_events primary key (provider, event_id)
    );
    create index ix_payment_webhook_events_order on payment_webhook_events (order_id);

    create table payment_chain_nonces (
      chain_id bigint not null,
      address text not null constraint ck_payment_chain_nonces_address check (address ~ '^0x[0-9a-f]{40}$'),
      next_nonce bigint not null,
      updated_at timestamptz not null default now(),
      constraint pk_payment_chain_nonces primary key (chain_id, address)
    );

    create table payment_tickets (
      id uuid not null constraint pk_payment_tickets primary key,
      order_id uuid not null constraint fk_payment_tickets_order references payment_orders (id),
      user_id uuid not null constraint fk_payment_tickets_user references users (id),
      chain_id bigint not null,
      contract_address text not null,
      token_id numeric(78, 0) not null,
      custody_address text not null constraint ck_payment_tickets_custody check (custody_address ~ '^0x[0-9a-f]{40}$'),
      status text not null default 'custody' constraint ck_payment_tickets_status check (status in ('custody', 'claiming', 'claimed', 'voided')),
      claimed_to text constraint ck_payment_tickets_claimed_to check (claimed_to ~ '^0x[0-9a-f]{40}$'),
      claim_tx_hash text,
      void_tx_hash text,
      ${AUDITED},
      constraint uq_payment_tickets_token unique (chain_id, contract_address, token_id)
    );
    create index ix_payment_tickets_order on payment_tickets (order_id);
    create index ix_payment_tickets_user on payment_tickets (user_id) where status = 'custody';
    create trigger trg_payment_tickets_updated_at before update on payment_tickets for each row execute function set_updated_at();

    create view custodial_tickets as
      select chain_id, contract_address, token_id, user_id, custody_address from payment_tickets where status = 'custody';

    create table payment_transfer_offers (
      id uuid not null constraint pk_payment_transfer_offers primary key,
      ticket_id uuid not null constraint fk_payment_transfer_offers_ticket references payment_tickets (id),
      from_user_id uuid not null constraint fk_payment_transfer_offers_from references users (id),
      to_email text not null constraint ck_payment_transfer_offers_email check (length(to_email) between 3 and 320),
      to_user_id uuid constraint fk_payment_transfer_offers_to references users (id),
      price bigint not null default 0 constraint ck_payment_transfer_offers_price check (price >= 0),
      currency char(3) not null,
      status text not null default 'pending' constraint ck_payment_transfer_offers_status check (status in ('pending', 'accepted', 'declined', 'withdrawn')),
      decided_at timestamptz,
      ${AUDITED}
    );
    create index ix_payment_transfer_offers_ticket on payment_transfer_offers (ticket_id);
    create index ix_payment_transfer_offers_to on payment_transfer_offers (to_user_id) where status = 'pending';
    create unique index uq_payment_transfer_offers_pending on payment_transfer_offers (ticket_id) where status = 'pending';
    create trigger trg_payment_transfer_offers_updated_at before update on payment_transfer_offers for each row execute function set_updated_at();

    create table payment_test_intents (
      id text not null constraint pk_payment_test_intents primary key,
      amount bigint not null,
      currency char(3) not null,
      status text not null constraint ck_payment_test_intents_status check (status in
        ('requires_payment_method', 'requires_action', 'requires_capture', 'succeeded', 'canceled', 'refunded')),
      last_error text,
      metadata jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create trigger trg_payment_test_intents_updated_at before update on payment_test_intents for each row execute function set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table payment_test_intents;
    drop table payment_transfer_offers;
    drop view custodial_tickets;
    drop table payment_tickets;
    drop table payment_chain_nonces;
    drop table payment_webhook_events;
    drop table payments;
    drop table payment_orders;
    drop table payment_card_prices;
  `);
}
