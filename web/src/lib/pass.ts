/**
 * The gate pass in the browser: the same EIP-712 TicketPass and compact "FP1." QR payload as
 * backend/src/modules/gate/pass.ts (flags | chainId | contract | holder | validUntil | nonce |
 * tokenIdLength | tokenId | signature), written without Node's Buffer.
 */
export const PASS_TYPES = {
  TicketPass: [
    { name: "tokenId", type: "uint256" },
    { name: "holder", type: "address" },
    { name: "validUntil", type: "uint64" },
    { name: "nonce", type: "uint64" },
  ],
};

export interface Pass {
  signer: "holder" | "platform";
  chainId: number;
  contract: string;
  holder: string;
  validUntil: number;
  nonce: bigint;
  tokenId: bigint;
  signature: string;
}

export const passDomain = (chainId: number, contract: string) => ({ name: "FestivalTicketPass", version: "1", chainId, verifyingContract: contract });

const PREFIX = "FP1.";
const FIXED = 58;

const hexToBytes = (hex: string): Uint8Array => {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
};
const bytesToHex = (b: Uint8Array): string => "0x" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function encodePass(p: Pass): string {
  let tokenHex = p.tokenId.toString(16);
  if (tokenHex.length % 2) tokenHex = "0" + tokenHex;
  const tokenId = p.tokenId === 0n ? new Uint8Array() : hexToBytes(tokenHex);
  const signature = hexToBytes(p.signature);
  const out = new Uint8Array(FIXED + tokenId.length + 65);
  const view = new DataView(out.buffer);
  out[0] = p.signer === "platform" ? 1 : 0;
  view.setUint32(1, p.chainId);
  out.set(hexToBytes(p.contract), 5);
  out.set(hexToBytes(p.holder), 25);
  view.setUint32(45, p.validUntil);
  view.setBigUint64(49, p.nonce);
  out[57] = tokenId.length;
  out.set(tokenId, FIXED);
  out.set(signature, FIXED + tokenId.length);
  return PREFIX + toBase64Url(out);
}

/** The pass in a payload, or null when it is not one. */
export function decodePass(payload: string): Pass | null {
  if (!payload.startsWith(PREFIX)) return null;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(payload.slice(PREFIX.length));
  } catch {
    return null;
  }
  if (bytes.length < FIXED + 65 || bytes[0]! > 1) return null;
  const n = bytes[57]!;
  if (n > 32 || bytes.length !== FIXED + n + 65) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    signer: bytes[0] === 1 ? "platform" : "holder",
    chainId: view.getUint32(1),
    contract: bytesToHex(bytes.subarray(5, 25)),
    holder: bytesToHex(bytes.subarray(25, 45)),
    validUntil: view.getUint32(45),
    nonce: view.getBigUint64(49),
    tokenId: n === 0 ? 0n : BigInt(bytesToHex(bytes.subarray(FIXED, FIXED + n))),
    signature: bytesToHex(bytes.subarray(FIXED + n)),
  };
}

export function randomNonce(): bigint {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return new DataView(b.buffer).getBigUint64(0);
}
