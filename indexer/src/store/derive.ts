import type { EntityKind } from "../handlers/types.js";
import { ZERO_ADDRESS } from "../handlers/args.js";
import type { Queryable } from "./sql.js";

/**
 * Current state (chain_events, chain_tiers, chain_tickets, chain_split_*) recomputed from
 * the append-only log tables, set-based, for exactly the keys a batch or a rollback touched.
 *
 * Invariant: every state row is a pure function of the log rows of its key, so the same
 * code serves a forward batch and a rollback (delete logs above the ancestor, recompute the
 * keys they fed), and a crash between the two can never leave state that disagrees with logs
 * (both are in one transaction anyway). A key whose logs are all gone loses its state row.
 */
export type Touched = Map<EntityKind, Set<string>>;

export const KEY_SEPARATOR = "/";

/**
 * `advance` (forward batches only): given the touched ticket keys, advances the ones it can
 * incrementally and returns the rest, which are recomputed in full. Runs after tiers.
 */
export async function recompute(db: Queryable, chainId: number, touched: Touched, advance?: (tickets: string[]) => Promise<string[]>): Promise<void> {
  const keys = (entity: EntityKind) => [...(touched.get(entity) ?? [])].map((k) => k.split(KEY_SEPARATOR));
  // events first: ticket refund state reads chain_event_changes directly, not chain_events
  const events = keys("event").map((k) => k[0]!);
  if (events.length) await recomputeEvents(db, chainId, events);
  const tiers = keys("tier");
  if (tiers.length) await recomputeTiers(db, chainId, tiers);
  const ticketKeys = [...(touched.get("ticket") ?? [])];
  const tickets = (advance && ticketKeys.length ? await advance(ticketKeys) : ticketKeys).map((k) => k.split(KEY_SEPARATOR));
  const wholeContracts = keys("event_tickets").map((k) => k[0]!);
  if (wholeContracts.length) {
    const all = await db.query<{ contract_address: string; token_id: string }>(
      `select contract_address, token_id::text from chain_tickets where chain_id = $1 and contract_address = any($2::text[])`,
      [chainId, wholeContracts],
    );
    for (const row of all.rows) tickets.push([row.contract_address, row.token_id]);
  }
  if (tickets.length) await recomputeTickets(db, chainId, tickets);
  const splits = keys("split").map((k) => k[0]!);
  if (splits.length) await recomputeSplits(db, chainId, splits);
}

