import assert from "node:assert/strict";
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import { expectStatus, useTestApi } from "../../support/api-suite.js";
import { GENESIS_HASH, journalEntryHash, type JournalEntry } from "../../../backend/src/modules/cashless/offline.js";
import { buildCashless, fundedBand, ledgerDifferences, pay, registerTerminal, transferCount, type CashlessFixture } from "./fixtures.js";

/** A terminal's offline journal: hash-chained entries signed with its Ed25519 key. */
class OfflineTerminal {
  readonly privateKey: KeyObject;
  readonly publicKeyHex: string;
  headers: Record<string, string> = {};
  readonly journal: JournalEntry[] = [];

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    this.privateKey = privateKey;
    this.publicKeyHex = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("hex");
  }

  charge(tagId: string, amount: number): JournalEntry {
    const prev = this.journal[this.journal.length - 1];
    const body = {
      seq: this.journal.length + 1,
      transferId: randomUUID(),
      tagId,
      amount,
      currency: "EUR",
      chargedAt: new Date().toISOString(),
      prevHash: prev?.hash ?? GENESIS_HASH,
    };
    const hash = journalEntryHash(body);
    const entry = { ...body, hash, signature: sign(null, Buffer.from(hash, "hex"), this.privateKey).toString("hex") };
    this.journal.push(entry);
    return entry;
  }
}

describe("cashless: offline terminal journals", () => {
  const t = useTestApi();
  let c: CashlessFixture;
  let a: OfflineTerminal;
  let b: OfflineTerminal;

  before(async () => {
    c = await buildCashless(t.db, t.api, { offlineAllowance: 1_000 });
    a = new OfflineTerminal();
    b = new OfflineTerminal();
    a.headers = (await registerTerminal(t.api, c.owner, c.standId, a.publicKeyHex)).headers;
    b.headers = (await registerTerminal(t.api, c.owner, c.standId, b.publicKeyHex)).headers;
  });

  const upload = (terminal: OfflineTerminal, entries: JournalEntry[]) =>
    t.api.request("POST", "/api/v1/terminal/journal", { headers: terminal.headers, body: { entries } });

  it("two offline terminals overspending one band: the rest goes to the band's debt account, the band is blocked, the conflict is reported", async () => {
    const { tagId, bandId } = await fundedBand(t.api, c, 1_000);
    a.charge(tagId, 400);
    a.charge(tagId, 300);
    b.charge(tagId, 600);

    const first = await upload(a, a.journal);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.accepted, 2);
    assert.deepEqual(first.body.conflicts, []);

    const second = await upload(b, b.journal);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.conflicts.length, 1);
    assert.deepEqual(second.body.conflicts[0].conflict, { reason: "band_overspent_offline", fromBalance: 300, toDebt: 300 });

    const band = await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${bandId}`, c.owner);
    assert.equal(band.balance, 0);
    assert.equal(band.status, "blocked");
    assert.equal(band.blockedReason, "debt");
    const debt = await t.db("ledger_accounts").where({ edition_id: c.editionId, kind: "debt", owner_id: bandId }).first();
    assert.equal(Number(debt.balance), -300);
    const online = await pay(t.api, c, { transferId: randomUUID(), tagId, amount: 1, currency: "EUR" });
    assert.equal(online.body.code, "band_blocked");

    // the vendor got all 1,300: the sales happened
    const received = await t.db.raw(
      "select coalesce(sum(amount), 0)::int as total from ledger_transfers where vendor_id = ? and wristband_id = ? and offline",
      [c.vendorId, bandId],
    );
    assert.equal(received.rows[0].total, 1_300);

    // a top-up pays the debt first; once paid the band is active again
    const topup = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${c.editionId}/topups`, c.cashier, {
      transferId: randomUUID(),
      tagId,
      amount: 500,
      method: "card",
    });
    assert.equal(topup.balanceAfter, 500);
    const repaid = await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${bandId}`, c.owner);
    assert.equal(repaid.balance, 200);
    assert.equal(repaid.status, "active");
    assert.equal(Number((await t.db("ledger_accounts").where({ kind: "debt", owner_id: bandId }).first()).balance), 0);
    assert.deepEqual(await ledgerDifferences(t.db), []);
  });

  it("uploading again books nothing twice; a later upload continues the chain", async () => {
    const { tagId } = await fundedBand(t.api, c, 500);
    const before = await transferCount(t.db, c.editionId);
    const again = await upload(a, a.journal);
    assert.equal(again.status, 200);
    assert.equal(again.body.accepted, 0);
    assert.ok(again.body.entries.every((e: { outcome: string }) => e.outcome === "duplicate"));
    assert.equal(await transferCount(t.db, c.editionId), before);

    const next = a.charge(tagId, 200);
    const more = await upload(a, [next]);
    assert.equal(more.status, 200, JSON.stringify(more.body));
    assert.equal(more.body.accepted, 1);
    assert.equal(await transferCount(t.db, c.editionId), before + 1);
  });

  it("a tampered, unsigned, forked or gapped journal is refused whole and books nothing", async () => {
    const { tagId } = await fundedBand(t.api, c, 500);
    const before = await transferCount(t.db, c.editionId);
    const fresh = new OfflineTerminal();
    fresh.headers = (await registerTerminal(t.api, c.owner, c.standId, fresh.publicKeyHex)).headers;
    fresh.charge(tagId, 100);
    fresh.charge(tagId, 100);
    const [e1, e2] = fresh.journal as [JournalEntry, JournalEntry];

    const tampered = await upload(fresh, [e1, { ...e2, amount: 1 }]);
    assert.equal(tampered.status, 422);
    assert.equal(tampered.body.code, "journal_hash_mismatch");
    const forged = new OfflineTerminal();
    const foreign = forged.charge(tagId, 100);
    const unsigned = await upload(fresh, [{ ...e1, signature: foreign.signature }]);
    assert.equal(unsigned.body.code, "journal_bad_signature");
    const gap = await upload(fresh, [e2]);
    assert.equal(gap.body.code, "journal_gap");
    assert.equal(await transferCount(t.db, c.editionId), before, "nothing booked");

    assert.equal((await upload(fresh, [e1])).status, 200);
    // a different entry 1 (same seq, other content) is a fork
    const other = new OfflineTerminal();
    Object.assign(other, { privateKey: fresh.privateKey });
    const forkEntry = other.charge(tagId, 150);
    const fork = await upload(fresh, [forkEntry]);
    assert.equal(fork.status, 409);
    assert.equal(fork.body.code, "journal_fork");
    assert.deepEqual(await ledgerDifferences(t.db), []);
  });

  it("an entry beyond the offline allowance is booked (the sale happened) and reported", async () => {
    const { tagId, bandId } = await fundedBand(t.api, c, 5_000);
    const terminal = new OfflineTerminal();
    terminal.headers = (await registerTerminal(t.api, c.owner, c.standId, terminal.publicKeyHex)).headers;
    terminal.charge(tagId, 600);
    terminal.charge(tagId, 500); // 1,100 > the allowance of 1,000
    const res = await upload(terminal, terminal.journal);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.entries.map((e: { outcome: string; conflict?: { reason: string } }) => [e.outcome, e.conflict?.reason ?? null]),
      [
        ["booked", null],
        ["booked", "over_offline_allowance"],
      ],
    );
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${bandId}`, c.owner)).balance, 3_900);
  });
});
