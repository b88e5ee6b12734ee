import { ZERO_ADDRESS } from "../handlers/args.js";
import type { Queryable } from "./sql.js";
import type { CheckInRow, CompRow, PurchaseRow, RefundRow, ResaleRow, TransferRow } from "./tables.js";
import { tierOf } from "../../../lib/token-ids.js";

const KEY_SEPARATOR = "/"; // as in derive.ts (not imported: derive.ts calls into this module)

/**
 * The log rows of a forward batch that ticket state can be advanced from incrementally.
 * Only valid when every one of them was newly inserted by this batch (no replay) and all of
 * them lie above every stored log row (forward: blocks > cursor).
 */
export interface ForwardTicketRows {
  transfers: readonly TransferRow[];
  purchases: readonly PurchaseRow[];
  comps: readonly CompRow[];
  checkIns: readonly CheckInRow[];
  resales: readonly ResaleRow[];
  refunds: readonly RefundRow[];
  /** Contracts whose every ticket is recomputed anyway (event cancelled in this batch). */
  wholeContracts: ReadonlySet<string>;
}

const key = (contract: string, token: bigint | string) => `${contract}${KEY_SEPARATOR}${token}`;

interface Moves {
  contract: string;
  token: bigint;
  last: TransferRow;
  mint: TransferRow | undefined;
  moves: number;
}

/**
 * Advances chain_tickets for the keys of a forward batch whose only new log rows are
 * Transfers (mints included), in two statements whatever the ticket count, instead of the
 * per-ticket recompute (~8 index lookups a ticket). Returns the keys it could NOT handle;
 * the caller recomputes those in full. A ticket is handled here only when the result is
 * provably what recomputeTickets would write:
 *  - minted in this batch (a mint Transfer, no stored row): every log row of the token is
 *    in this batch, face value from the batch's purchase or comp covering the token;
 *  - already stored, only later Transfers in this batch: owner = last Transfer's `to`,
 *    transfer_count += moves, no resale listing (any listing precedes the new transfer),
 *    check-in, refund and face value unchanged, refund state re-derived from the new owner.
 * Anything else (check-ins, resales, refunds, cancellation, a mint of a stored token, a
 * stored token that is missing) falls back to the full recompute.
 */
