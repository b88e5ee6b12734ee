import type { Knex } from "knex";

/** The user's verified EVM wallet addresses (lowercase): the users module owns the wallets table; tickets, event contracts and the gate read it here. */
export async function evmWalletsOf(db: Knex, userId: string): Promise<string[]> {
  return db("wallets").where({ user_id: userId, network: "evm" }).pluck("address");
}
