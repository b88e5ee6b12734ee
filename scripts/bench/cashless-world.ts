import type { Knex } from "knex";
import { newId } from "../../lib/ids.js";
import { generateTerminalKey } from "../../backend/src/modules/vendors/terminals.js";

export interface CashlessWorld {
  editionId: string;
  /** The bands' NFC tag ids, band i at index i. */
  tags: string[];
  /** One key per terminal (`Authorization: Terminal <key>`); terminal i sells at stand i % vendors. */
  terminalKeys: string[];
  /** The terminals' rows, in the keys' order. */
  terminals: Array<{ id: string; stand_id: string; vendor_id: string }>;
}

/**
 * A festival edition with cashless settings, `bands` wristbands each topped up with
 * `startBalance` through the ledger, `vendors` vendors with a stand each and `terminals`
 * registered terminals: the world of the cashless bench and the chaos run.
 */
export async function seedCashlessWorld(
  db: Knex,
  opts: { bands: number; vendors: number; terminals: number; startBalance: number; cap: number },
): Promise<CashlessWorld> {
  const organizationId = newId();
  const festivalId = newId();
  const editionId = newId();
  await db("organizations").insert({ id: organizationId, name: "Bench org", slug: `bench-${organizationId}` });
  await db("festivals").insert({ id: festivalId, organization_id: organizationId, name: "Bench fest", slug: "bench-fest" });
  await db("editions").insert({
    id: editionId,
    festival_id: festivalId,
    name: "Bench",
    slug: "bench",
    starts_at: new Date(Date.now() - 86_400_000),
    ends_at: new Date(Date.now() + 86_400_000),
    timezone: "Europe/Amsterdam",
    status: "published",
  });
  await db("cashless_edition_settings").insert({
    edition_id: editionId,
    currency: "EUR",
    balance_cap: opts.cap,
    offline_allowance: 1_000,
    topup_min: 1,
    topup_max: opts.cap,
    commission_bps: 1_000,
  });
  const tags: string[] = [];
  for (let i = 0; i < opts.bands; i++) tags.push((0x1000_0000_0000 + i).toString(16).toUpperCase().padStart(14, "0"));
  for (let i = 0; i < opts.bands; i += 5_000) {
    const chunk = tags.slice(i, i + 5_000).map((tag) => ({ band: newId(), account: newId(), tag }));
    await db("ledger_accounts").insert(
      chunk.map((c) => ({ id: c.account, edition_id: editionId, kind: "fan", owner_id: c.band, currency: "EUR", min_balance: 0, max_balance: opts.cap })),
    );
    await db("wristbands").insert(chunk.map((c) => ({ id: c.band, edition_id: editionId, tag_id: c.tag, account_id: c.account })));
  }
  // every band's money comes in through the ledger: one card top-up each, 250 bands a statement, each statement
  // from its own desk's card clearing account (as the cashiers' top-ups are: one account per desk shift). One
  // account updated 50,000 times in one statement would walk an ever longer chain of its own row versions.
  const bandRows: Array<{ id: string; account_id: string }> = await db("wristbands").where("edition_id", editionId).select("id", "account_id").orderBy("id");
  for (let i = 0; i < bandRows.length; i += 250) {
    const desk = (await db.raw("select ledger_account_for(?, 'topup_card', ?, 0::smallint, 'EUR') as id", [editionId, newId()])).rows[0].id;
    await db("ledger_transfers").insert(
      bandRows.slice(i, i + 250).map((w) => ({
        id: newId(),
        edition_id: editionId,
        type: "TOPUP",
        from_account_id: desk,
        to_account_id: w.account_id,
        amount: opts.startBalance,
        currency: "EUR",
        method: "card",
        wristband_id: w.id,
        from_balance_before: 0,
        from_balance_after: 0,
        to_balance_before: 0,
        to_balance_after: 0,
      })),
    );
  }
  const vendorIds: string[] = [];
  const standIds: string[] = [];
  for (let i = 0; i < opts.vendors; i++) {
    vendorIds.push(newId());
    standIds.push(newId());
  }
  await db("vendors").insert(vendorIds.map((id, i) => ({ id, edition_id: editionId, name: `Vendor ${i}` })));
  await db("vendor_stands").insert(standIds.map((id, i) => ({ id, vendor_id: vendorIds[i], edition_id: editionId, name: `Stand ${i}` })));
  const terminalKeys: string[] = [];
  const terminalRows: Array<{ id: string; stand_id: string; vendor_id: string; edition_id: string; name: string; key_prefix: string; key_hash: string }> = [];
  for (let i = 0; i < opts.terminals; i++) {
    const { key, prefix, hash } = generateTerminalKey();
    terminalKeys.push(key);
    const v = i % opts.vendors;
    terminalRows.push({
      id: newId(),
      stand_id: standIds[v]!,
      vendor_id: vendorIds[v]!,
      edition_id: editionId,
      name: `T${i}`,
      key_prefix: prefix,
      key_hash: hash,
    });
  }
  for (let i = 0; i < terminalRows.length; i += 1_000) await db("vendor_terminals").insert(terminalRows.slice(i, i + 1_000));
  await db.raw("vacuum analyze");
  await db.raw("checkpoint");
  return { editionId, tags, terminalKeys, terminals: terminalRows };
}
