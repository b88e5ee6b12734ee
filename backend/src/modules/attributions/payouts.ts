import type { Knex } from "knex";
import { evmWalletsOf } from "../users/wallets.js";

interface PayoutRow {
  chain_id: string;
  ticket_address: string;
  split_address: string;
  account: string;
  share_bps: number | null;
  token_address: string | null;
  entitled: string | null;
  released: string | null;
  claimable: string | null;
  event_contract_id: string | null;
  event_name: string | null;
  festival_id: string | null;
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * What each event's revenue split owes the caller's wallets, from the mirror's published views:
 * every split naming one of the wallets as a payee, and every balance one of them holds there
 * (per currency: entitled by the split's rule, released = claimed so far, claimable). The claim
 * itself is the payee's own transaction (RevenueSplit.claim(token)); this only shows the numbers.
 */
export async function myPayouts(db: Knex, userId: string) {
  const wallets = await evmWalletsOf(db, userId);
  if (!wallets.length) return { items: [], wallets };
  const { rows } = await db.raw<{ rows: PayoutRow[] }>(
    `with mine as (
       select p.chain_id, p.ticket_address, p.split_address, p.account, p.share_bps
         from chain_payees p where p.account = any(?) and p.position > 0
       union
       select b.chain_id, b.ticket_address, b.split_address, b.account, null from chain_payouts b
        where b.account = any(?) and not exists (select 1 from chain_payees p where p.chain_id = b.chain_id and p.split_address = b.split_address
                                                    and p.account = b.account and p.position > 0)
     )
     select m.chain_id::text as chain_id, m.ticket_address, m.split_address, m.account, m.share_bps,
            b.token_address, b.entitled::text as entitled, b.released::text as released, b.claimable::text as claimable,
            l.id as event_contract_id, l.name as event_name, l.festival_id
       from mine m
       left join chain_payouts b on b.chain_id = m.chain_id and b.split_address = m.split_address and b.account = m.account
       left join event_contract_links l on l.chain_id = m.chain_id and l.ticket_address = m.ticket_address
      order by l.name nulls last, m.split_address, m.account, b.token_address`,
    [wallets, wallets],
  );
  const splits = new Map<
    string,
    {
      chainId: number;
      splitAddress: string;
      ticketAddress: string;
      account: string;
      shareBps: number | null;
      eventContractId: string | null;
      eventName: string | null;
      festivalId: string | null;
      balances: Array<{ currency: string; token: string; entitled: string; released: string; claimable: string }>;
    }
  >();
  for (const r of rows) {
    const key = `${r.chain_id}:${r.split_address}:${r.account}`;
    let split = splits.get(key);
    if (!split) {
      split = {
        chainId: Number(r.chain_id),
        splitAddress: r.split_address,
        ticketAddress: r.ticket_address,
        account: r.account,
        shareBps: r.share_bps,
        eventContractId: r.event_contract_id,
        eventName: r.event_name,
        festivalId: r.festival_id,
        balances: [],
      };
      splits.set(key, split);
    }
    if (r.token_address !== null) {
      split.balances.push({
        currency: r.token_address === ZERO_ADDRESS ? "ETH" : r.token_address,
        token: r.token_address,
        entitled: r.entitled ?? "0",
        released: r.released ?? "0",
        claimable: r.claimable ?? "0",
      });
    }
  }
  return { items: [...splits.values()], wallets };
}
