import type { Knex } from "knex";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { zonesOf } from "../gate/zones.js";
import { TicketCategoryZone, zoneCodes } from "./models.js";

interface OnChainTier {
  price: string;
  currency: string;
  supply: string;
  sold: string;
  comped: string;
  minted: string;
  revenue: string;
}

/** One tier's numbers, as the statement below reads them (numeric columns as text; the chain's all null until the mirror has the tier). */
type TierStatsRow = {
  id: string;
  tier_id: number;
  name: string;
  holders: number;
  checked_in: number;
  admitted: number;
} & (OnChainTier | { [K in keyof OnChainTier]: null });

/**
 * Sales, holders, check-ins and revenue per tier of one event contract, a page of tiers at a
 * time in tier order: from the mirror, the gate's admissions (its published view
 * gate_ticket_admissions) and the gate's zones (zonesOf).
 */
export async function tierStats(db: Knex, eventContractId: string, page: PageQuery) {
  const query = db("ticket_categories as c")
    .join("event_contracts as ec", "ec.id", "c.event_contract_id")
    .leftJoin("chain_tiers as t", (j) => j.on("t.chain_id", "ec.chain_id").andOn("t.contract_address", "ec.ticket_address").andOn("t.tier_id", "c.tier_id"))
    .where("c.event_contract_id", eventContractId)
    .select(
      "c.id",
      "c.tier_id",
      "c.name",
      db.raw("t.price::text, t.currency, t.supply::text, t.sold::text, t.comped::text, t.minted::text, t.revenue::text"),
      db.raw(`(select count(distinct k.owner_address)::int from chain_tickets k
                where k.chain_id = ec.chain_id and k.contract_address = ec.ticket_address and k.tier_id = c.tier_id and not k.burned) as holders`),
      db.raw(`(select count(*)::int from chain_tickets k
                where k.chain_id = ec.chain_id and k.contract_address = ec.ticket_address and k.tier_id = c.tier_id and k.checked_in) as checked_in`),
      db.raw(`(select count(*)::int from gate_ticket_admissions g
                where g.event_contract_id = ec.id and g.token_id >= c.tier_id * tier_id_base() and g.token_id < (c.tier_id + 1) * tier_id_base()) as admitted`),
    );
  const result = await paginate(query, page, { column: "c.tier_id", id: "c.id", order: "asc" }, (r: TierStatsRow) => r);
  const [zones, links] = await Promise.all([
    zonesOf(db, [eventContractId]),
    TicketCategoryZone.query(db).whereIn(
      "ticket_category_id",
      result.items.map((r) => r.id),
    ),
  ]);
  const codes = new Map((zones.get(eventContractId) ?? []).map((z) => [z.id, z.code]));
  return {
    items: result.items.map((r) => ({
      tierId: r.tier_id,
      category: r.name,
      zones: zoneCodes(
        links.filter((l) => l.ticket_category_id === r.id),
        codes,
      ),
      onChain:
        r.price === null
          ? null
          : { price: r.price, currency: r.currency, supply: r.supply, sold: r.sold, comped: r.comped, minted: r.minted, revenue: r.revenue },
      holders: r.holders,
      checkedInOnChain: r.checked_in,
      admittedAtGate: r.admitted,
    })),
    nextCursor: result.nextCursor,
  };
}
