import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for personal data at rest (tax ids, bank details). Stored as one bytea:
 * version (1) | iv (12) | tag (16) | ciphertext. `context` (e.g. "organizer_profiles.tax_id")
 * is bound as associated data, so a ciphertext copied into another column fails to decrypt.
 *
 *   const box = new DataBox(config.dataEncryptionKey);
 *   row.tax_id_encrypted = box.encrypt(taxId, "organizer_profiles.tax_id");
 */
export class DataBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("data encryption key must be 32 bytes");
  }

  encrypt(plaintext: string, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
  }

  decrypt(box: Buffer, context: string): string {
    if (box[0] !== VERSION) throw new Error(`unknown encryption version ${box[0]}`);
    const iv = box.subarray(1, 1 + IV_BYTES);
    const tag = box.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.key, iv);
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(box.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  }
}

/** "DE89...3000" -> "••••3000": enough to recognise, useless to steal. */
export function maskTail(value: string, visible = 4): string {
  return value.length <= visible ? "•".repeat(value.length) : `${"•".repeat(4)}${value.slice(-visible)}`;
}
