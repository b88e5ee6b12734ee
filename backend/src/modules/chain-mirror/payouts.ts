import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import type { FestivalAccessRequirement } from "../festival-access/service.js";
import { evmWalletsOf } from "../users/wallets.js";

/**
 * Reads of the mirrored revenue splits (chain_split_* are the indexer's; this module answers
 * for them): a payee's claim history, and an event's split per payee. Other payout numbers
 * (what the split owes one user's wallets) are the attributions module's /me/payouts, on the
 * published views chain_payees and chain_payouts.
 */
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const currencyOf = (token: string) => (token === ZERO_ADDRESS ? "ETH" : token);

/** How a reader checks a caller's access to an event contract (the event-contracts service does it). */
export interface EventContractAccess {
  load(principal: Principal, id: string, required: FestivalAccessRequirement): Promise<{ festival_id: string }>;
}

interface ClaimRow {
  chain_id: string;
  split_address: string;
  payee: string;
  paid_to: string;
  token_address: string;
  amount: string;
  tx_hash: string;
  block_number: string;
  block_timestamp: Date;
  event_contract_id: string | null;
  event_name: string | null;
}

/**
 * The claims of the caller's proven wallets (or of one of them), newest first: every
 * RevenueSplit claim the indexer mirrored, with its transaction, from any split.
 */
export async function claimHistory(db: Knex, principal: Principal, query: PageQuery & { account?: string }) {
  const wallets = await evmWalletsOf(db, principal.userId);
  // another person's address answers an empty page, as an address without claims does
  const accounts = query.account ? wallets.filter((w) => w === query.account) : wallets;
  const rows = db("chain_split_claims as c")
    .leftJoin("event_contract_links as l", (j) => j.on("l.chain_id", "c.chain_id").andOn("l.split_address", "c.contract_address"))
    .whereIn("c.payee", accounts)
    .select(
      db.raw("c.chain_id::text as chain_id"),
      "c.contract_address as split_address",
      "c.payee",
      "c.paid_to",
      "c.token_address",
      db.raw("c.amount::text as amount"),
      "c.tx_hash",
      db.raw("c.block_number::text as block_number"),
      "c.block_timestamp",
      "l.id as event_contract_id",
      "l.name as event_name",
    );
  return paginate(rows, query, { column: ["c.block_number", "c.chain_id"], id: "c.log_index", order: "desc" }, (r: ClaimRow) => ({
    chainId: Number(r.chain_id),
    splitAddress: r.split_address,
    eventContractId: r.event_contract_id,
    eventName: r.event_name,
    payee: r.payee,
    paidTo: r.paid_to,
    token: r.token_address,
    currency: currencyOf(r.token_address),
    amount: r.amount,
    txHash: r.tx_hash,
    blockNumber: r.block_number,
    claimedAt: r.block_timestamp.toISOString(),
  }));
}

interface PayeeRow {
  account: string;
  share_bps: number | null;
  position: number | null;
  token_address: string | null;
  entitled: string | null;
  released: string | null;
  claimable: string | null;
}

/**
 * An event's revenue split per payee and currency (the organizer's dashboard): what the rule
 * gives each payee from what the split received (entitled), what it claimed (released) and
 * what the split still owes it (claimable); with the split's totals per currency.
 */
export async function eventPayees(db: Knex, access: EventContractAccess, principal: Principal, eventContractId: string) {
  await access.load(principal, eventContractId, { level: "viewer" });
  const link = await db("event_contract_links")
    .where({ id: eventContractId })
    .first<{ chain_id: string; split_address: string | null } | undefined>(db.raw("chain_id::text as chain_id"), "split_address");
  if (!link?.split_address) return { splitAddress: null, totals: [], payees: [] };
  const params = { chain: link.chain_id, split: link.split_address };
  const [{ rows }, totals] = await Promise.all([
    db.raw<{ rows: PayeeRow[] }>(
      `with accounts as (
         select account, min(position) as position, max(share_bps) as share_bps from chain_payees
          where chain_id = :chain and split_address = :split group by account
         union
         select distinct b.account, null::int, null::int from chain_payouts b
          where b.chain_id = :chain and b.split_address = :split
            and not exists (select 1 from chain_payees p where p.chain_id = b.chain_id and p.split_address = b.split_address and p.account = b.account)
       )
       select a.account, a.share_bps, a.position, b.token_address, b.entitled::text as entitled, b.released::text as released, b.claimable::text as claimable
         from accounts a
         left join chain_payouts b on b.chain_id = :chain and b.split_address = :split and b.account = a.account
        order by a.position nulls last, a.account, b.token_address`,
      params,
    ),
    db("chain_split_totals")
      .where({ chain_id: link.chain_id, split_address: link.split_address })
      .select("token_address", db.raw("received::text as received"), db.raw("released::text as released"))
      .orderBy("token_address"),
  ]);
  const payees = new Map<
    string,
    { account: string; shareBps: number | null; balances: Array<{ currency: string; token: string; entitled: string; released: string; claimable: string }> }
  >();
  for (const r of rows) {
    let payee = payees.get(r.account);
    if (!payee) payees.set(r.account, (payee = { account: r.account, shareBps: r.share_bps, balances: [] }));
    if (r.token_address !== null) {
      payee.balances.push({
        currency: currencyOf(r.token_address),
        token: r.token_address,
        entitled: r.entitled ?? "0",
        released: r.released ?? "0",
        claimable: r.claimable ?? "0",
      });
    }
  }
  return {
    splitAddress: link.split_address,
    totals: (totals as Array<{ token_address: string; received: string; released: string }>).map((t) => ({
      currency: currencyOf(t.token_address),
      token: t.token_address,
      received: t.received,
      released: t.released,
    })),
    payees: [...payees.values()],
  };
}