async function recomputeEvents(db: Queryable, chainId: number, addresses: string[]): Promise<void> {
  // keys are ticket addresses, or split addresses (payees_locked is a split log)
  await db.query(
    `with k as (select distinct unnest($2::text[]) as a),
     e as (
       select ec.* from chain_event_creations ec
       where ec.chain_id = $1 and (ec.ticket_address in (select a from k) or ec.split_address in (select a from k))
     ),
     latest as (
       select distinct on (c.contract_address, c.kind) c.contract_address, c.kind, c.data
       from chain_event_changes c
       where c.chain_id = $1 and c.contract_address in (select ticket_address from e)
       order by c.contract_address, c.kind, c.block_number desc, c.log_index desc
     ),
     paused as (
       select distinct on (contract_address) contract_address, kind = 'paused' as paused
       from chain_event_changes
       where chain_id = $1 and kind in ('paused', 'unpaused') and contract_address in (select ticket_address from e)
       order by contract_address, block_number desc, log_index desc
     ),
     cancel as (
       select c.contract_address, b.timestamp as cancelled_at
       from chain_event_changes c left join chain_blocks b on b.chain_id = c.chain_id and b.number = c.block_number
       where c.chain_id = $1 and c.kind = 'cancelled' and c.contract_address in (select ticket_address from e)
     ),
     gone as (
       delete from chain_events ce using k
       where ce.chain_id = $1 and (ce.ticket_address = k.a or ce.split_address = k.a)
         and not exists (select 1 from e where e.ticket_address = ce.ticket_address)
     ),
     upserted as (
       insert into chain_events as ce (
         chain_id, ticket_address, event_id, split_address, organizer, factory_address, name, symbol, base_uri,
         contract_uri, starts_at, ends_at, refund_window_seconds, transfer_policy, resale_cap_bps, royalty_bps,
         platform_fee_bps, platform_fee_recipient, paused, cancelled, cancelled_at, settled, payees_locked,
         created_block_number, created_tx_hash, updated_at)
       select e.chain_id, e.ticket_address, e.event_id, e.split_address, e.organizer, e.contract_address,
         e.config->>'name', e.config->>'symbol',
         coalesce(bu.data->>'baseURI', e.config->>'baseURI'),
         coalesce(cu.data->>'contractURI', e.config->>'contractURI'),
         to_timestamp(coalesce(sc.data->>'startsAt', e.config->>'startsAt')::numeric),
         to_timestamp(coalesce(sc.data->>'endsAt', e.config->>'endsAt')::numeric),
         coalesce(sc.data->>'refundWindow', e.config->>'refundWindow')::bigint,
         (array['free', 'resale_only', 'soulbound'])[coalesce(tp.data->>'policy', e.config->>'transferPolicy')::int + 1],
         coalesce(rt.data->>'resaleCapBps', e.config->>'resaleCapBps')::int,
         coalesce(rt.data->>'royaltyBps', e.config->>'royaltyBps')::int,
         e.platform_fee_bps, e.platform_fee_recipient,
         coalesce(p.paused, false),
         cn.contract_address is not null, cn.cancelled_at,
         exists (select 1 from chain_settlements s where s.chain_id = $1 and s.contract_address = e.ticket_address),
         exists (select 1 from chain_event_changes pl
                 where pl.chain_id = $1 and pl.contract_address = e.split_address and pl.kind = 'payees_locked'),
         e.block_number, e.tx_hash, now()
       from e
       left join latest sc on sc.contract_address = e.ticket_address and sc.kind = 'schedule_set'
       left join latest tp on tp.contract_address = e.ticket_address and tp.kind = 'transfer_policy_set'
       left join latest rt on rt.contract_address = e.ticket_address and rt.kind = 'resale_terms_set'
       left join latest bu on bu.contract_address = e.ticket_address and bu.kind = 'base_uri_set'
       left join latest cu on cu.contract_address = e.ticket_address and cu.kind = 'contract_uri_set'
       left join paused p on p.contract_address = e.ticket_address
       left join cancel cn on cn.contract_address = e.ticket_address
       on conflict (chain_id, ticket_address) do update set
         event_id = excluded.event_id, split_address = excluded.split_address, organizer = excluded.organizer,
         factory_address = excluded.factory_address, name = excluded.name, symbol = excluded.symbol,
         base_uri = excluded.base_uri, contract_uri = excluded.contract_uri, starts_at = excluded.starts_at,
         ends_at = excluded.ends_at, refund_window_seconds = excluded.refund_window_seconds,
         transfer_policy = excluded.transfer_policy, resale_cap_bps = excluded.resale_cap_bps,
         royalty_bps = excluded.royalty_bps, platform_fee_bps = excluded.platform_fee_bps,
         platform_fee_recipient = excluded.platform_fee_recipient, paused = excluded.paused,
         cancelled = excluded.cancelled, cancelled_at = excluded.cancelled_at, settled = excluded.settled,
         payees_locked = excluded.payees_locked, created_block_number = excluded.created_block_number,
         created_tx_hash = excluded.created_tx_hash, updated_at = now()
       returning ce.ticket_address, ce.split_address, ce.paused, ce.cancelled, ce.settled
     )
     update smart_contracts sc
     set status = case when u.cancelled then 'cancelled' when u.settled then 'settled' when u.paused then 'paused' else 'active' end
     from upserted u
     where sc.chain_id = $1 and sc.address in (u.ticket_address, u.split_address)
       and sc.status is distinct from (case when u.cancelled then 'cancelled' when u.settled then 'settled' when u.paused then 'paused' else 'active' end)`,
    [chainId, addresses],
  );
}

