import type { Knex } from "knex";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Address } from "viem";
import { newId } from "../../../lib/ids.js";
import { createTestFestival, createTestOrganization, createTestUser, type TestUser } from "../../support/auth.js";
import { encodePass, signPass } from "../../../backend/src/modules/gate/pass.js";

/**
 * Gate fixtures: an event as the indexer would have mirrored it (chain_events, chain_tiers,
 * chain_tickets, an indexer cursor at the head), linked to a festival with zones and
 * categories, a scanner account, and fans with wallets (chain id 31338). Unit tests of the gate use these;
 * the end-to-end test (test/e2e/ticket-flow.test.ts) uses the real chain and indexer instead.
 */
// Not 31337: the end-to-end test's real indexer mirrors chain 31337 and must not meet fake rows.
export const CHAIN_ID = 31338;
let eventCounter = 0;

function randomAddress(): Address {
  return privateKeyToAccount(generatePrivateKey()).address.toLowerCase() as Address;
}

export interface SeededEvent {
  organizationId: string;
  festivalId: string;
  organizer: TestUser;
  scanner: TestUser;
  eventContractId: string;
  contract: Address;
  zones: { gate: string; vip: string; lounge: string };
}

/** Tier 1 STANDARD (entrance only), tier 2 VIP (entrance + vip area); lounge holds `loungeCapacity`. */
export async function seedEvent(
  db: Knex,
  opts: { loungeCapacity?: number; cancelled?: boolean; chainId?: number; contract?: Address } = {},
): Promise<SeededEvent> {
  const chainId = opts.chainId ?? CHAIN_ID;
  const organizer = await createTestUser(db, { roles: ["organizer"] });
  const { organizationId } = await createTestOrganization(db, [[organizer, "owner"]]);
  const { festivalId } = await createTestFestival(db, organizationId);
  const scanner = await createTestUser(db, { roles: ["security"], displayName: "Gate steward" });
  await db("gate_scanners").insert({ id: newId(), festival_id: festivalId, user_id: scanner.userId });

  const contract = opts.contract ?? randomAddress();
  const split = randomAddress();
  const now = Date.now();
  await db("chain_events").insert({
    chain_id: chainId,
    ticket_address: contract,
    event_id: String(Date.now() * 1000 + ++eventCounter),
    split_address: split,
    organizer: randomAddress(),
    factory_address: "0x00000000000000000000000000000000000000fa",
    name: "Test Fest",
    symbol: "TF",
    base_uri: "",
    contract_uri: "",
    starts_at: new Date(now - 3600_000),
    ends_at: new Date(now + 86_400_000),
    refund_window_seconds: 86_400,
    transfer_policy: "free",
    resale_cap_bps: 1000,
    royalty_bps: 500,
    platform_fee_bps: 250,
    platform_fee_recipient: randomAddress(),
    paused: false,
    cancelled: opts.cancelled ?? false,
    settled: false,
    payees_locked: false,
    created_block_number: 1,
    created_tx_hash: `0x${"ab".repeat(32)}`,
  });
  for (const [tierId, name] of [
    [1, "STANDARD"],
    [2, "VIP"],
  ] as const) {
    await db("chain_tiers").insert({
      chain_id: chainId,
      contract_address: contract,
      tier_id: tierId,
      name,
      price: "1000",
      currency: "0x0000000000000000000000000000000000000000",
      supply: 100_000,
      max_per_buyer: 0,
      sale_start: new Date(now - 86_400_000),
      sale_end: new Date(now + 86_400_000),
      transferable: true,
      sold: 0,
      comped: 0,
      minted: 0,
      price_locked: true,
      revenue: 0,
    });
  }
  await db("indexer_cursors")
    .insert({
      chain_id: chainId,
      block_number: 100,
      block_hash: `0x${"cd".repeat(32)}`,
      block_timestamp: new Date(),
      head_block_number: 100,
      head_seen_at: new Date(),
    })
    .onConflict("chain_id")
    .ignore();

  const eventContractId = newId();
  await db("event_contracts").insert({
    id: eventContractId,
    festival_id: festivalId,
    chain_id: chainId,
    factory_address: "0x00000000000000000000000000000000000000fa",
    organizer_address: randomAddress(),
    status: "linked",
    name: "Test Fest",
    config: JSON.stringify({ eventConfig: {}, tiers: [], payees: [] }),
    ticket_address: contract,
    split_address: split,
    linked_at: new Date(),
  });
  const zone = async (code: string, kind: "entrance" | "area", capacity: number | null) => {
    const id = newId();
    await db("gate_zones").insert({ id, event_contract_id: eventContractId, code, name: code.toUpperCase(), kind, capacity, allow_reentry: kind === "area" });
    return id;
  };
  const zones = {
    gate: await zone("main-gate", "entrance", null),
    vip: await zone("vip", "area", null),
    lounge: await zone("lounge", "area", opts.loungeCapacity ?? null),
  };
  const standard = newId();
  const vip = newId();
  await db("ticket_categories").insert([
    { id: standard, event_contract_id: eventContractId, tier_id: 1, name: "Standard" },
    { id: vip, event_contract_id: eventContractId, tier_id: 2, name: "VIP" },
  ]);
  await db("ticket_category_zones").insert([
    { ticket_category_id: vip, zone_id: zones.vip },
    { ticket_category_id: vip, zone_id: zones.lounge },
    { ticket_category_id: standard, zone_id: zones.lounge },
  ]);
  return { organizationId, festivalId, organizer, scanner, eventContractId, contract, zones };
}

