import type { Knex } from "knex";

/**
 * The revenue split that pays a payee at an edition: the edition's linked event contract whose
 * mirror shows the payee's performance gate (PerformanceRequired); with one linked contract on
 * the edition, that one. Read by the back office's performance sender (artist-contracts).
 */
export async function splitOfEdition(db: Knex, editionId: string, payee: string): Promise<{ chainId: number; splitAddress: `0x${string}` } | undefined> {
  const rows: Array<{ chain_id: string; split_address: string; gated: boolean }> = await db("event_contracts as ec")
    .where("ec.edition_id", editionId)
    .whereNotNull("ec.split_address")
    .select(
      "ec.chain_id",
      "ec.split_address",
      db.raw(
        `exists (select 1 from chain_split_performances p
                  where p.chain_id = ec.chain_id and p.contract_address = ec.split_address and p.payee = ? and p.kind = 'required') as gated`,
        [payee.toLowerCase()],
      ),
    );
  const pick = rows.find((r) => r.gated) ?? (rows.length === 1 ? rows[0] : undefined);
  return pick ? { chainId: Number(pick.chain_id), splitAddress: pick.split_address as `0x${string}` } : undefined;
}
