import { bytesToHex, getAddress, hexToBytes, numberToHex, recoverTypedDataAddress, type Address, type Hex, type LocalAccount } from "viem";

/**
 * The rotating gate pass: an EIP-712 `TicketPass` signed by the ticket's holder (or, for
 * fans who cannot sign often, by the platform's pass key on the holder's behalf), packed
 * into a compact QR payload.
 *
 * Domain: { name: "FestivalTicketPass", version: "1", chainId, verifyingContract: ticket }.
 */
export const PASS_MAX_VALIDITY_SECONDS = 60;

export const ticketPassTypes = {
  TicketPass: [
    { name: "tokenId", type: "uint256" },
    { name: "holder", type: "address" },
    { name: "validUntil", type: "uint64" },
    { name: "nonce", type: "uint64" },
  ],
} as const;

export interface TicketPass {
  chainId: number;
  contract: Address;
  tokenId: bigint;
  holder: Address;
  /** Unix seconds. */
  validUntil: number;
  nonce: bigint;
}

export type PassSigner = "holder" | "platform";

export interface SignedPass extends TicketPass {
  signer: PassSigner;
  signature: Hex;
}

export function passDomain(pass: Pick<TicketPass, "chainId" | "contract">) {
  return { name: "FestivalTicketPass", version: "1", chainId: pass.chainId, verifyingContract: pass.contract } as const;
}

export function passTypedData(pass: TicketPass) {
  return {
    domain: passDomain(pass),
    types: ticketPassTypes,
    primaryType: "TicketPass" as const,
    message: { tokenId: pass.tokenId, holder: pass.holder, validUntil: BigInt(pass.validUntil), nonce: pass.nonce },
  };
}

export async function signPass(account: LocalAccount, pass: TicketPass, signer: PassSigner): Promise<SignedPass> {
  const signature = await account.signTypedData(passTypedData(pass));
  return { ...pass, signer, signature };
}

/** The address that signed the pass (throws on a malformed signature). */
export function recoverPassSigner(pass: SignedPass): Promise<Address> {
  return recoverTypedDataAddress({ ...passTypedData(pass), signature: pass.signature });
}

// ---- compact QR payload -------------------------------------------------------------
// "FP1." + base64url(version-less binary):
//   flags(1: bit0 = platform-signed) | chainId(4) | contract(20) | holder(20) |
//   validUntil(4) | nonce(8) | tokenIdLength(1) | tokenId(n, big-endian, minimal) | signature(65)
// ~125 bytes for realistic token ids: about 170 characters, QR version 8 at level M.

const PREFIX = "FP1.";
const FIXED = 1 + 4 + 20 + 20 + 4 + 8 + 1;
const SIGNATURE_BYTES = 65;

export class PassFormatError extends Error {}

export function encodePass(pass: SignedPass): string {
  const tokenId = pass.tokenId === 0n ? new Uint8Array() : hexToBytes(numberToHex(pass.tokenId));
  const signature = hexToBytes(pass.signature);
  if (signature.length !== SIGNATURE_BYTES) throw new PassFormatError("signature must be 65 bytes");
  const out = new Uint8Array(FIXED + tokenId.length + SIGNATURE_BYTES);
  const view = new DataView(out.buffer);
  out[0] = pass.signer === "platform" ? 1 : 0;
  view.setUint32(1, pass.chainId);
  out.set(hexToBytes(pass.contract), 5);
  out.set(hexToBytes(pass.holder), 25);
  view.setUint32(45, pass.validUntil);
  view.setBigUint64(49, pass.nonce);
  out[57] = tokenId.length;
  out.set(tokenId, FIXED);
  out.set(signature, FIXED + tokenId.length);
  return PREFIX + Buffer.from(out).toString("base64url");
}

export function decodePass(payload: string): SignedPass {
  if (!payload.startsWith(PREFIX)) throw new PassFormatError("not a festival pass (bad prefix)");
  const bytes = new Uint8Array(Buffer.from(payload.slice(PREFIX.length), "base64url"));
  if (bytes.length < FIXED + SIGNATURE_BYTES) throw new PassFormatError("pass payload is truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = bytes[0]!;
  if (flags > 1) throw new PassFormatError("unknown pass flags");
  const tokenIdLength = bytes[57]!;
  if (tokenIdLength > 32 || bytes.length !== FIXED + tokenIdLength + SIGNATURE_BYTES) {
    throw new PassFormatError("pass payload has the wrong length");
  }
  const tokenIdBytes = bytes.subarray(FIXED, FIXED + tokenIdLength);
  return {
    signer: flags === 1 ? "platform" : "holder",
    chainId: view.getUint32(1),
    contract: getAddress(bytesToHex(bytes.subarray(5, 25))),
    holder: getAddress(bytesToHex(bytes.subarray(25, 45))),
    validUntil: view.getUint32(45),
    nonce: view.getBigUint64(49),
    tokenId: tokenIdLength === 0 ? 0n : BigInt(bytesToHex(tokenIdBytes)),
    signature: bytesToHex(bytes.subarray(FIXED + tokenIdLength)),
  };
}
