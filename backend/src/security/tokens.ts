import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** An unguessable token (CSPRNG), url-safe: refresh tokens, email tokens, API key secrets. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** Alphanumeric only (SIWE nonces must match [a-zA-Z0-9]{8,}). */
export function randomAlphanumeric(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += alphabet[byte % 62]; // 248 = 4 * 62: no modulo bias
    }
  }
  return out;
}

/**
 * Tokens are stored as their sha-256: they carry 256 bits of entropy, so a slow hash adds
 * nothing, and a lookup by hash stays one index probe.
 */
export function sha256Hex(value: string | Buffer): string {
  return createHash("sha256").update(value).digest("hex");
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
