import { createHash, createPublicKey, verify } from "node:crypto";
import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { TerminalPrincipal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { accountFor, book } from "./ledger.js";
import { chargeHash } from "./payments.js";
import { LedgerAccount, LedgerTransfer, OfflineEntry, Wristband } from "./models.js";
import { settingsOf } from "./service.js";

/**
 * Offline terminal journals. A terminal without the network keeps charging (up to the
 * edition's offline allowance per band, which it enforces itself), appends each payment to a
 * hash-chained journal and signs each entry with its Ed25519 key; back online it uploads the
 * journal. Here:
 *
 * 1. the whole upload is checked first (chain continuity from the terminal's last stored
 *    entry, each entry's hash and signature); one bad entry refuses the upload (422), a
 *    stored seq whose hash differs is a fork (409): nothing is booked then;
 * 2. each new entry is booked in its own transaction, exactly once by its transfer id (an
 *    entry whose transfer id is already in the ledger is a `duplicate`);
 * 3. an entry beyond the edition's offline allowance (this terminal, this band) is booked
 *    and reported (`over_offline_allowance`): the terminal should have refused it;
 * 4. the band pays what its balance covers; when two offline terminals together spent more
 *    than the band held, the rest is booked from the band's debt account (which goes
 *    negative: the fan owes it), the band is blocked (`debt`), and the entry is reported as
 *    a conflict. The vendor always receives the whole amount: the sale happened.
 */

export interface JournalEntry {
  seq: number;
  transferId: string;
  tagId: string;
  amount: number;
  currency: string;
  chargedAt: string;
  prevHash: string;
  hash: string;
  signature: string;
}

export const GENESIS_HASH = "0".repeat(64);

/** What a terminal hashes (then signs): the entry's fields in a fixed order. */
export function journalEntryHash(e: Omit<JournalEntry, "hash" | "signature">): string {
  return createHash("sha256")
    .update(JSON.stringify([e.seq, e.transferId, e.tagId.toUpperCase(), e.amount, e.currency, e.chargedAt, e.prevHash]))
    .digest("hex");
}

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

function verifySignature(publicKeyHex: string, hash: string, signatureHex: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKeyHex, "hex")]), format: "der", type: "spki" });
    return verify(null, Buffer.from(hash, "hex"), key, Buffer.from(signatureHex, "hex"));
  } catch {
    return false;
  }
}

interface StoredEntry {
  seq: string;
  hash: string;
}

export interface EntryResult {
  seq: number;
  transferId: string;
  outcome: "booked" | "overspent" | "duplicate" | "rejected";
  conflict?: { reason: string; fromBalance?: number; toDebt?: number; overAllowance?: boolean };
}

export async function uploadJournal(db: Knex, terminal: TerminalPrincipal, entries: JournalEntry[]) {
  if (!terminal.signingPublicKey)
    throw new HttpError(422, "no_signing_key", "this terminal has no signing key registered; it cannot upload an offline journal");
  const settings = await settingsOf(db, terminal.editionId);
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  const known: StoredEntry[] = await db(OfflineEntry.tableName)
    .where("terminal_id", terminal.terminalId)
    .whereIn(
      "seq",
      sorted.map((e) => e.seq),
    )
    .select("seq", "hash");
  const stored = new Map(known.map((r) => [Number(r.seq), r.hash]));
  const head: StoredEntry | undefined = await db(OfflineEntry.tableName)
    .where("terminal_id", terminal.terminalId)
    .where("seq", "<", sorted[0]?.seq ?? 0)
    .orderBy("seq", "desc")
    .first("seq", "hash");

  // 1. check everything before booking anything
  let prev = head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS_HASH };
  for (const [i, e] of sorted.entries()) {
    const field = `body.entries.${i}`;
    if (e.seq !== prev.seq + 1)
      throw new HttpError(422, "journal_gap", `entry ${e.seq} does not follow entry ${prev.seq}`, [{ field: `${field}.seq`, message: "gap in the chain" }]);
    if (e.prevHash !== prev.hash)
      throw new HttpError(422, "journal_chain_broken", `entry ${e.seq} does not chain to entry ${prev.seq}`, [
        { field: `${field}.prevHash`, message: "wrong previous hash" },
      ]);
    if (journalEntryHash(e) !== e.hash)
      throw new HttpError(422, "journal_hash_mismatch", `entry ${e.seq}'s hash is not the hash of its content`, [
        { field: `${field}.hash`, message: "wrong hash" },
      ]);
    if (!verifySignature(terminal.signingPublicKey, e.hash, e.signature)) {
      throw new HttpError(422, "journal_bad_signature", `entry ${e.seq} is not signed by this terminal`, [
        { field: `${field}.signature`, message: "bad signature" },
      ]);
    }
    const storedHash = stored.get(e.seq);
    if (storedHash !== undefined && storedHash !== e.hash) throw new HttpError(409, "journal_fork", `entry ${e.seq} differs from the one uploaded before`);
    prev = { seq: e.seq, hash: e.hash };
  }

  // 2. book each new entry once
  const results: EntryResult[] = [];
  for (const e of sorted) {
    if (stored.has(e.seq)) {
      results.push({ seq: e.seq, transferId: e.transferId, outcome: "duplicate" });
      continue;
    }
    results.push(await bookEntry(db, terminal, settings.currency, BigInt(settings.offline_allowance), e));
  }
  return {
    accepted: results.filter((r) => r.outcome !== "duplicate").length,
    conflicts: results.filter((r) => r.conflict),
    entries: results,
  };
}

