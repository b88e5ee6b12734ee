import type { Knex } from "knex";

/**
 * The attributions module: the off-chain agreement an event's on-chain split encodes, and referral links.
 *
 * - attributions: an organizer's proposal that a contributor (a platform user by role profile, or an outside address)
 *   gets a percentage (basis points) or a fixed amount (in one of the event's currencies, a token address, 0x0 = ETH)
 *   of an event contract's revenue, or of an edition's (all its events: an agreement the event splits encode one by
 *   one, so no platform fee row), for a contribution type, with a note; the contributor accepts or rejects it.
 *   Only accepted ones count. The database holds the rules:
 *   - a share is 1..10000 bps, a fixed amount > 0, exactly one of the two (ck_attributions_share_or_fixed);
 *   - an event's accepted percentages plus its platform fee never exceed 100 %, an edition's accepted percentages
 *     never 100 % (trg_attributions_total_share): the trigger takes a transaction-level advisory lock per event
 *     contract (or edition) first, so two concurrent acceptances
 *     are decided one after the other (each statement of the trigger sees what the other committed);
 *   - the status machine: proposed -> accepted | rejected | withdrawn (and back to proposed when the organizer
 *     changes the terms before the split is locked, so the contributor consents again).
 * - referral_links: one code per (event contract, referrer) for content creators and sponsors; the code resolves to
 *   the referrer's address, which a purchase names on-chain (EventTicket.purchaseWithReferrer).
 *
 * Paid and claimable amounts are not stored here: they come from the mirror's published views (chain_payouts,
 * chain_referral_earnings).
 */
const ADDRESS = "~ '^0x[0-9a-f]{40}$'";

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table attributions (
      id uuid not null constraint pk_attributions primary key,
      event_contract_id uuid constraint fk_attributions_event_contract references event_contracts (id),
      edition_id uuid constraint fk_attributions_edition references editions (id),
      festival_id uuid not null constraint fk_attributions_festival references festivals (id),
      contributor_kind text not null constraint ck_attributions_contributor_kind
        check (contributor_kind in ('artist', 'content_creator', 'sponsor', 'address')),
      contributor_profile_id uuid,
      contributor_user_id uuid constraint fk_attributions_contributor_user references users (id),
      contributor_address text constraint ck_attributions_contributor_address check (contributor_address ${ADDRESS}),
      payout_address text constraint ck_attributions_payout_address check (payout_address ${ADDRESS}),
      contribution_type text not null constraint ck_attributions_contribution_type
        check (contribution_type in ('performance', 'promotion', 'sponsorship', 'production', 'other')),
      share_bps integer constraint ck_attributions_share_bps check (share_bps between 1 and 10000),
      fixed_amount numeric(78,0) constraint ck_attributions_fixed_amount check (fixed_amount > 0),
      fixed_currency text constraint ck_attributions_fixed_currency check (fixed_currency ${ADDRESS}),
      platform_fee_bps integer not null constraint ck_attributions_platform_fee_bps check (platform_fee_bps between 0 and 10000),
      note text constraint ck_attributions_note check (char_length(note) <= 2000),
      status text not null default 'proposed' constraint ck_attributions_status
        check (status in ('proposed', 'accepted', 'rejected', 'withdrawn')),
      decided_at timestamptz,
      decided_by uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      constraint ck_attributions_scope check ((event_contract_id is null) <> (edition_id is null)),
      constraint ck_attributions_share_or_fixed check ((share_bps is null) <> (fixed_amount is null)),
      constraint ck_attributions_fixed_has_currency check ((fixed_amount is null) = (fixed_currency is null)),
      constraint ck_attributions_contributor check (
        (contributor_kind = 'address' and contributor_address is not null and contributor_profile_id is null)
        or (contributor_kind <> 'address' and contributor_profile_id is not null and contributor_user_id is not null)),
      constraint ck_attributions_accepted_payout check (status <> 'accepted' or payout_address is not null),
      constraint ck_attributions_decided check ((status in ('accepted', 'rejected')) = (decided_at is not null))
    );
    create index ix_attributions_event_contract on attributions (event_contract_id, status);
    create index ix_attributions_edition on attributions (edition_id, status);
    create index ix_attributions_festival on attributions (festival_id);
    create index ix_attributions_contributor_user on attributions (contributor_user_id);
    create index ix_attributions_contributor_address on attributions (contributor_address);
    create trigger trg_attributions_updated_at before update on attributions for each row execute function set_updated_at();

    create function attributions_check_total_share() returns trigger language plpgsql as $$
    declare
      accepted integer;
    begin
      if new.status <> 'accepted' or new.share_bps is null then
        return new;
      end if;
      -- one decision at a time per event (or edition): the sum below then sees every acceptance committed before
      perform pg_advisory_xact_lock(hashtextextended('attributions:' || coalesce(new.event_contract_id, new.edition_id)::text, 0));
      select coalesce(sum(share_bps), 0) into accepted from attributions
       where (event_contract_id = new.event_contract_id or edition_id = new.edition_id)
         and status = 'accepted' and share_bps is not null and id <> new.id;
      if accepted + new.share_bps + new.platform_fee_bps > 10000 then
        raise exception 'accepted shares (% bps) plus the platform fee (% bps) would exceed 100 %%',
          accepted + new.share_bps, new.platform_fee_bps
          using errcode = 'check_violation', constraint = 'ck_attributions_total_share', table = 'attributions';
      end if;
      return new;
    end $$;
    create trigger trg_attributions_total_share before insert or update on attributions
      for each row execute function attributions_check_total_share();

    create table referral_links (
      id uuid not null constraint pk_referral_links primary key,
      event_contract_id uuid not null constraint fk_referral_links_event_contract references event_contracts (id),
      user_id uuid not null constraint fk_referral_links_user references users (id),
      referrer_address text not null constraint ck_referral_links_referrer_address check (referrer_address ${ADDRESS}),
      code text not null constraint uq_referral_links_code unique constraint ck_referral_links_code check (code ~ '^[A-Za-z0-9_-]{8,64}$'),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      constraint uq_referral_links_event_user unique (event_contract_id, user_id)
    );
    create index ix_referral_links_user on referral_links (user_id);
    create trigger trg_referral_links_updated_at before update on referral_links for each row execute function set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table referral_links;
    drop table attributions;
    drop function attributions_check_total_share();
  `);
}