export async function advanceTickets(db: Queryable, chainId: number, touched: Iterable<string>, rows: ForwardTicketRows): Promise<string[]> {
  const fallback = new Set<string>();
  const other = new Set<string>();
  for (const r of [...rows.checkIns, ...rows.resales, ...rows.refunds]) other.add(key(r.contract_address, r.token_id));
  const byToken = new Map<string, Moves>();
  for (const t of rows.transfers) {
    // handlers emit logs in (block, logIndex) order; keep it robust anyway
    const k = key(t.contract_address, t.token_id);
    let m = byToken.get(k);
    if (!m) byToken.set(k, (m = { contract: t.contract_address, token: t.token_id, last: t, mint: undefined, moves: 0 }));
    if (after(t, m.last)) m.last = t;
    if (t.from_address === ZERO_ADDRESS) {
      if (!m.mint || after(m.mint, t)) m.mint = t;
    } else if (t.to_address !== ZERO_ADDRESS) m.moves++;
  }
  const minted: Moves[] = [];
  const moved: Moves[] = [];
  for (const k of touched) {
    const m = byToken.get(k);
    const contract = k.slice(0, k.indexOf(KEY_SEPARATOR));
    if (!m || other.has(k) || rows.wholeContracts.has(contract)) fallback.add(k);
    else (m.mint ? minted : moved).push(m);
  }
  if (minted.length + moved.length === 0) return [...fallback];

  const contracts = [...new Set([...minted, ...moved].map((m) => m.contract))];
  const cancelled = new Set(
    (
      await db.query<{ contract_address: string }>(
        `select distinct contract_address from chain_event_changes
         where chain_id = $1 and kind = 'cancelled' and contract_address = any($2::text[])`,
        [chainId, contracts],
      )
    ).rows.map((r) => r.contract_address),
  );

  if (minted.length) {
    const coveringPurchase = purchaseIndex(rows.purchases);
    const covers = minted.map((m) => {
      const purchase = coveringPurchase(m.contract, m.token);
      const comp = purchase
        ? undefined
        : rows.comps.find((c) => c.contract_address === m.contract && m.token >= c.first_token_id && m.token < c.first_token_id + BigInt(c.recipients.length));
      return { purchase, comp };
    });
    // a comp's currency is its tier's (chain_tiers is recomputed before tickets)
    const compTiers = minted.filter((_, i) => covers[i]!.comp).map((m) => [m.contract, tierOf(m.token).toString()] as const);
    const tierCurrency = new Map<string, string>();
    if (compTiers.length) {
      const { rows: tiers } = await db.query<{ contract_address: string; tier_id: string; currency: string }>(
        `select contract_address, tier_id::text, currency from chain_tiers
         where chain_id = $1 and (contract_address, tier_id) in (select * from unnest($2::text[], $3::numeric[]))`,
        [chainId, compTiers.map((t) => t[0]), compTiers.map((t) => t[1])],
      );
      for (const t of tiers) tierCurrency.set(key(t.contract_address, t.tier_id), t.currency);
    }
    const cols = {
      contract: [] as string[],
      token: [] as string[],
      owner: [] as (string | null)[],
      isComp: [] as boolean[],
      face: [] as string[],
      currency: [] as string[],
      mintBlock: [] as string[],
      mintTx: [] as string[],
      mintAt: [] as Date[],
      moves: [] as number[],
      refundState: [] as string[],
      lastBlock: [] as string[],
    };
    minted.forEach((m, i) => {
      const { purchase: cover, comp } = covers[i]!;
      if (!cover && !comp) {
        fallback.add(key(m.contract, m.token));
        return;
      }
      const owner = m.last.to_address === ZERO_ADDRESS ? null : m.last.to_address;
      const face = cover ? cover.unit_price : 0n;
      cols.contract.push(m.contract);
      cols.token.push(m.token.toString());
      cols.owner.push(owner);
      cols.isComp.push(!cover);
      cols.face.push(face.toString());
      cols.currency.push(cover ? cover.currency : (tierCurrency.get(key(m.contract, tierOf(m.token))) ?? ZERO_ADDRESS));
      cols.mintBlock.push(m.mint!.block_number.toString());
      cols.mintTx.push(m.mint!.tx_hash);
      cols.mintAt.push(m.mint!.block_timestamp);
      cols.moves.push(m.moves);
      cols.refundState.push(cancelled.has(m.contract) && owner !== null && face > 0n ? "refundable" : "none");
      cols.lastBlock.push(m.last.block_number.toString());
    });
    if (cols.contract.length) {
      const { rowCount: inserted } = await db.query(
        `insert into chain_tickets as t (chain_id, contract_address, token_id, tier_id, owner_address, burned, is_comp,
           face_value, currency, minted_block_number, minted_tx_hash, minted_at, transfer_count, checked_in, resale_listed,
           refund_state, last_block_number, updated_at)
         select $1, k.contract_address, k.token_id, tier_of(k.token_id), k.owner_address, k.owner_address is null, k.is_comp,
           k.face_value, k.currency, k.minted_block_number, k.minted_tx_hash, k.minted_at, k.transfer_count, false, false,
           k.refund_state, k.last_block_number, now()
         from jsonb_array_elements($2::jsonb) as j(r)
         cross join lateral (select r->>0 as contract_address, (r->>1)::numeric as token_id, r->>2 as owner_address,
           (r->>3)::boolean as is_comp, (r->>4)::numeric as face_value, r->>5 as currency, (r->>6)::bigint as minted_block_number,
           r->>7 as minted_tx_hash, (r->>8)::timestamptz as minted_at, (r->>9)::int as transfer_count, r->>10 as refund_state,
           (r->>11)::bigint as last_block_number) k
         on conflict (chain_id, contract_address, token_id) do nothing`,
        [
          chainId,
          // one jsonb parameter: much cheaper to send and parse than one array per column
          JSON.stringify(
            cols.contract.map((c, i) => [
              c,
              cols.token[i],
              cols.owner[i],
              cols.isComp[i],
              cols.face[i],
              cols.currency[i],
              cols.mintBlock[i],
              cols.mintTx[i],
              cols.mintAt[i],
              cols.moves[i],
              cols.refundState[i],
              cols.lastBlock[i],
            ]),
          ),
        ],
      );
      // a stored row for a token minted in this batch is not the case this path proves: then
      // recompute every token of this statement in full (the recompute upserts; counting the
      // rows instead of returning 15,000 keys keeps the usual case cheap)
      if (inserted !== cols.contract.length) cols.contract.forEach((c, i) => fallback.add(key(c, cols.token[i]!)));
    }
  }

  if (moved.length) {
    const { rowCount: updated } = await db.query(
      `update chain_tickets t set
         owner_address = k.owner_address, burned = k.owner_address is null,
         transfer_count = t.transfer_count + k.moves,
         resale_listed = false, resale_seller = null, resale_price = null,
         refund_state = case when t.refund_amount is not null then 'refunded'
                             when k.cancelled and k.owner_address is not null and t.face_value > 0 then 'refundable'
                             else 'none' end,
         last_block_number = greatest(t.last_block_number, k.last_block_number), updated_at = now()
       from (select r->>0 as contract_address, (r->>1)::numeric as token_id, r->>2 as owner_address, (r->>3)::int as moves,
               (r->>4)::boolean as cancelled, (r->>5)::bigint as last_block_number
             from jsonb_array_elements($2::jsonb) as j(r)) k
       where t.chain_id = $1 and t.contract_address = k.contract_address and t.token_id = k.token_id`,
      [
        chainId,
        JSON.stringify(
          moved.map((m) => [
            m.contract,
            m.token.toString(),
            m.last.to_address === ZERO_ADDRESS ? null : m.last.to_address,
            m.moves,
            cancelled.has(m.contract),
            m.last.block_number.toString(),
          ]),
        ),
      ],
    );
    // a stored ticket missing: recompute them all (rare; see above)
    if (updated !== moved.length) for (const m of moved) fallback.add(key(m.contract, m.token));
  }
  return [...fallback];
}

function after(a: TransferRow, b: TransferRow): boolean {
  return a.block_number > b.block_number || (a.block_number === b.block_number && a.log_index > b.log_index);
}

/**
 * The purchase whose token range covers a token: per contract, the purchases sorted by first
 * token, binary-searched (a batch mints thousands of tokens from hundreds of purchases).
 * Ranges of one contract never overlap, so the nearest range starting at or below is the only candidate.
 */
function purchaseIndex(purchases: readonly PurchaseRow[]): (contract: string, token: bigint) => PurchaseRow | undefined {
  const byContract = new Map<string, PurchaseRow[]>();
  for (const p of purchases) {
    const list = byContract.get(p.contract_address);
    if (list) list.push(p);
    else byContract.set(p.contract_address, [p]);
  }
  for (const list of byContract.values()) list.sort((a, b) => (a.first_token_id < b.first_token_id ? -1 : a.first_token_id > b.first_token_id ? 1 : 0));
  return (contract, token) => {
    const list = byContract.get(contract);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    let found: PurchaseRow | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.first_token_id <= token) {
        found = list[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found && token < found.first_token_id + found.quantity ? found : undefined;
  };
}
