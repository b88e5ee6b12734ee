import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { evmWalletsOf } from "../users/wallets.js";
import { decodeCursor, invalidCursor, paginate, type PageQuery } from "../../http/pagination.js";

/**
 * Tickets as fans see them, read from the chain mirror (chain_tickets, chain_events,
 * chain_tiers, chain_ticket_transfers) joined with the platform's links and categories (the
 * views event-contracts publishes: event_contract_links, event_contract_tiers) and the gate's
 * admissions (its view gate_ticket_admissions).
 */

const TICKET_COLUMNS = `
  t.chain_id::int as chain_id, t.contract_address, t.token_id::text as token_id, t.tier_id::int as tier_id, t.owner_address,
  t.burned, t.is_comp, t.face_value::text as face_value, t.currency, t.minted_at, t.transfer_count,
  t.checked_in, t.checked_in_at, t.resale_listed, t.resale_price::text as resale_price, t.refund_state,
  e.name as event_name, e.starts_at, e.ends_at, e.cancelled, e.transfer_policy,
  tr.name as tier_name, tr.transferable,
  ec.id as event_contract_id, ec.festival_id, c.name as category_name,
  g.checked_in_at as gate_checked_in_at, g.anchor_status`;

const TICKET_FROM = `
  chain_tickets t
  join chain_events e on e.chain_id = t.chain_id and e.ticket_address = t.contract_address
  left join chain_tiers tr on tr.chain_id = t.chain_id and tr.contract_address = t.contract_address and tr.tier_id = t.tier_id
  left join event_contract_links ec on ec.chain_id = t.chain_id and ec.ticket_address = t.contract_address
  left join event_contract_tiers c on c.event_contract_id = ec.id and c.tier_id = t.tier_id
  left join gate_ticket_admissions g on g.chain_id = t.chain_id and g.contract_address = t.contract_address and g.token_id = t.token_id`;

/**
 * The chain mirror belongs to the indexer (its writer stays on knex for speed) and this
 * read joins six of its tables on composite keys in one statement, so it stays one typed
 * SQL read rather than a graph of models.
 */
interface TicketRow {
  chain_id: number;
  contract_address: string;
  token_id: string;
  tier_id: number;
  owner_address: string | null;
  burned: boolean;
  is_comp: boolean;
  face_value: string;
  currency: string;
  minted_at: Date;
  transfer_count: number;
  checked_in: boolean;
  checked_in_at: Date | null;
  resale_listed: boolean;
  resale_price: string | null;
  refund_state: string;
  event_name: string;
  starts_at: Date;
  ends_at: Date;
  cancelled: boolean;
  transfer_policy: string;
  tier_name: string | null;
  transferable: boolean | null;
  event_contract_id: string | null;
  festival_id: string | null;
  category_name: string | null;
  gate_checked_in_at: Date | null;
  anchor_status: string | null;
}

interface TransferRow {
  chain_id: number;
  contract_address: string;
  token_id: string;
  from_address: string;
  to_address: string;
  block_number: string;
  tx_hash: string;
  block_timestamp: Date;
}

