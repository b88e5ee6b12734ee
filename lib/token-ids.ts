/**
 * Token ids encode their tier (IEventTicket): `tokenId = tierId * TIER_ID_BASE + serial`,
 * serial counting from 1; tier 2's third ticket is 2_000_003. Equal to EventTicket's
 * TIER_ID_BASE (test/lib/token-ids.test.ts checks it against a deployed contract). SQL uses
 * `tier_id_base()` and `tier_of(token_id)` (migrations/410_tier_id_base.ts), made from this value.
 */
export const TIER_ID_BASE = 1_000_000n;

export function tierOf(tokenId: bigint): bigint {
  return tokenId / TIER_ID_BASE;
}
