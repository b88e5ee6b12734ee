import { DataBox } from "./encryption.js";

/**
 * AES-256-GCM with key rotation: encrypts with the current key, decrypts with the current
 * one or any previous one (GCM's tag tells which key fits), and says when a value was still
 * under an old key so a rotation pass re-encrypts it. The stored format is DataBox's.
 *
 *   const ring = new KeyRing(config.dataEncryptionKey, config.dataEncryptionPreviousKeys);
 *   const { plaintext, stale } = ring.open(row.tax_id_encrypted, "company_artists.tax_id");
 */
export class KeyRing {
  private readonly current: DataBox;
  private readonly previous: DataBox[];

  constructor(currentKey: Buffer, previousKeys: readonly Buffer[] = []) {
    this.current = new DataBox(currentKey);
    this.previous = previousKeys.map((k) => new DataBox(k));
  }

  seal(plaintext: string, context: string): Buffer {
    return this.current.encrypt(plaintext, context);
  }

  open(box: Buffer, context: string): { plaintext: string; stale: boolean } {
    try {
      return { plaintext: this.current.decrypt(box, context), stale: false };
    } catch (error) {
      for (const old of this.previous) {
        try {
          return { plaintext: old.decrypt(box, context), stale: true };
        } catch {
          // not this key either
        }
      }
      throw error;
    }
  }
}
