import type { Knex } from "knex";

/**
 * payments.last_error: the provider's words for the last failed attempt ("Your card was
 * declined."), so the fan's order page can say why without asking the provider. Cleared when
 * an attempt succeeds; the card number is never in it (providers do not echo it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payments add column last_error text
      constraint ck_payments_last_error_length check (length(last_error) <= 500)
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("alter table payments drop column last_error");
}