async function recomputeTiers(db: Queryable, chainId: number, keys: string[][]): Promise<void> {
  const params = [chainId, keys.map((k) => k[0]), keys.map((k) => k[1])];
  await db.query(
    `delete from chain_tiers t using unnest($2::text[], $3::numeric[]) as k(contract_address, tier_id)
     where t.chain_id = $1 and t.contract_address = k.contract_address and t.tier_id = k.tier_id
       and not exists (select 1 from chain_tier_changes c where c.chain_id = $1
                       and c.contract_address = k.contract_address and c.tier_id = k.tier_id)`,
    params,
  );
  await db.query(
    `with k as (select distinct contract_address, tier_id from unnest($2::text[], $3::numeric[]) as k(contract_address, tier_id))
     insert into chain_tiers as t (chain_id, contract_address, tier_id, name, price, currency, supply, max_per_buyer,
       sale_start, sale_end, transferable, sold, comped, minted, price_locked, revenue, updated_at)
     select $1, k.contract_address, k.tier_id, c.name, c.price, c.currency, c.supply, c.max_per_buyer,
       to_timestamp(c.sale_start), to_timestamp(c.sale_end), c.transferable,
       coalesce(p.sold, 0), coalesce(cp.comped, 0), coalesce(p.sold, 0) + coalesce(cp.comped, 0),
       coalesce(p.sold, 0) > 0, coalesce(p.revenue, 0), now()
     from k
     join lateral (select * from chain_tier_changes c where c.chain_id = $1 and c.contract_address = k.contract_address
                   and c.tier_id = k.tier_id order by c.block_number desc, c.log_index desc limit 1) c on true
     left join lateral (select sum(quantity) as sold, sum(quantity * unit_price) as revenue from chain_purchases p
                        where p.chain_id = $1 and p.contract_address = k.contract_address and p.tier_id = k.tier_id) p on true
     left join lateral (select sum(jsonb_array_length(recipients)) as comped from chain_comps cp
                        where cp.chain_id = $1 and cp.contract_address = k.contract_address and cp.tier_id = k.tier_id) cp on true
     on conflict (chain_id, contract_address, tier_id) do update set
       name = excluded.name, price = excluded.price, currency = excluded.currency, supply = excluded.supply,
       max_per_buyer = excluded.max_per_buyer, sale_start = excluded.sale_start, sale_end = excluded.sale_end,
       transferable = excluded.transferable, sold = excluded.sold, comped = excluded.comped, minted = excluded.minted,
       price_locked = excluded.price_locked, revenue = excluded.revenue, updated_at = now()`,
    params,
  );
}

/**
 * A ticket: owner from its latest Transfer (none after the burn of a refund), face value
 * from the purchase whose token range covers it (else a comp: 0, tier currency), check-in,
 * resale listing (the latest resale log is a listing made after the latest transfer by the
 * current owner), refund state (refunded; refundable when the event is cancelled and the
 * face value is not 0; else none).
 */
