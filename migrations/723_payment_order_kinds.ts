import type { Knex } from "knex";

/**
 * One card payment path, three things paid for (payment_orders.kind): tickets (minted), a
 * cashless top-up (credited to the fan's band through the cashless module's service) and a
 * resale of a custodial ticket (a priced transfer offer, moved to the recipient). The state
 * machine is the same (payments/machine.ts); a non-ticket order goes authorized -> delivered
 * (what was paid for is given in the same transaction as the step) -> completed, and may be
 * refunded in part (refund_amount: a top-up's unspent balance).
 *
 * - payment_topups: which band of which edition a top-up order credits.
 * - payment_resales: which offer a resale order pays for, and its seller.
 * - payment_seller_credits: what the platform owes a seller of a paid resale (no payout runs yet: the amount owed is recorded).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payment_orders
      add column kind text not null default 'tickets' constraint ck_payment_orders_kind check (kind in ('tickets', 'topup', 'resale')),
      add column refund_amount bigint,
      alter column event_contract_id drop not null,
      alter column chain_id drop not null,
      alter column contract_address drop not null,
      alter column tier_id drop not null,
      add constraint ck_payment_orders_ticket_fields check (kind <> 'tickets' or (event_contract_id is not null and chain_id is not null and contract_address is not null and tier_id is not null)),
      add constraint ck_payment_orders_refund_amount check (refund_amount is null or (refund_amount > 0 and refund_amount <= amount)),
      drop constraint ck_payment_orders_status,
      add constraint ck_payment_orders_status check (status in
        ('reserved', 'authorized', 'minting', 'minted', 'delivered', 'completed', 'expired', 'cancelled', 'refunding', 'refunded'));
    drop index ix_payment_orders_unsettled;
    create index ix_payment_orders_unsettled on payment_orders (updated_at)
      where status in ('reserved', 'authorized', 'minting', 'minted', 'delivered', 'refunding');

    create table payment_topups (
      order_id uuid not null constraint pk_payment_topups primary key constraint fk_payment_topups_order references payment_orders (id),
      edition_id uuid not null constraint fk_payment_topups_edition references editions (id),
      wristband_id uuid not null constraint fk_payment_topups_wristband references wristbands (id),
      credit_transfer_id uuid,
      refund_transfer_id uuid,
      created_at timestamptz not null default now()
    );
    create index ix_payment_topups_edition on payment_topups (edition_id);
    create index ix_payment_topups_wristband on payment_topups (wristband_id);

    alter table payment_transfer_offers
      drop constraint ck_payment_transfer_offers_status,
      add constraint ck_payment_transfer_offers_status check (status in ('pending', 'awaiting_payment', 'accepted', 'declined', 'withdrawn', 'cancelled'));
    drop index uq_payment_transfer_offers_pending;
    create unique index uq_payment_transfer_offers_pending on payment_transfer_offers (ticket_id) where status in ('pending', 'awaiting_payment');

    create table payment_resales (
      order_id uuid not null constraint pk_payment_resales primary key constraint fk_payment_resales_order references payment_orders (id),
      offer_id uuid not null constraint fk_payment_resales_offer references payment_transfer_offers (id),
      ticket_id uuid not null constraint fk_payment_resales_ticket references payment_tickets (id),
      seller_user_id uuid not null constraint fk_payment_resales_seller references users (id),
      created_at timestamptz not null default now()
    );
    create index ix_payment_resales_offer on payment_resales (offer_id);
    create index ix_payment_resales_ticket on payment_resales (ticket_id);
    create index ix_payment_resales_seller on payment_resales (seller_user_id);

    create table payment_seller_credits (
      id uuid not null constraint pk_payment_seller_credits primary key,
      order_id uuid not null constraint fk_payment_seller_credits_order references payment_orders (id) constraint uq_payment_seller_credits_order unique,
      offer_id uuid not null constraint fk_payment_seller_credits_offer references payment_transfer_offers (id),
      seller_user_id uuid not null constraint fk_payment_seller_credits_seller references users (id),
      amount bigint not null constraint ck_payment_seller_credits_amount check (amount > 0),
      currency char(3) not null,
      status text not null default 'owed' constraint ck_payment_seller_credits_status check (status in ('owed', 'paid')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid
    );
    create index ix_payment_seller_credits_offer on payment_seller_credits (offer_id);
    create index ix_payment_seller_credits_seller on payment_seller_credits (seller_user_id);
    create trigger trg_payment_seller_credits_updated_at before update on payment_seller_credits for each row execute function set_updated_at();

    alter table payment_test_intents add column refunded_amount bigint not null default 0;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payment_test_intents drop column refunded_amount;
    drop table payment_seller_credits;
    drop table payment_resales;
    drop index uq_payment_transfer_offers_pending;
    create unique index uq_payment_transfer_offers_pending on payment_transfer_offers (ticket_id) where status = 'pending';
    alter table payment_transfer_offers drop constraint ck_payment_transfer_offers_status,
      add constraint ck_payment_transfer_offers_status check (status in ('pending', 'accepted', 'declined', 'withdrawn'));
    drop table payment_topups;
    drop index ix_payment_orders_unsettled;
    create index ix_payment_orders_unsettled on payment_orders (updated_at) where status in ('reserved', 'authorized', 'minting', 'minted', 'refunding');
    alter table payment_orders drop constraint ck_payment_orders_status,
      add constraint ck_payment_orders_status check (status in
        ('reserved', 'authorized', 'minting', 'minted', 'completed', 'expired', 'cancelled', 'refunding', 'refunded')),
      drop constraint ck_payment_orders_refund_amount, drop constraint ck_payment_orders_ticket_fields,
      drop column refund_amount, drop column kind;
  `);
}