async function bookEntry(db: Knex, terminal: TerminalPrincipal, currency: string, allowance: bigint, e: JournalEntry): Promise<EntryResult> {
  const tagId = e.tagId.toUpperCase();
  return db.transaction(async (trx) => {
    const record = async (outcome: EntryResult["outcome"], conflict?: EntryResult["conflict"]) => {
      await trx(OfflineEntry.tableName).insert({
        id: newId(),
        terminal_id: terminal.terminalId,
        edition_id: terminal.editionId,
        seq: e.seq,
        transfer_id: e.transferId,
        hash: e.hash,
        prev_hash: e.prevHash,
        signature: e.signature,
        tag_id: tagId,
        amount: e.amount,
        currency: e.currency,
        charged_at: e.chargedAt,
        outcome,
        conflict: conflict ? JSON.stringify(conflict) : null,
      });
      return { seq: e.seq, transferId: e.transferId, outcome, ...(conflict ? { conflict } : {}) };
    };
    const already = await LedgerTransfer.query(trx).where("client_transfer_id", e.transferId).first();
    if (already) return record("duplicate", { reason: "transfer_id_already_booked" });
    if (e.currency !== currency) return record("rejected", { reason: "currency_mismatch" });
    if (e.amount <= 0) return record("rejected", { reason: "amount_not_positive" });
    const band = await Wristband.query(trx).where({ edition_id: terminal.editionId, tag_id: tagId }).forUpdate().first();
    if (!band) return record("rejected", { reason: "unknown_band" });
    const account = await LedgerAccount.query(trx).findById(band.account_id).forUpdate();
    const balance = BigInt(account!.balance);
    const amount = BigInt(e.amount);
    const fromBalance = balance >= amount ? amount : balance > 0n ? balance : 0n;
    const toDebt = amount - fromBalance;
    const shard = Number.parseInt(createHash("sha256").update(e.transferId).digest("hex").slice(0, 8), 16) % 8;
    const vendorAccount = await accountFor(trx, terminal.editionId, "vendor_receivable", terminal.vendorId, currency, shard);
    const common = {
      editionId: terminal.editionId,
      toAccountId: vendorAccount,
      currency,
      wristbandId: band.id,
      vendorId: terminal.vendorId,
      standId: terminal.standId,
      terminalId: terminal.terminalId,
      method: "cashless" as const,
      offline: true,
      requestHash: chargeHash(terminal.terminalId, { transferId: e.transferId, tagId, amount: e.amount, currency: e.currency, offline: true }),
    };
    if (fromBalance > 0n) {
      await book(trx, { ...common, type: "PAYMENT", fromAccountId: band.account_id, amount: fromBalance, clientTransferId: e.transferId });
    }
    // the terminal should have stopped at the edition's offline allowance for this band: reported, still booked (the sale happened)
    const before = await trx(OfflineEntry.tableName)
      .where({ terminal_id: terminal.terminalId, tag_id: tagId })
      .whereIn("outcome", ["booked", "overspent"])
      .first(trx.raw("coalesce(sum(amount), 0)::text as spent"));
    const overAllowance = BigInt((before as { spent?: string } | undefined)?.spent ?? 0) + amount > allowance;
    if (toDebt === 0n) return overAllowance ? record("booked", { reason: "over_offline_allowance" }) : record("booked");
    const debt = await accountFor(trx, terminal.editionId, "debt", band.id, currency);
    await book(trx, {
      ...common,
      type: "DEBT",
      fromAccountId: debt,
      amount: toDebt,
      clientTransferId: fromBalance > 0n ? null : e.transferId,
      memo: `offline overspend of band ${tagId}`,
    });
    if (band.status === "active") {
      await Wristband.query(trx)
        .findById(band.id)
        .patch({ status: "blocked", blocked_reason: "debt", blocked_at: trx.fn.now() as unknown as Date });
    }
    return record("overspent", {
      reason: "band_overspent_offline",
      fromBalance: Number(fromBalance),
      toDebt: Number(toDebt),
      ...(overAllowance ? { overAllowance: true } : {}),
    });
  });
}