async function recomputeTickets(db: Queryable, chainId: number, keys: string[][]): Promise<void> {
  const params = [chainId, keys.map((k) => k[0]), keys.map((k) => k[1])];
  await db.query(
    `delete from chain_tickets t using unnest($2::text[], $3::numeric[]) as k(contract_address, token_id)
     where t.chain_id = $1 and t.contract_address = k.contract_address and t.token_id = k.token_id
       and not exists (select 1 from chain_ticket_transfers x where x.chain_id = $1
                       and x.contract_address = k.contract_address and x.token_id = k.token_id)`,
    params,
  );
  await db.query(
    `with k as (select distinct contract_address, token_id from unnest($2::text[], $3::numeric[]) as k(contract_address, token_id)),
     s as (
       select k.contract_address, k.token_id, tier_of(k.token_id) as tier_id,
         nullif(last.to_address, '${ZERO_ADDRESS}') as owner_address, last.block_number as last_transfer_block,
         last.block_number as lb, last.log_index as li,
         mint.block_number as minted_block_number, mint.tx_hash as minted_tx_hash, mint.block_timestamp as minted_at,
         moves.n as transfer_count,
         pur.unit_price, pur.currency as purchase_currency,
         ci.block_timestamp as checked_in_at, ci.scanner as checked_in_by,
         rs.kind as resale_kind, rs.seller as resale_seller, rs.price as resale_price,
         rs.block_number as rb, rs.log_index as rli,
         rf.amount as refund_amount,
         exists (select 1 from chain_event_changes c where c.chain_id = $1 and c.contract_address = k.contract_address
                 and c.kind = 'cancelled') as cancelled,
         tier.currency as tier_currency
       from k
       join lateral (select to_address, block_number, log_index from chain_ticket_transfers x
                     where x.chain_id = $1 and x.contract_address = k.contract_address and x.token_id = k.token_id
                     order by x.block_number desc, x.log_index desc limit 1) last on true
       join lateral (select block_number, tx_hash, block_timestamp from chain_ticket_transfers x
                     where x.chain_id = $1 and x.contract_address = k.contract_address and x.token_id = k.token_id
                       and x.from_address = '${ZERO_ADDRESS}'
                     order by x.block_number, x.log_index limit 1) mint on true
       join lateral (select count(*)::int as n from chain_ticket_transfers x
                     where x.chain_id = $1 and x.contract_address = k.contract_address and x.token_id = k.token_id
                       and x.from_address <> '${ZERO_ADDRESS}' and x.to_address <> '${ZERO_ADDRESS}') moves on true
       -- token ranges of purchases and comps are disjoint: the nearest purchase below covers it, or a comp does
       left join lateral (select case when k.token_id < p.first_token_id + p.quantity then p.unit_price end as unit_price,
                                 case when k.token_id < p.first_token_id + p.quantity then p.currency end as currency
                          from chain_purchases p
                          where p.chain_id = $1 and p.contract_address = k.contract_address and p.first_token_id <= k.token_id
                          order by p.first_token_id desc limit 1) pur on true
       left join lateral (select c.block_timestamp, c.scanner from chain_check_ins c
                          where c.chain_id = $1 and c.contract_address = k.contract_address and c.token_id = k.token_id
                          order by c.block_number, c.log_index limit 1) ci on true
       left join lateral (select r.kind, r.seller, r.price, r.block_number, r.log_index from chain_resales r
                          where r.chain_id = $1 and r.contract_address = k.contract_address and r.token_id = k.token_id
                          order by r.block_number desc, r.log_index desc limit 1) rs on true
       left join lateral (select r.amount from chain_refunds r
                          where r.chain_id = $1 and r.contract_address = k.contract_address and r.token_id = k.token_id
                          limit 1) rf on true
       left join chain_tiers tier on tier.chain_id = $1 and tier.contract_address = k.contract_address
                                  and tier.tier_id = tier_of(k.token_id)
     )
     insert into chain_tickets as t (chain_id, contract_address, token_id, tier_id, owner_address, burned, is_comp,
       face_value, currency, minted_block_number, minted_tx_hash, minted_at, transfer_count, checked_in, checked_in_at,
       checked_in_by, resale_listed, resale_seller, resale_price, refund_state, refund_amount, last_block_number, updated_at)
     select $1, s.contract_address, s.token_id, s.tier_id, s.owner_address, s.owner_address is null,
       s.unit_price is null, coalesce(s.unit_price, 0), coalesce(s.purchase_currency, s.tier_currency, '${ZERO_ADDRESS}'),
       s.minted_block_number, s.minted_tx_hash, s.minted_at, s.transfer_count,
       s.checked_in_at is not null, s.checked_in_at, s.checked_in_by,
       l.listed, case when l.listed then s.resale_seller end, case when l.listed then s.resale_price end,
       case when s.refund_amount is not null then 'refunded'
            when s.cancelled and s.owner_address is not null and coalesce(s.unit_price, 0) > 0 then 'refundable'
            else 'none' end,
       s.refund_amount, greatest(s.last_transfer_block, coalesce(s.rb, 0)), now()
     from s
     cross join lateral (select coalesce(s.resale_kind = 'listed' and s.resale_seller = s.owner_address
                                         and (s.rb, s.rli) > (s.lb, s.li), false) as listed) l
     on conflict (chain_id, contract_address, token_id) do update set
       tier_id = excluded.tier_id, owner_address = excluded.owner_address, burned = excluded.burned,
       is_comp = excluded.is_comp, face_value = excluded.face_value, currency = excluded.currency,
       minted_block_number = excluded.minted_block_number, minted_tx_hash = excluded.minted_tx_hash,
       minted_at = excluded.minted_at, transfer_count = excluded.transfer_count, checked_in = excluded.checked_in,
       checked_in_at = excluded.checked_in_at, checked_in_by = excluded.checked_in_by,
       resale_listed = excluded.resale_listed, resale_seller = excluded.resale_seller,
       resale_price = excluded.resale_price, refund_state = excluded.refund_state,
       refund_amount = excluded.refund_amount, last_block_number = excluded.last_block_number, updated_at = now()`,
    params,
  );
}