async function transfersOf(db: Knex, tickets: TicketRow[]): Promise<Map<string, TransferRow[]>> {
  const out = new Map<string, TransferRow[]>();
  if (tickets.length === 0) return out;
  const keys = tickets.map((t) => [t.chain_id, t.contract_address, t.token_id]);
  const { rows } = await db.raw<{ rows: TransferRow[] }>(
    `select x.chain_id::int as chain_id, x.contract_address, x.token_id::text as token_id, x.from_address, x.to_address,
            x.block_number::text as block_number, x.tx_hash, x.block_timestamp
       from chain_ticket_transfers x
      where (x.chain_id, x.contract_address, x.token_id) in (${keys.map(() => "(?::bigint, ?, ?::numeric)").join(", ")})
      order by x.block_number, x.log_index`,
    keys.flat(),
  );
  for (const r of rows) {
    const key = `${r.chain_id}:${r.contract_address}:${r.token_id}`;
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

function ticketView(t: TicketRow, transfers: TransferRow[] | undefined) {
  const state: "valid" | "checked_in" | "refunded" | "cancelled" = t.burned
    ? "refunded"
    : t.cancelled
      ? "cancelled"
      : t.checked_in || t.gate_checked_in_at
        ? "checked_in"
        : "valid";
  return {
    chainId: t.chain_id,
    contract: t.contract_address,
    tokenId: t.token_id,
    tierId: t.tier_id,
    tierName: t.tier_name ?? null,
    category: t.category_name ?? null,
    event: {
      name: t.event_name,
      startsAt: t.starts_at.toISOString(),
      endsAt: t.ends_at.toISOString(),
      cancelled: t.cancelled,
      transferPolicy: t.transfer_policy,
      eventContractId: t.event_contract_id ?? null,
      festivalId: t.festival_id ?? null,
    },
    owner: t.owner_address ?? null,
    state,
    isComp: t.is_comp,
    faceValue: t.face_value,
    currency: t.currency,
    mintedAt: t.minted_at.toISOString(),
    checkIn: {
      onChain: t.checked_in,
      onChainAt: t.checked_in_at?.toISOString() ?? null,
      atGate: t.gate_checked_in_at !== null,
      atGateAt: t.gate_checked_in_at?.toISOString() ?? null,
      anchorStatus: t.anchor_status ?? null,
    },
    resale: { listed: t.resale_listed, price: t.resale_price ?? null },
    refundState: t.refund_state,
    transfers: (transfers ?? []).map((x) => ({
      from: x.from_address,
      to: x.to_address,
      blockNumber: x.block_number,
      txHash: x.tx_hash,
      at: x.block_timestamp.toISOString(),
    })),
  };
}

/** The tickets the payments module's custody holds for `userId` (its published view custodial_tickets). */
const CUSTODIAL =
  "(t.chain_id, t.contract_address, t.token_id) in (select c.chain_id, c.contract_address, c.token_id from custodial_tickets c where c.user_id = ?)";

/**
 * Every ticket held by any of the caller's linked EVM wallets, and every card-paid ticket the
 * platform's custody holds for the caller, across events and chains, by contract and token id.
 */
export async function myTickets(db: Knex, principal: Principal, page: PageQuery) {
  const wallets = await evmWalletsOf(db, principal.userId);
  if (page.cursor) {
    const [contract, tokenId] = decodeCursor(page.cursor);
    if (typeof contract !== "string" || !/^\d+$/.test(tokenId)) throw invalidCursor();
  }
  const query = db
    .select(db.raw(TICKET_COLUMNS))
    .from(db.raw(TICKET_FROM))
    .where((q) => q.whereRaw("t.owner_address = any(?::text[])", [wallets]).orWhereRaw(CUSTODIAL, [principal.userId]));
  const result = await paginate(query, page, { column: "t.contract_address", id: "t.token_id", order: "asc" }, (t: TicketRow) => t);
  const transfers = await transfersOf(db, result.items);
  return {
    items: result.items.map((t) => ({
      ...ticketView(t, transfers.get(`${t.chain_id}:${t.contract_address}:${t.token_id}`)),
      custodial: !wallets.includes(t.owner_address ?? ""),
    })),
    nextCursor: result.nextCursor,
    wallets,
  };
}

/** A ticket's public page: what the chain shows anyway (owner address, state, history), plus the event and tier names. */
export async function publicTicket(db: Knex, chainId: number | undefined, contract: string, tokenId: string) {
  const { rows } = await db.raw<{ rows: TicketRow[] }>(
    `select ${TICKET_COLUMNS} from ${TICKET_FROM}
      where t.contract_address = ? and t.token_id = ?::numeric ${chainId === undefined ? "" : "and t.chain_id = ?"}
      limit 1`,
    chainId === undefined ? [contract, tokenId] : [contract, tokenId, chainId],
  );
  const t = rows[0];
  if (!t) throw new HttpError(404, "ticket_not_found", `no ticket ${tokenId} on ${contract}`);
  const transfers = await transfersOf(db, [t]);
  return ticketView(t, transfers.get(`${t.chain_id}:${t.contract_address}:${t.token_id}`));
}

/** A ticket one of a user's wallets holds now, as other modules need it (camping bookings). */
export interface HeldTicket {
  chainId: number;
  contract: string;
  tokenId: string;
  tierId: number;
  eventContractId: string | null;
  festivalId: string | null;
  state: "valid" | "checked_in" | "refunded" | "cancelled";
}

/**
 * The tickets module's answer to "does this user hold this ticket?" for other modules, so
 * they never read the chain mirror: the ticket if one of the user's linked EVM wallets holds
 * it in the mirror, else null.
 */
export async function heldTicket(db: Knex, userId: string, ref: { contract: string; tokenId: string; chainId?: number }): Promise<HeldTicket | null> {
  const wallets = await evmWalletsOf(db, userId);
  if (wallets.length === 0) return null;
  const { rows } = await db.raw<{ rows: TicketRow[] }>(
    `select ${TICKET_COLUMNS} from ${TICKET_FROM}
      where t.contract_address = ? and t.token_id = ?::numeric and t.owner_address = any(?::text[]) ${ref.chainId === undefined ? "" : "and t.chain_id = ?"}
      limit 1`,
    ref.chainId === undefined ? [ref.contract, ref.tokenId, wallets] : [ref.contract, ref.tokenId, wallets, ref.chainId],
  );
  const t = rows[0];
  if (!t) return null;
  const view = ticketView(t, []);
  return {
    chainId: view.chainId,
    contract: view.contract,
    tokenId: view.tokenId,
    tierId: view.tierId,
    eventContractId: view.event.eventContractId,
    festivalId: view.event.festivalId,
    state: view.state,
  };
}
