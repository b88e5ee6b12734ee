import { verifyTypedData } from "ethers";
import { decodePass, fromBase64Url, passDomain, PASS_TYPES } from "./pass.js";

/**
 * The offline gate on the device: the same checks and reason codes as the API's
 * verifyPassOffline (backend/src/modules/gate/offline.ts), against the signed snapshot.
 * Order: a festival pass, signed by the holder it names (or the platform key); not expired, not
 * claiming more than 60 s, this event, a tier this zone lets in; then the ticket's rules
 * (admission-policy.ts): unknown, refunded, not the holder, cancelled, already admitted.
 */
export interface SignedSnapshot {
  algorithm: "Ed25519";
  publicKey: string;
  data: string;
  signature: string;
}

export interface Snapshot {
  v: 1;
  eventContractId: string;
  chainId: number;
  contract: string;
  name: string;
  issuedAt: string;
  cancelled: boolean;
  passSigner: string;
  zones: Array<{ id: string; code: string; kind: "entrance" | "area"; allowReentry: boolean; tiers: number[] | null }>;
  tiers: Array<{ tierId: number; name: string }>;
  tickets: Array<[string, string | null, "valid" | "checked_in" | "refunded"]>;
}

const TIER_ID_BASE = 1_000_000n;
const MAX_VALIDITY = 60;

/** Checks the snapshot's Ed25519 signature against the key this device trusts (pinned at its first download). */
export async function verifySnapshot(signed: SignedSnapshot, trustedKey: string): Promise<Snapshot> {
  const data = fromBase64Url(signed.data);
  const key = await crypto.subtle.importKey("raw", fromBase64Url(trustedKey), { name: "Ed25519" }, false, ["verify"]);
  const ok = signed.algorithm === "Ed25519" && (await crypto.subtle.verify({ name: "Ed25519" }, key, fromBase64Url(signed.signature), data));
  if (!ok) throw new Error("the offline snapshot's signature is not valid for this device's trusted key");
  return JSON.parse(new TextDecoder().decode(data)) as Snapshot;
}

export interface OfflineVerdict {
  verdict: string;
  tokenId: string | null;
  holder: string | null;
  tier: string | null;
}

export function verifyOffline(snapshot: Snapshot, payload: string, zoneId: string, admitted: Set<string>, now = Math.floor(Date.now() / 1000)): OfflineVerdict {
  const pass = decodePass(payload.trim());
  if (!pass) return { verdict: "malformed_pass", tokenId: null, holder: null, tier: null };
  let signer: string;
  try {
    signer = verifyTypedData(
      passDomain(pass.chainId, pass.contract),
      PASS_TYPES,
      { tokenId: pass.tokenId, holder: pass.holder, validUntil: pass.validUntil, nonce: pass.nonce },
      pass.signature,
    ).toLowerCase();
  } catch {
    signer = "";
  }
  const holder = pass.holder.toLowerCase();
  const expected = pass.signer === "platform" ? snapshot.passSigner.toLowerCase() : holder;
  if (signer !== expected) return { verdict: "bad_signature", tokenId: null, holder: null, tier: null };
  const tokenId = pass.tokenId.toString();
  const tierId = Number(pass.tokenId / TIER_ID_BASE);
  const out = (verdict: string): OfflineVerdict => ({ verdict, tokenId, holder, tier: snapshot.tiers.find((t) => t.tierId === tierId)?.name ?? null });
  if (pass.validUntil < now) return out("expired_pass");
  if (pass.validUntil > now + MAX_VALIDITY + 5) return out("validity_too_long");
  if (pass.chainId !== snapshot.chainId || pass.contract.toLowerCase() !== snapshot.contract.toLowerCase()) return out("wrong_event");
  const zone = snapshot.zones.find((z) => z.id === zoneId);
  const tiers = zone ? zone.tiers : [];
  if (tiers && !tiers.includes(tierId)) return out("wrong_zone");
  const ticket = snapshot.tickets.find((t) => t[0] === tokenId);
  if (!ticket) return out("unknown_ticket");
  if (ticket[2] === "refunded") return out("refunded");
  if (ticket[1] !== holder) return out("not_holder");
  if (snapshot.cancelled) return out("cancelled");
  const singleEntry = zone!.kind === "entrance" && !zone!.allowReentry;
  if (singleEntry && (ticket[2] === "checked_in" || admitted.has(tokenId))) return out("already_admitted");
  if (zone!.kind === "entrance") admitted.add(tokenId);
  return out("admitted");
}
