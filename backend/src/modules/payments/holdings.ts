import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { Knex } from "knex";

/**
 * Who a custodial ticket is for, sealed: every payment_tickets row carries an HMAC of (id,
 * chain, contract, token, user) under a key derived from configuration (DATA_ENCRYPTION_KEY),
 * never stored in the database. A row rewritten by someone who can write to the database but
 * does not hold the key (a leaked database credential, a restored tampered backup) no longer
 * verifies: it cannot be claimed, offered, accepted or shown at the gate.
 */
export interface HoldingFields {
  id: string;
  chain_id: string | number;
  contract_address: string;
  token_id: string;
  user_id: string;
}

export class HoldingSeal {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), "festival:payments-holdings", 32));
  }

  seal(t: HoldingFields): string {
    return createHmac("sha256", this.key).update(`${t.id}|${t.chain_id}|${t.contract_address.toLowerCase()}|${t.token_id}|${t.user_id}`).digest("hex");
  }

  valid(t: HoldingFields & { holder_mac: string | null }): boolean {
    if (!t.holder_mac || t.holder_mac.length !== 64) return false;
    return timingSafeEqual(Buffer.from(this.seal(t), "hex"), Buffer.from(t.holder_mac, "hex"));
  }
}

/**
 * The payments module's answer to "does the custody hold this ticket for this user?" for the
 * gate: the custody's address if it does (and the holding's seal verifies), else null.
 */
export async function custodialHolder(
  db: Knex,
  seal: HoldingSeal,
  ref: { chainId: number; contract: string; tokenId: string; userId: string },
): Promise<string | null> {
  const row = await db("payment_tickets")
    .where({ chain_id: ref.chainId, contract_address: ref.contract.toLowerCase(), token_id: ref.tokenId, user_id: ref.userId, status: "custody" })
    .first("id", "chain_id", "contract_address", "token_id", "user_id", "holder_mac", "custody_address");
  if (!row || !seal.valid({ ...row, token_id: String(row.token_id), chain_id: String(row.chain_id) })) return null;
  return row.custody_address;
}
