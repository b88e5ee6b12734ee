import type { Knex } from "knex";

/**
 * evm_wallet_holders: the identity module's published read of who holds an EVM address
 * (wallet + user in one row), for hot paths of other modules that must not join wallets and
 * users themselves: the gate's holder lookup (display name of a ticket's holder, a caller's
 * wallets). Users that were deleted do not appear.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create view evm_wallet_holders as
      select w.address, w.user_id, u.display_name
        from wallets w
        join users u on u.id = w.user_id
       where w.network = 'evm' and u.deleted_at is null
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop view evm_wallet_holders");
}
