import { randomBytes } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, getAddress, hexToBytes, stringToBytes, type Address, type LocalAccount } from "viem";
import QRCode from "qrcode";
import { recoverPublicKey } from "./ecrecover.js";
import { encodePass, PASS_MAX_VALIDITY_SECONDS, signPass, type SignedPass } from "./pass.js";

/**
 * Pass signatures on the scan hot path, and pass issuance.
 *
 * `passSigner` computes the EIP-712 digest by hand (the domain separator is cached per ticket
 * contract) and recovers with libsecp256k1 (ecrecover.ts: native, else WASM): about 0.1 ms
 * against about 2.5 ms for viem's hashTypedData + recoverAddress (pure JS). pass.test.ts
 * checks both agree. Keccak-256 is @noble/hashes 2 (the library viem uses, but in the
 * version about 1.8 times faster than the 1.x copy viem bundles).
 */
const DOMAIN_TYPEHASH = keccak_256(stringToBytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"));
const NAME_HASH = keccak_256(stringToBytes("FestivalTicketPass"));
const VERSION_HASH = keccak_256(stringToBytes("1"));
const PASS_TYPEHASH = keccak_256(stringToBytes("TicketPass(uint256 tokenId,address holder,uint64 validUntil,uint64 nonce)"));

const separators = new Map<string, Uint8Array>();

/** Writes `value` (< 2^256) at `offset` as a 32-byte big-endian word, 64 bits at a time. */
function putWord(view: DataView, offset: number, value: bigint): void {
  let v = value;
  for (let limb = 3; limb >= 0; limb--) {
    view.setBigUint64(offset + limb * 8, BigInt.asUintN(64, v));
    v >>= 64n;
  }
}

/** Writes `address` at `offset` as a 32-byte word (12 zero bytes, then its 20 bytes). */
function putAddress(out: Uint8Array, offset: number, address: Address): void {
  out.set(hexToBytes(address), offset + 12);
}

function domainSeparator(chainId: number, contract: Address): Uint8Array {
  const key = `${chainId}:${contract.toLowerCase()}`;
  let separator = separators.get(key);
  if (!separator) {
    const data = new Uint8Array(5 * 32);
    data.set(DOMAIN_TYPEHASH, 0);
    data.set(NAME_HASH, 32);
    data.set(VERSION_HASH, 64);
    putWord(new DataView(data.buffer), 96, BigInt(chainId));
    putAddress(data, 128, contract);
    separator = keccak_256(data);
    if (separators.size > 10_000) separators.clear();
    separators.set(key, separator);
  }
  return separator;
}

/**
 * The EIP-712 digest of a pass (what the holder or the platform signed):
 * keccak256(0x1901 || domainSeparator || keccak256(PASS_TYPEHASH || tokenId || holder || validUntil || nonce)),
 * every field a 32-byte word, written at fixed offsets (no intermediate arrays: this runs once per scan).
 */
export function passDigest(pass: SignedPass | Omit<SignedPass, "signature" | "signer">): Uint8Array {
  const struct = new Uint8Array(5 * 32);
  const view = new DataView(struct.buffer);
  struct.set(PASS_TYPEHASH, 0);
  putWord(view, 32, pass.tokenId);
  putAddress(struct, 64, pass.holder);
  putWord(view, 96, BigInt(pass.validUntil));
  putWord(view, 128, pass.nonce);
  const digestInput = new Uint8Array(2 + 32 + 32);
  digestInput[0] = 0x19;
  digestInput[1] = 0x01;
  digestInput.set(domainSeparator(pass.chainId, pass.contract), 2);
  digestInput.set(keccak_256(struct), 34);
  return keccak_256(digestInput);
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
  return bytesToHex(keccak_256(publicKey.subarray(1)).subarray(12));
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
export async function renderPassQr(payload: string, format: "svg"): Promise<string>;
export async function renderPassQr(payload: string, format: "svg" | "png"): Promise<string | Buffer>;
export async function renderPassQr(payload: string, format: "svg" | "png"): Promise<string | Buffer> {
  if (format === "svg") return QRCode.toString(payload, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return QRCode.toBuffer(payload, { type: "png", errorCorrectionLevel: "M", margin: 2, scale: 6 });
}
