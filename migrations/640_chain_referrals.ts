import type { Knex } from "knex";

/**
 * Chain mirror of referrals (EventTicket.purchaseWithReferrer, RevenueSplit.claimReferral), owned by the indexer:
 *
 * - chain_referral_credits (log, ticket): ReferralCredited, a sale's credit to its referrer, right after the sale's
 *   TicketPurchased in the same transaction (first_token_id names the sale).
 * - chain_referral_shares (log, split): ReferralShareSet, a tier's referral share in basis points.
 * - chain_referral_claims (log, split): ReferralClaimed, what a referrer was paid.
 * - chain_referral_balances (state, recomputed with the split like chain_split_balances): per split, currency and
 *   referrer its credit (0 once the event is cancelled, as the contract says), entitlement (the credit, or its pro
 *   rata part of the organizer's share when fixed amounts left less), released and claimable.
 *
 * Published views (anyone may read them; the mirror's tables stay the indexer's):
 * - chain_split_states: per event its split, organizer, platform fee, whether the payee list is locked, whether the
 *   event is cancelled, and its highest current referral share (the split checks payee shares against it).
 * - chain_payees: the split's current payees (position 0 the platform), with the event's ticket address.
 * - chain_payouts: per split, currency and account what the split owes it as payee or organizer (entitled, released,
 *   claimable), with the event's ticket address: what attributions link on-chain payees back to.
 * - chain_referral_earnings: per event (ticket address), currency and referrer its credits, paid and claimable.
 */
const addr = (col: string, table: string) => `${col} text not null constraint ck_${table}_${col} check (${col} ~ '^0x[0-9a-f]{40}$')`;
const logTable = (table: string, body: string) => `
  create table ${table} (
    chain_id bigint not null,
    block_number bigint not null,
    block_hash text not null,
    log_index integer not null,
    tx_hash text not null,
    ${addr("contract_address", table)},
    ${body},
    constraint pk_${table} primary key (chain_id, block_number, log_index)
  );`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ${logTable(
      "chain_referral_credits",
      `${addr("referrer", "chain_referral_credits")},
      tier_id numeric(78,0) not null,
      first_token_id numeric(78,0) not null,
      amount numeric(78,0) not null constraint ck_chain_referral_credits_amount check (amount > 0),
      ${addr("currency", "chain_referral_credits")},
      block_timestamp timestamptz not null`,
    )}
    create index ix_chain_referral_credits_contract on chain_referral_credits (chain_id, contract_address, currency, referrer);
    create index ix_chain_referral_credits_referrer on chain_referral_credits (chain_id, referrer);

    ${logTable(
      "chain_referral_shares",
      `tier_id numeric(78,0) not null,
      share_bps integer not null constraint ck_chain_referral_shares_share_bps check (share_bps between 0 and 10000)`,
    )}
    create index ix_chain_referral_shares_contract on chain_referral_shares (chain_id, contract_address, tier_id);

    ${logTable(
      "chain_referral_claims",
      `${addr("referrer", "chain_referral_claims")},
      ${addr("token_address", "chain_referral_claims")},
      amount numeric(78,0) not null,
      block_timestamp timestamptz not null`,
    )}
    create index ix_chain_referral_claims_contract on chain_referral_claims (chain_id, contract_address, token_address, referrer);

    create table chain_referral_balances (
      chain_id bigint not null,
      ${addr("split_address", "chain_referral_balances")},
      ${addr("token_address", "chain_referral_balances")},
      ${addr("referrer", "chain_referral_balances")},
      credited numeric(78,0) not null,
      entitled numeric(78,0) not null,
      released numeric(78,0) not null,
      claimable numeric(78,0) not null,
      constraint pk_chain_referral_balances primary key (chain_id, split_address, token_address, referrer)
    );
    create index ix_chain_referral_balances_referrer on chain_referral_balances (chain_id, referrer);

    create view chain_payouts as
      select b.chain_id, e.ticket_address, b.split_address, b.token_address, b.account, b.entitled, b.released, b.claimable
        from chain_split_balances b
        join chain_event_creations e on e.chain_id = b.chain_id and e.split_address = b.split_address;

    create view chain_split_states as
      select e.chain_id, e.event_id, e.ticket_address, e.split_address, e.organizer, e.platform_fee_bps,
             exists (select 1 from chain_event_changes x where x.chain_id = e.chain_id and x.contract_address = e.split_address
                     and x.kind = 'payees_locked') as locked,
             exists (select 1 from chain_event_changes x where x.chain_id = e.chain_id and x.contract_address = e.ticket_address
                     and x.kind = 'cancelled') as cancelled,
             -- RevenueSplit.maxReferralShareBps: the highest share ever set (a high-water mark)
             coalesce((select max(r.share_bps) from chain_referral_shares r
                        where r.chain_id = e.chain_id and r.contract_address = e.split_address), 0) as max_referral_share_bps
        from chain_event_creations e;

    create view chain_payees as
      select p.chain_id, e.ticket_address, p.split_address, p.position, p.account, p.share_bps, p.fixed_amount, p.fixed_token
        from chain_split_payees p
        join chain_event_creations e on e.chain_id = p.chain_id and e.split_address = p.split_address;

    create view chain_referral_earnings as
      select r.chain_id, e.ticket_address, r.split_address, r.token_address, r.referrer, r.credited, r.entitled,
             r.released, r.claimable
        from chain_referral_balances r
        join chain_event_creations e on e.chain_id = r.chain_id and e.split_address = r.split_address;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop view chain_referral_earnings;
    drop view chain_payees;
    drop view chain_split_states;
    drop view chain_payouts;
    drop table chain_referral_balances, chain_referral_claims, chain_referral_shares, chain_referral_credits;
  `);
}