/**
 * A split's payees (its latest PayeesSet), and per currency its totals and every account's
 * entitlement, computed like RevenueSplit does from the cumulative amount received R, platform fee p bps:
 *  1. the platform fee off the top: fee = floor(R * p / 10000); N = R - fee;
 *  2. fixed amounts next, in payee order, in their own currency: min(fixed, max(N - fixed before, 0));
 *     a fixed amount paid on performance is owed once confirmed (chain_split_performances), not while pending;
 *  3. remainder = max(N - all fixed amounts in that currency, 0) plus what cancelled performances fill of step 2, shared by the other payees' basis points out of
 *     pool = 10000 - p, rounded down;
 *  4. the organizer gets the unallocated basis points rounded up: remainder - floor(remainder * otherBps / pool);
 *  5. referrals come out of that organizer part O: with Ref = the ticket's referral credits in the currency (0 once
 *     the event is cancelled), funded = min(O, Ref); the organizer keeps O - funded, referrer j gets
 *     floor(credit_j * funded / Ref) (chain_referral_balances);
 *  dust = floor(remainder * otherBps / pool) - sum of the rounded-down shares + funded - sum of the referrers' parts.
 * claimable = entitled - released (sum of Claimed; of ReferralClaimed for referrers).
 * Keys are split addresses, or ticket addresses (referral credits, cancellation), mapped to their split here.
 */
