import type { Knex } from "knex";

/** payment_tickets.holder_mac: the seal of who a custodial ticket is for (payments/holdings.ts; its key is in configuration only). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("alter table payment_tickets add column holder_mac text constraint ck_payment_tickets_holder_mac check (holder_mac ~ '^[0-9a-f]{64}$')");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("alter table payment_tickets drop column holder_mac");
}
