import type { Knex } from "knex";

/** Sales, holders, check-ins and revenue per tier of one event contract, from the mirror (and the gate's own check-ins). */
export async function tierStats(db: Knex, eventContractId: string) {
  const rows = await db.raw(
    `select c.tier_id, c.name,
            coalesce((select array_agg(z.code order by z.code) from ticket_category_zones cz join gate_zones z on z.id = cz.zone_id
                      where cz.ticket_category_id = c.id), '{}') as zones,
            t.price::text, t.currency, t.supply::text, t.sold::text, t.comped::text, t.minted::text, t.revenue::text,
            (select count(distinct k.owner_address)::int from chain_tickets k
               where k.chain_id = ec.chain_id and k.contract_address = ec.ticket_address and k.tier_id = c.tier_id and not k.burned) as holders,
            (select count(*)::int from chain_tickets k
               where k.chain_id = ec.chain_id and k.contract_address = ec.ticket_address and k.tier_id = c.tier_id and k.checked_in) as checked_in,
            (select count(*)::int from gate_check_ins g
               where g.event_contract_id = ec.id and g.token_id >= c.tier_id * tier_id_base() and g.token_id < (c.tier_id + 1) * tier_id_base()) as admitted
       from ticket_categories c
       join event_contracts ec on ec.id = c.event_contract_id
       left join chain_tiers t on t.chain_id = ec.chain_id and t.contract_address = ec.ticket_address and t.tier_id = c.tier_id
      where c.event_contract_id = ?
      order by c.tier_id`,
    [eventContractId],
  );
  return {
    items: rows.rows.map((r: Record<string, unknown>) => ({
      tierId: r.tier_id as number,
      category: r.name as string,
      zones: r.zones as string[],
      onChain:
        r.price === null
          ? null
          : {
              price: r.price as string,
              currency: r.currency as string,
              supply: r.supply as string,
              sold: r.sold as string,
              comped: r.comped as string,
              minted: r.minted as string,
              revenue: r.revenue as string,
            },
      holders: r.holders as number,
      checkedInOnChain: r.checked_in as number,
      admittedAtGate: r.admitted as number,
    })),
  };
}