async function recomputeSplits(db: Queryable, chainId: number, keys: string[]): Promise<void> {
  const mapped = await db.query<{ split: string }>(
    `select distinct coalesce(ec.split_address, k.a) as split from unnest($2::text[]) as k(a)
     left join chain_event_creations ec on ec.chain_id = $1 and ec.ticket_address = k.a`,
    [chainId, [...new Set(keys)]],
  );
  const splits = mapped.rows.map((r) => r.split);
  const params = [chainId, splits];
  // (a DELETE in a CTE is not visible to the INSERT of the same statement: two statements)
  await db.query(`delete from chain_split_payees where chain_id = $1 and split_address = any($2::text[])`, params);
  await db.query(
    `with latest as (
       select k.a as split, ps.payees from unnest($2::text[]) as k(a)
       cross join lateral (select payees from chain_payee_sets s where s.chain_id = $1 and s.contract_address = k.a
                           order by s.block_number desc, s.log_index desc limit 1) ps
     )
     insert into chain_split_payees (chain_id, split_address, position, account, share_bps, fixed_amount, fixed_token)
     -- the platform fee payee (permanent; RevenueSplit keeps it outside PayeesSet's list) ...
     select $1, ec.split_address, 0, ec.platform_fee_recipient, ec.platform_fee_bps, 0, '${ZERO_ADDRESS}'
     from chain_event_creations ec join latest l on l.split = ec.split_address
     where ec.chain_id = $1 and ec.platform_fee_bps > 0
       and not exists (select 1 from jsonb_array_elements(l.payees) p where p->>'account' = ec.platform_fee_recipient)
     union all
     -- ... then the organizer's payees in list order
     select $1, l.split, (p->>'position')::int + 1, p->>'account', (p->>'shareBps')::int, (p->>'fixedAmount')::numeric, p->>'fixedToken'
     from latest l cross join lateral jsonb_array_elements(l.payees) p`,
    params,
  );
  await db.query(`delete from chain_split_totals where chain_id = $1 and split_address = any($2::text[])`, params);
  await db.query(`delete from chain_split_balances where chain_id = $1 and split_address = any($2::text[])`, params);
  await db.query(`delete from chain_referral_balances where chain_id = $1 and split_address = any($2::text[])`, params);
  await db.query(
    `with k as (select distinct unnest($2::text[]) as split),
     org as (select split_address as split, organizer, platform_fee_recipient as platform, platform_fee_bps as fee_bps
             from chain_event_creations where chain_id = $1 and split_address in (select split from k)),
     recv as (select contract_address as split, token_address as token, sum(amount) as received from chain_split_deposits
              where chain_id = $1 and contract_address in (select split from k) group by 1, 2),
     rel as (select contract_address as split, token_address as token, payee as account, sum(amount) as released from chain_split_claims
             where chain_id = $1 and contract_address in (select split from k) group by 1, 2, 3),
     refs as (select ec.split_address as split, c.currency as token, c.referrer, sum(c.amount) as credited
              from chain_event_creations ec join chain_referral_credits c on c.chain_id = $1 and c.contract_address = ec.ticket_address
              where ec.chain_id = $1 and ec.split_address in (select split from k)
                and not exists (select 1 from chain_event_changes x where x.chain_id = $1 and x.contract_address = ec.ticket_address
                                and x.kind = 'cancelled')
              group by 1, 2, 3),
     refrel as (select contract_address as split, token_address as token, referrer, sum(amount) as released from chain_referral_claims
                where chain_id = $1 and contract_address in (select split from k) group by 1, 2, 3),
     reftotal as (select split, token, sum(credited) as total from refs group by 1, 2),
     tokens as (select split, token from recv union select split, token from rel
                union select split, token from refs union select split, token from refrel),
     payees as (select * from chain_split_payees where chain_id = $1 and split_address in (select split from k)),
     -- PayeesSet's totalShareBps includes the platform fee: it decides the organizer's part
     bps as (select k.split, coalesce(ps.total_share_bps, (select sum(share_bps) from payees p where p.split_address = k.split)) as total
             from k left join lateral (select total_share_bps from chain_payee_sets s where s.chain_id = $1 and s.contract_address = k.split
                                       order by s.block_number desc, s.log_index desc limit 1) ps on true),
     -- paid on performance: each payee's latest gate after the split's latest PayeesSet (a replacement voids gates)
     perf as (
       select distinct on (g.contract_address, g.payee) g.contract_address as split, g.payee as account, g.kind
       from chain_split_performances g
       where g.chain_id = $1 and g.contract_address in (select split from k) and g.kind <> 'confirmer_set'
         and (g.block_number, g.log_index) > coalesce((select (s.block_number, s.log_index) from chain_payee_sets s
                                                        where s.chain_id = $1 and s.contract_address = g.contract_address
                                                        order by s.block_number desc, s.log_index desc limit 1), (-1, -1))
       order by g.contract_address, g.payee, g.block_number desc, g.log_index desc
     ),
     fixed as (
       select t.split, t.token, p.account, p.fixed_amount,
         coalesce(sum(p.fixed_amount) over (partition by t.split, t.token order by p.position
                                            rows between unbounded preceding and 1 preceding), 0) as before,
         coalesce(g.kind, 'none') as performance
       from tokens t join payees p on p.split_address = t.split and p.fixed_token = t.token and p.fixed_amount > 0
         left join perf g on g.split = p.split_address and g.account = p.account
     ),
     gross as (
       select t.split, t.token, coalesce(r.received, 0) as received, coalesce(o.fee_bps, 0) as fee_bps,
         div(coalesce(r.received, 0) * coalesce(o.fee_bps, 0), 10000) as fee,
         coalesce(b.total, 0) - coalesce(o.fee_bps, 0) as other_bps
       from tokens t left join recv r on r.split = t.split and r.token = t.token left join bps b on b.split = t.split
         left join org o on o.split = t.split
     ),
     base as (
       select g.*, g.received - g.fee as net, 10000 - g.fee_bps as pool,
         greatest(g.received - g.fee - coalesce((select sum(f.fixed_amount) from fixed f where f.split = g.split and f.token = g.token), 0), 0)
           -- what cancelled performances fill of the waterfall goes to the remainder
           + coalesce((select sum(least(f.fixed_amount, greatest(g.received - g.fee - f.before, 0))) from fixed f
                       where f.split = g.split and f.token = g.token and f.performance = 'cancelled'), 0) as remainder
       from gross g
     ),
     funds as (
       select b.split, b.token, o.part, coalesce(rt.total, 0) as ref_total, least(o.part, coalesce(rt.total, 0)) as funded
       from base b
       cross join lateral (select b.remainder - coalesce(div(b.remainder * b.other_bps, nullif(b.pool, 0)), 0) as part) o
       left join reftotal rt on rt.split = b.split and rt.token = b.token
     ),
     refent as (
       select coalesce(r.split, x.split) as split, coalesce(r.token, x.token) as token, coalesce(r.referrer, x.referrer) as referrer,
         coalesce(r.credited, 0) as credited, coalesce(div(r.credited * f.funded, nullif(f.ref_total, 0)), 0) as entitled,
         coalesce(x.released, 0) as released
       from refs r
       left join funds f on f.split = r.split and f.token = r.token
       full join refrel x on x.split = r.split and x.token = r.token and x.referrer = r.referrer
     ),
     refbal as (
       insert into chain_referral_balances (chain_id, split_address, token_address, referrer, credited, entitled, released, claimable)
       select $1, split, token, referrer, credited, entitled, released, entitled - released from refent
     ),
     ent as (
       select b.split, b.token, o.platform as account, b.fee as amount, 0 as share
       from base b join org o on o.split = b.split where o.fee_bps > 0
       union all
       select f.split, f.token, f.account, least(f.fixed_amount, greatest(b.net - f.before, 0)), 0
       from fixed f join base b on b.split = f.split and b.token = f.token
       where f.performance in ('none', 'confirmed')
       union all
       -- position 0 is the platform's row: its part is the fee above
       select b.split, b.token, p.account, div(b.remainder * p.share_bps, nullif(b.pool, 0)), div(b.remainder * p.share_bps, nullif(b.pool, 0))
       from base b join payees p on p.split_address = b.split and p.share_bps > 0 and p.position > 0
       where b.remainder > 0
       union all
       select f.split, f.token, o.organizer, f.part - f.funded, 0
       from funds f join org o on o.split = f.split
       union all
       select r.split, r.token, r.account, 0, 0 from rel r
     ),
     totals as (
       insert into chain_split_totals (chain_id, split_address, token_address, received, released, dust)
       select $1, b.split, b.token, b.received,
         coalesce((select sum(r.released) from rel r where r.split = b.split and r.token = b.token), 0)
           + coalesce((select sum(x.released) from refrel x where x.split = b.split and x.token = b.token), 0),
         coalesce(div(b.remainder * b.other_bps, nullif(b.pool, 0)), 0)
           - coalesce((select sum(e.share) from ent e where e.split = b.split and e.token = b.token), 0)
           + f.funded - coalesce((select sum(r.entitled) from refent r where r.split = b.split and r.token = b.token), 0)
       from base b join funds f on f.split = b.split and f.token = b.token
     )
     insert into chain_split_balances (chain_id, split_address, token_address, account, entitled, released, claimable)
     select $1, e.split, e.token, e.account, sum(e.amount), coalesce(r.released, 0), sum(e.amount) - coalesce(r.released, 0)
     from ent e left join rel r on r.split = e.split and r.token = e.token and r.account = e.account
     group by e.split, e.token, e.account, r.released`,
    params,
  );
}
