import type { Knex } from "knex";

/**
 * The revenue split that pays an engagement's payee: the linked event contract of the
 * engagement's edition whose mirror shows the payee's performance gate (PerformanceRequired);
 * with one linked contract on the edition, that one. Read by the back office's performance
 * sender (artist-contracts), which knows only its contract's engagement and payee address.
 */
export async function splitOfEngagement(db: Knex, engagementId: string, payee: string): Promise<{ chainId: number; splitAddress: `0x${string}` } | undefined> {
  const rows: Array<{ chain_id: string; split_address: string; gated: boolean }> = await db("engagements as e")
    .join("time_slots as ts", "ts.id", "e.time_slot_id")
    .join("event_contracts as ec", "ec.edition_id", "ts.edition_id")
    .where("e.id", engagementId)
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
