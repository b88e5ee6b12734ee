import type { Knex } from "knex";

/**
 * What the gate publishes about admissions: one row per admitted ticket (its check-in), with
 * the ticket's tier, for the event contracts' tier stats and the fans' ticket list. A plain
 * view over gate_check_ins, so it inlines into the readers' statements.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create view gate_ticket_admissions as
      select id, event_contract_id, chain_id, contract_address, token_id, tier_of(token_id) as tier_id,
             zone_id, source, checked_in_at, anchor_status
        from gate_check_ins;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop view gate_ticket_admissions;");
}
