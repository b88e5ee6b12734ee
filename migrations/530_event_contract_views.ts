import type { Knex } from "knex";

/**
 * What the event-contracts module publishes for other modules' reads (the gate's zone
 * directory and offline snapshot, my tickets): plain column views over its tables, so
 * Postgres inlines them and the readers' plans stay the ones they had on the tables.
 *
 * - event_contract_links: a link's festival and on-chain coordinates (no draft, no claim state).
 * - event_contract_tiers: the ticket categories, one per on-chain tier.
 * - event_contract_tier_zones: which tiers may enter which zone (zone ids are the gate's).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create view event_contract_links as
      select id, festival_id, edition_id, event_id, chain_id, status, name, ticket_address, split_address, linked_at
        from event_contracts;
    create view event_contract_tiers as
      select id, event_contract_id, tier_id, name, description
        from ticket_categories;
    create view event_contract_tier_zones as
      select c.event_contract_id, c.tier_id, cz.ticket_category_id, cz.zone_id
        from ticket_category_zones cz
        join ticket_categories c on c.id = cz.ticket_category_id;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop view event_contract_tier_zones; drop view event_contract_tiers; drop view event_contract_links;");
}
