import { decodePass, PASS_MAX_VALIDITY_SECONDS, PassFormatError, type SignedPass } from "./pass.js";
import { passSigner } from "./passes.js";
import type { Verdict } from "./verdicts.js";
import { tierOf } from "../../../../lib/token-ids.js";

/**
 * The checks of a pass itself, before its ticket is looked at, for the online scan and the
 * offline device alike, in this order: a festival pass (`verifiedPass`), signed by the holder
 * it names or by the platform key; then (`passRefusal`) not expired, not claiming more than
 * 60 s, for this event, of a tier this zone lets in. Two functions and plain arguments so the
 * scan hot path allocates nothing for them.
 */

/** The tier of the pass's ticket (lib/token-ids.ts). */
export function passTier(pass: SignedPass): number {
  return Number(tierOf(pass.tokenId));
}

/** The decoded pass, or why it is not one. `platformSigner`: lowercase address of the platform pass key. */
export function verifiedPass(payload: string, platformSigner: string): SignedPass | "malformed_pass" | "bad_signature" {
  let pass: SignedPass;
  try {
    pass = decodePass(payload.trim());
  } catch (error) {
    if (!(error instanceof PassFormatError)) throw error;
    return "malformed_pass";
  }
  const expectedSigner = pass.signer === "platform" ? platformSigner : pass.holder.toLowerCase();
  return passSigner(pass) === expectedSigner ? pass : "bad_signature";
}

/** Where a pass is shown: the zone's event (lowercase contract) and the tiers it lets in (null: every tier). */
export interface PassPlace {
  chainId: number;
  contract: string | null;
  allowedTiers: ReadonlySet<number> | readonly number[] | null;
}

/** Why a genuine pass may not be used here now (`now` in unix seconds), or null. */
export function passRefusal(
  pass: SignedPass,
  place: PassPlace,
  now: number,
): Extract<Verdict, "expired_pass" | "validity_too_long" | "wrong_event" | "wrong_zone"> | null {
  if (pass.validUntil < now) return "expired_pass";
  if (pass.validUntil > now + PASS_MAX_VALIDITY_SECONDS + 5) return "validity_too_long";
  if (pass.chainId !== place.chainId || pass.contract.toLowerCase() !== place.contract) return "wrong_event";
  const tiers = place.allowedTiers;
  if (tiers && !(Array.isArray(tiers) ? tiers.includes(passTier(pass)) : (tiers as ReadonlySet<number>).has(passTier(pass)))) return "wrong_zone";
  return null;
}
