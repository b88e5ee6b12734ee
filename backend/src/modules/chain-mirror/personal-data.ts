import { declarePersonalData, type PersonalTable } from "../../security/personal-data.js";

const PUBLIC_CHAIN = "public, immutable chain data mirrored from the chain: it cannot be erased; the person's link to the address (wallets) is deleted";

/** A mirror table whose listed columns hold addresses: exported where one is the person's, kept on erasure. */
function mirror(table: string, addressColumns: string[], jsonColumns: string[] = []): PersonalTable {
  return {
    table,
    columns: Object.fromEntries([...addressColumns, ...jsonColumns].map((c) => [c, "wallet" as const])),
    rows: (q, s) => {
      for (const c of addressColumns) q.orWhereIn(c, s.addresses);
      for (const c of jsonColumns) q.orWhereRaw(`lower(${c}::text) like any(?)`, [s.addresses.map((a) => `%${a.toLowerCase()}%`)]);
    },
    erase: { kind: "keep", reason: PUBLIC_CHAIN },
  };
}

/** The indexer writes these; the chain-facing modules read them (see the ownership test's MIRROR_READERS). */
export const chainMirrorPersonalData = declarePersonalData("chain-mirror", {
  tables: [
    mirror("chain_tickets", ["owner_address", "checked_in_by", "resale_seller"]),
    mirror("chain_ticket_transfers", ["from_address", "to_address"]),
    mirror("chain_purchases", ["buyer", "recipient"]),
    mirror("chain_resales", ["seller", "buyer"]),
    mirror("chain_refunds", ["holder", "paid_to"]),
    mirror("chain_comps", ["operator"], ["recipients"]),
    mirror("chain_check_ins", ["scanner"]),
    mirror("chain_transactions", ["from_address", "to_address"]),
    mirror("chain_split_payees", ["account"]),
    mirror("chain_split_balances", ["account"]),
    mirror("chain_split_performances", ["payee", "by_address"]),
    mirror("chain_split_claims", ["payee", "paid_to"]),
    mirror("chain_split_deposits", ["from_address"]),
    mirror("chain_payee_sets", [], ["payees"]),
    mirror("chain_referral_balances", ["referrer"]),
    mirror("chain_referral_claims", ["referrer"]),
    mirror("chain_referral_credits", ["referrer"]),
    mirror("chain_events", ["organizer", "platform_fee_recipient"]),
    mirror("chain_event_creations", ["organizer", "platform_fee_recipient"]),
    mirror("chain_platform_fee_changes", ["recipient"]),
    { table: "smart_contracts", columns: { address: "none" }, note: "contract addresses, not people's" },
  ],
});
