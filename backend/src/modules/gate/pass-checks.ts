import { decodePass, PASS_MAX_VALIDITY_SECONDS, PassFormatError, type SignedPass } from "./pass.js";
import { passSigner } from "./passes.js";
import type { Verdict } from "./verdicts.js";

/** Token ids encode their tier: tokenId = tierId * TIER_ID_BASE + serial (the contract's constant). */
export const TIER_ID_BASE = 1_000_000n;

/** Where a pass is checked: the zone's event and who may sign. */
export interface PassExpectations {
  chainId: number;
  /** Lowercase ticket contract. */
  contract: string;
  /** Lowercase address of the platform pass key. */
  platformSigner: string;
  /** Tier ids allowed in the zone; null = every tier. */
  allowedTiers: ReadonlySet<number> | readonly number[] | null;
  /** Unix seconds. */
  now: number;
}

export type PassCheck =
  | { verdict: "malformed_pass" | "bad_signature"; pass: null; tierId: null }
  | { verdict: Extract<Verdict, "expired_pass" | "validity_too_long" | "wrong_event" | "wrong_zone"> | null; pass: SignedPass; tierId: number };

/**
 * The checks of a pass itself, before its ticket is looked at, for the online scan and the
 * offline device alike, in this order: a festival pass, signed by the holder it names (or by
 * the platform key), not expired, not claiming more than 60 s, for this event, of a tier this
 * zone lets in. verdict null: the pass is good here.
 */
export function checkPass(payload: string, expect: PassExpectations): PassCheck {
  let pass: SignedPass;
  try {
    pass = decodePass(payload.trim());
  } catch (error) {
    if (!(error instanceof PassFormatError)) throw error;
    return { verdict: "malformed_pass", pass: null, tierId: null };
  }
  const expectedSigner = pass.signer === "platform" ? expect.platformSigner : pass.holder.toLowerCase();
  if (passSigner(pass) !== expectedSigner) return { verdict: "bad_signature", pass: null, tierId: null };
  const tierId = Number(pass.tokenId / TIER_ID_BASE);
  let verdict: Extract<PassCheck, { pass: SignedPass }>["verdict"] = null;
  if (pass.validUntil < expect.now) verdict = "expired_pass";
  else if (pass.validUntil > expect.now + PASS_MAX_VALIDITY_SECONDS + 5) verdict = "validity_too_long";
  else if (pass.chainId !== expect.chainId || pass.contract.toLowerCase() !== expect.contract) verdict = "wrong_event";
  else if (expect.allowedTiers && !tierAllowed(expect.allowedTiers, tierId)) verdict = "wrong_zone";
  return { verdict, pass, tierId };
}

function tierAllowed(tiers: ReadonlySet<number> | readonly number[], tierId: number): boolean {
  return Array.isArray(tiers) ? tiers.includes(tierId) : (tiers as ReadonlySet<number>).has(tierId);
}
