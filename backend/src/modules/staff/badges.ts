import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { Config } from "../../../../lib/config.js";

/**
 * A staff badge's QR code: `FSB1.<member id>.<tag>`, the tag an HMAC-SHA256 (first 16 bytes)
 * of the member id under a key derived (HKDF) from DATA_ENCRYPTION_KEY with its own label, so
 * no new secret is needed and production has a real one. A kiosk reads it offline-free: the
 * API checks the tag, then the member. Reissuing a badge means a new membership, never a new key.
 */
export class BadgeCodec {
  private readonly key: Buffer;

  constructor(config: Pick<Config, "dataEncryptionKey">) {
    this.key = Buffer.from(hkdfSync("sha256", config.dataEncryptionKey, Buffer.alloc(0), "festival staff badge v1", 32));
  }

  private tag(memberId: string): Buffer {
    return createHmac("sha256", this.key).update(memberId).digest().subarray(0, 16);
  }

  encode(memberId: string): string {
    return `FSB1.${memberId}.${this.tag(memberId).toString("base64url")}`;
  }

  /** The member id a badge names, or null when it is not one this platform issued. */
  decode(payload: string): string | null {
    const parts = payload.split(".");
    if (parts.length !== 3 || parts[0] !== "FSB1" || !/^[0-9a-f-]{36}$/.test(parts[1]!)) return null;
    const given = Buffer.from(parts[2]!, "base64url");
    const expected = this.tag(parts[1]!);
    return given.length === expected.length && timingSafeEqual(given, expected) ? parts[1]! : null;
  }
}