export interface Fan {
  user: TestUser;
  account: PrivateKeyAccount;
  address: Address;
}

export async function createFan(db: Knex, displayName = "Fan"): Promise<Fan> {
  const user = await createTestUser(db, { roles: ["fan"], displayName });
  const account = privateKeyToAccount(generatePrivateKey());
  const address = account.address.toLowerCase() as Address;
  await db("wallets").insert({ id: newId(), user_id: user.userId, network: "evm", address, is_primary: true, verified_at: new Date() });
  return { user, account, address };
}

let serial = 0;
/** A mirrored ticket of `tierId` held by `owner`; returns its token id. */
export async function seedTicket(
  db: Knex,
  event: Pick<SeededEvent, "contract">,
  owner: Address | null,
  opts: { tierId?: number; burned?: boolean; refundState?: "none" | "refundable" | "refunded"; chainId?: number; tokenId?: bigint } = {},
): Promise<bigint> {
  const tierId = opts.tokenId !== undefined ? Number(opts.tokenId / 1_000_000n) : (opts.tierId ?? 1);
  const tokenId = opts.tokenId ?? BigInt(tierId) * 1_000_000n + BigInt(++serial);
  await db("chain_tickets").insert({
    chain_id: opts.chainId ?? CHAIN_ID,
    contract_address: event.contract,
    token_id: tokenId.toString(),
    tier_id: tierId,
    owner_address: opts.burned ? null : owner,
    burned: opts.burned ?? false,
    is_comp: false,
    face_value: "1000",
    currency: "0x0000000000000000000000000000000000000000",
    minted_block_number: 1,
    minted_tx_hash: `0x${"ef".repeat(32)}`,
    minted_at: new Date(),
    transfer_count: 0,
    checked_in: false,
    resale_listed: false,
    refund_state: opts.refundState ?? "none",
    last_block_number: 1,
  });
  return tokenId;
}

/** A holder-signed pass (what the fan's wallet shows), valid `seconds` from now. */
export async function holderPass(
  signer: PrivateKeyAccount,
  contract: Address,
  tokenId: bigint,
  opts: { seconds?: number; holder?: Address; nonce?: bigint; chainId?: number } = {},
): Promise<string> {
  const pass = await signPass(
    signer,
    {
      chainId: opts.chainId ?? CHAIN_ID,
      contract,
      tokenId,
      holder: opts.holder ?? signer.address,
      validUntil: Math.floor(Date.now() / 1000) + (opts.seconds ?? 30),
      nonce: opts.nonce ?? BigInt(Math.floor(Math.random() * 2 ** 48)),
    },
    "holder",
  );
  return encodePass(pass);
}
