import type { Knex } from "knex";

/** One tier as a buyer sees it: the mirror's on-chain terms (numbers as decimal strings). */
interface OnSaleRow {
  id: string;
  event_id: string | null;
  name: string;
  chain_id: string;
  ticket_address: string;
  tier_id: string;
  tier_name: string;
  price: string;
  currency: string;
  supply: string;
  minted: string;
  max_per_buyer: string;
  sale_start: Date;
  sale_end: Date;
  cancelled: boolean;
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

interface TierOnSale {
  tierId: number;
  name: string;
  price: string;
  currency: string;
  remaining: string;
  maxPerBuyer: string;
  saleStart: string;
  saleEnd: string;
}

/**
 * What a buyer needs to buy from a festival's linked events: the ticket contract and each
 * tier's on-chain terms, from the chain mirror (the contract itself decides; this only lets a
 * page prepare the `purchase` call). A festival that does not exist (or was deleted) answers an
 * empty list, as does one with no linked event.
 */
export async function ticketsOnSale(db: Knex, festivalId: string) {
  const rows = await db.raw<{ rows: OnSaleRow[] }>(
    `select ec.id, ec.event_id, ec.name, ec.chain_id::text as chain_id, ec.ticket_address,
            t.tier_id::text as tier_id, t.name as tier_name, t.price::text as price, t.currency,
            t.supply::text as supply, t.minted::text as minted, t.max_per_buyer::text as max_per_buyer,
            t.sale_start, t.sale_end, e.cancelled
       from event_contracts ec
       join live_festivals f on f.id = ec.festival_id
       join chain_events e on e.chain_id = ec.chain_id and e.ticket_address = ec.ticket_address
       join chain_tiers t on t.chain_id = ec.chain_id and t.contract_address = ec.ticket_address
      where ec.festival_id = ? and ec.status = 'linked'
      order by ec.id, t.tier_id`,
    [festivalId],
  );
  const events = new Map<
    string,
    { eventContractId: string; eventId: string | null; name: string; chainId: number; contract: string; cancelled: boolean; tiers: TierOnSale[] }
  >();
  for (const r of rows.rows) {
    let event = events.get(r.id);
    if (!event) {
      event = {
        eventContractId: r.id,
        eventId: r.event_id,
        name: r.name,
        chainId: Number(r.chain_id),
        contract: r.ticket_address,
        cancelled: r.cancelled,
        tiers: [],
      };
      events.set(r.id, event);
    }
    event.tiers.push({
      tierId: Number(r.tier_id),
      name: r.tier_name,
      price: r.price,
      currency: r.currency === ZERO_ADDRESS ? "ETH" : r.currency,
      remaining: (BigInt(r.supply) - BigInt(r.minted)).toString(),
      maxPerBuyer: r.max_per_buyer,
      saleStart: r.sale_start.toISOString(),
      saleEnd: r.sale_end.toISOString(),
    });
  }
  return { items: [...events.values()] };
}
