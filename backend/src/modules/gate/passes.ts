import { randomBytes } from "node:crypto";
import { getAddress, hexToBytes, keccak256, stringToBytes, type Address, type LocalAccount } from "viem";
import QRCode from "qrcode";
import { recoverPublicKey } from "./ecrecover.js";
import { encodePass, PASS_MAX_VALIDITY_SECONDS, signPass, type SignedPass } from "./pass.js";

/**
 * Pass signatures on the scan hot path, and pass issuance.
 *
 * `passSigner` computes the EIP-712 digest by hand (the domain separator is cached per ticket
 * contract) and recovers with libsecp256k1 (ecrecover.ts: native, else WASM): about 0.1 ms
 * against about 2.5 ms for viem's hashTypedData + recoverAddress (pure JS). pass.test.ts
 * checks both agree.
 */
const DOMAIN_TYPEHASH = keccak256(stringToBytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"), "bytes");
const NAME_HASH = keccak256(stringToBytes("FestivalTicketPass"), "bytes");
const VERSION_HASH = keccak256(stringToBytes("1"), "bytes");
const PASS_TYPEHASH = keccak256(stringToBytes("TicketPass(uint256 tokenId,address holder,uint64 validUntil,uint64 nonce)"), "bytes");

const separators = new Map<string, Uint8Array>();

function word(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function addressWord(address: Address): Uint8Array {
  const out = new Uint8Array(32);
  out.set(hexToBytes(address), 12);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function domainSeparator(chainId: number, contract: Address): Uint8Array {
  const key = `${chainId}:${contract.toLowerCase()}`;
  let separator = separators.get(key);
  if (!separator) {
    separator = keccak256(concat([DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, word(BigInt(chainId)), addressWord(contract)]), "bytes");
    if (separators.size > 10_000) separators.clear();
    separators.set(key, separator);
  }
  return separator;
}

/** The EIP-712 digest of a pass (what the holder or the platform signed). */
export function passDigest(pass: SignedPass | Omit<SignedPass, "signature" | "signer">): Uint8Array {
  const structHash = keccak256(
    concat([PASS_TYPEHASH, word(pass.tokenId), addressWord(pass.holder), word(BigInt(pass.validUntil)), word(pass.nonce)]),
    "bytes",
  );
  return keccak256(concat([new Uint8Array([0x19, 0x01]), domainSeparator(pass.chainId, pass.contract), structHash]), "bytes");
}

/** The lowercase address that signed the pass, or null when the signature is not a valid one. */
export function passSigner(pass: SignedPass): Address | null {
  const sig = hexToBytes(pass.signature);
  if (sig.length !== 65) return null;
  const v = sig[64]!;
  const recid = v >= 27 ? v - 27 : v;
  if (recid !== 0 && recid !== 1) return null;
  const publicKey = recoverPublicKey(passDigest(pass), sig.subarray(0, 64), recid);
  if (!publicKey) return null;
  return `0x${keccak256(publicKey.subarray(1)).slice(26)}` as Address;
}

export const DEFAULT_PASS_VALIDITY_SECONDS = 30;

/** A random 64-bit nonce (the pass's identity for replay checks). */
export function newPassNonce(): bigint {
  return randomBytes(8).readBigUInt64BE();
}

/** Signs a pass with the platform key for `holder`, valid `validitySeconds` (<= 60) from now. */
export async function issuePlatformPass(
  platform: LocalAccount,
  input: { chainId: number; contract: Address; tokenId: bigint; holder: Address; validitySeconds?: number; now?: number },
): Promise<{ pass: SignedPass; payload: string }> {
  const validity = Math.min(input.validitySeconds ?? DEFAULT_PASS_VALIDITY_SECONDS, PASS_MAX_VALIDITY_SECONDS);
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const pass = await signPass(
    platform,
    {
      chainId: input.chainId,
      contract: getAddress(input.contract),
      tokenId: input.tokenId,
      holder: getAddress(input.holder),
      validUntil: now + validity,
      nonce: newPassNonce(),
    },
    "platform",
  );
  return { pass, payload: encodePass(pass) };
}

/** The QR code of a pass payload: SVG text or a PNG buffer (error correction M, fits version <= 10). */
export async function renderPassQr(payload: string, format: "svg" | "png"): Promise<string | Buffer> {
  if (format === "svg") return QRCode.toString(payload, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return QRCode.toBuffer(payload, { type: "png", errorCorrectionLevel: "M", margin: 2, scale: 6 });
}
