import type { Knex } from "knex";
import { LRUCache } from "lru-cache";
import type { TerminalPrincipal, TerminalResolver } from "../../http/auth.js";
import { constantTimeEqual, randomAlphanumeric, randomToken, sha256Hex } from "../../security/tokens.js";
import { VendorTerminal } from "./models.js";

/**
 * Terminal keys: `ftm_<prefix>_<secret>`. The prefix (12 chars) is stored in clear and
 * indexed; only the sha-256 of the whole key is stored, and the key is shown once, when the
 * terminal is registered. Verified with a short cache (the payment hot path makes no extra
 * round trip); a revocation through this process takes effect at once, elsewhere within CACHE_MS
 * (30 s, as the gate's scanner access: 1,000 terminals reloaded every 5 s would cost 200
 * lookups a second on top of the payments) plus one request: an entry past its time is
 * still answered from the cache while it is read again in the background (concurrent reads
 * of one key share one lookup), so terminals loaded together do not all wait on the
 * database together when their entries expire.
 */
const KEY_FORMAT = /^ftm_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const CACHE_MS = 30_000;

export function generateTerminalKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomAlphanumeric(12);
  const key = `ftm_${prefix}_${randomToken(32)}`;
  return { key, prefix, hash: sha256Hex(key) };
}

type Entry = { terminal: TerminalPrincipal | null; hash: string | null };

export class TerminalKeys implements TerminalResolver {
  private readonly cache: LRUCache<string, Entry>;

  constructor(private readonly db: Knex) {
    this.cache = new LRUCache<string, Entry>({ max: 20_000, ttl: CACHE_MS, allowStale: true, fetchMethod: (prefix) => this.load(prefix) });
  }

  async fromTerminalKey(rawKey: string): Promise<TerminalPrincipal | null> {
    const match = KEY_FORMAT.exec(rawKey);
    if (!match) return null;
    const prefix = match[1]!;
    // a fetch aborted by forget() (revocation meanwhile) reads again, now without the cache
    const entry = await this.cache.fetch(prefix).catch(() => this.load(prefix));
    if (!entry?.terminal || !entry.hash || !constantTimeEqual(entry.hash, sha256Hex(rawKey))) return null;
    return entry.terminal;
  }

  forget(prefix: string): void {
    this.cache.delete(prefix);
  }

  private async load(prefix: string): Promise<Entry> {
    // a suspended vendor's terminals are refused too
    const row = await VendorTerminal.query(this.db)
      .join("vendors", "vendors.id", "vendor_terminals.vendor_id")
      .where("vendor_terminals.key_prefix", prefix)
      .whereNull("vendor_terminals.revoked_at")
      .where("vendors.status", "active")
      .select("vendor_terminals.*")
      .first();
    if (!row) return { terminal: null, hash: null };
    return {
      hash: row.key_hash,
      terminal: {
        terminalId: row.id,
        standId: row.stand_id,
        vendorId: row.vendor_id,
        editionId: row.edition_id,
        signingPublicKey: row.signing_public_key,
      },
    };
  }
}
