import type { Knex } from "knex";

/**
 * Refunds and split claims name who was paid: RefundClaimed and Claimed carry `to`, the holder's or payee's own
 * address unless it chose another one (a contract that cannot receive ETH). Rows mirrored before this carried no
 * such field: they were paid to the holder / payee.
 */
const paidTo = (table: string, from: string) => `
  alter table ${table} add column paid_to text;
  update ${table} set paid_to = ${from};
  alter table ${table} alter column paid_to set not null,
    add constraint ck_${table}_paid_to check (octet_length(paid_to) = 42 and paid_to ~ '^0x[0-9a-f]*$');`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(paidTo("chain_refunds", "holder") + paidTo("chain_split_claims", "payee"));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table chain_refunds drop column paid_to; alter table chain_split_claims drop column paid_to;`);
}
