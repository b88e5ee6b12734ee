import pg from "pg";
import assert from "node:assert/strict";
import type { Abi, Address } from "viem";
import { eventTicketAbi } from "../../../lib/abis/EventTicket.js";
import { revenueSplitAbi } from "../../../lib/abis/RevenueSplit.js";
import type { Knex } from "../../../lib/database.js";
import { createLogger } from "../../../lib/logger.js";
import { createIndexer, type Indexer, type IndexerOptions } from "../../../indexer/src/indexer.js";
import { testDatabaseUrl } from "../../support/database.js";
import { KEY_SEPARATOR, recompute } from "../../../indexer/src/store/derive.js";
import { MIRROR_TABLES } from "../../../indexer/src/store/discard.js";
import { ETH, type TestChain } from "./platform.js";

/** Every test file runs its own node, all with chain id 31337: start each from an empty mirror. */
export async function resetMirror(db: Knex, chainId: number): Promise<void> {
  for (const table of MIRROR_TABLES) await db(table).where({ chain_id: chainId }).delete();
}

export async function startIndexer(t: TestChain, overrides: Partial<IndexerOptions> = {}): Promise<Indexer> {
  const indexer = createIndexer({
    rpcUrl: t.url,
    databaseUrl: await testDatabaseUrl(),
    factoryAddress: t.factory,
    deployBlock: t.deployBlock,
    confirmations: 0,
    pollIntervalMs: 100,
    log: createLogger("indexer-test", process.env.TEST_LOG_LEVEL ?? "silent"),
    progressBar: false,
    ...overrides,
  });
  void indexer.run();
  return indexer;
}

/** Waits until the indexer stands on the node's current head. */
export async function syncedTo(t: TestChain, indexer: Indexer): Promise<bigint> {
  const head = await t.client.getBlockNumber({ cacheTime: 0 });
  await indexer.waitForBlock(head, 60_000);
  return head;
}

const read = <T>(t: TestChain, address: Address, abi: Abi, functionName: string, args: unknown[]) =>
  t.client.readContract({ address, abi, functionName, args } as never) as Promise<T>;

/**
 * The mirror equals the chain: every minted token of every event is in chain_tickets with
 * the owner ownerOf gives (none once burned), check-in and listing as the contract says;
 * tiers' minted counts match; every payee's (and organizer's) claimable equals claimable().
 */
export async function assertMirrorEqualsChain(db: Knex, t: TestChain): Promise<{ tickets: number; balances: number }> {
  const events = await db("chain_events").where({ chain_id: t.chainId });
  let tickets = 0;
  let balances = 0;
  for (const event of events) {
    const ticket = event.ticket_address as Address;
    const ticketsBefore = tickets;
    const tierCount = await read<bigint>(t, ticket, eventTicketAbi, "tierCount", []);
    const mirrorTiers = await db("chain_tiers").where({ chain_id: t.chainId, contract_address: ticket });
    assert.equal(mirrorTiers.length, Number(tierCount), `tiers of ${ticket}`);
    assert.equal(event.cancelled, await read<boolean>(t, ticket, eventTicketAbi, "cancelled", []), "cancelled");
    assert.equal(event.settled, await read<boolean>(t, ticket, eventTicketAbi, "settled", []), "settled");
    for (let tierId = 1n; tierId <= tierCount; tierId++) {
      const tier = await read<{ minted: number; price: bigint; supply: number }>(t, ticket, eventTicketAbi, "tier", [tierId]);
      const mt = mirrorTiers.find((r) => BigInt(r.tier_id) === tierId)!;
      assert.equal(BigInt(mt.minted), BigInt(tier.minted), `minted of tier ${tierId}`);
      assert.equal(BigInt(mt.price), tier.price, `price of tier ${tierId}`);
      for (let serial = 1n; serial <= BigInt(tier.minted); serial++) {
        const tokenId = tierId * 1_000_000n + serial;
        const row = await db("chain_tickets").where({ chain_id: t.chainId, contract_address: ticket, token_id: tokenId.toString() }).first();
        assert.ok(row, `token ${tokenId} of ${ticket} is in the mirror`);
        let owner: string | null;
        try {
          owner = (await read<Address>(t, ticket, eventTicketAbi, "ownerOf", [tokenId])).toLowerCase();
        } catch {
          owner = null; // burned (refunded)
        }
        assert.equal(row.owner_address, owner, `owner of ${tokenId}`);
        assert.equal(row.checked_in, await read<boolean>(t, ticket, eventTicketAbi, "isCheckedIn", [tokenId]), `check-in of ${tokenId}`);
        const [seller, price] = await read<[Address, bigint]>(t, ticket, eventTicketAbi, "listing", [tokenId]);
        const listed = seller.toLowerCase() !== ETH;
        assert.equal(row.resale_listed, listed, `listing of ${tokenId}`);
        if (listed) assert.equal(BigInt(row.resale_price), price, `listing price of ${tokenId}`);
        const [refund] = await read<[bigint, Address]>(t, ticket, eventTicketAbi, "refundAmount", [tokenId]);
        assert.equal(BigInt(row.face_value), refund, `face value of ${tokenId}`);
        tickets++;
      }
    }
    const mirrored = await db("chain_tickets").where({ chain_id: t.chainId, contract_address: ticket }).count({ n: "*" });
    assert.equal(Number((mirrored[0] as { n: string }).n), tickets - ticketsBefore, `no extra tickets of ${ticket} in the mirror`);
    const split = event.split_address as Address;
    const accounts = new Set<string>([event.organizer]);
    for (const p of await db("chain_split_payees").where({ chain_id: t.chainId, split_address: split })) accounts.add(p.account);
    // the implementation has payee(account), not the interface's payees(): compare payee by payee
    for (const p of await db("chain_split_payees").where({ chain_id: t.chainId, split_address: split })) {
      const onChain = await read<{ shareBps: number; fixedAmount: bigint }>(t, split, revenueSplitAbi, "payee", [p.account]);
      assert.equal(p.share_bps, Number(onChain.shareBps), `share of ${p.account}`);
      assert.equal(BigInt(p.fixed_amount), BigInt(onChain.fixedAmount), `fixed amount of ${p.account}`);
    }
    for (const account of accounts) {
      const onChain = await read<bigint>(t, split, revenueSplitAbi, "claimable", [account, ETH]);
      const row = await db("chain_split_balances").where({ chain_id: t.chainId, split_address: split, token_address: ETH, account }).first();
      assert.equal(BigInt(row?.claimable ?? 0), onChain, `claimable of ${account} in ${split}`);
      const released = await read<bigint>(t, split, revenueSplitAbi, "released", [account, ETH]);
      assert.equal(BigInt(row?.released ?? 0), released, `released of ${account}`);
      balances++;
    }
    // referrers: credit (the ticket's view), claimable and released (the split's)
    for (const r of await db("chain_referral_balances").where({ chain_id: t.chainId, split_address: split, token_address: ETH })) {
      const [credit] = await read<[bigint, bigint]>(t, ticket, eventTicketAbi, "referral", [r.referrer, ETH]);
      assert.equal(BigInt(r.credited), credit, `referral credit of ${r.referrer}`);
      assert.equal(
        BigInt(r.claimable),
        await read<bigint>(t, split, revenueSplitAbi, "referralClaimable", [r.referrer, ETH]),
        `referral claimable of ${r.referrer}`,
      );
      assert.equal(
        BigInt(r.released),
        await read<bigint>(t, split, revenueSplitAbi, "referralReleased", [r.referrer, ETH]),
        `referral released of ${r.referrer}`,
      );
      balances++;
    }
    const totals = await db("chain_split_totals").where({ chain_id: t.chainId, split_address: split, token_address: ETH }).first();
    assert.equal(BigInt(totals?.received ?? 0), await read<bigint>(t, split, revenueSplitAbi, "totalReceived", [ETH]), "received");
    const dust = await read<bigint>(t, split, revenueSplitAbi, "dust", [ETH]).catch(() => undefined); // not in every build
    if (dust !== undefined) assert.equal(BigInt(totals?.dust ?? 0), dust, "dust");
  }
  await assertTicketsEqualFullRecompute(t.chainId);
  return { tickets, balances };
}

/**
 * Forward batches advance chain_tickets incrementally (store/forward.ts); rollbacks recompute.
 * Both must give the same rows: recompute every stored ticket in full inside a transaction
 * that is rolled back, and compare every column but updated_at.
 */
export async function assertTicketsEqualFullRecompute(chainId: number): Promise<void> {
  const client = new pg.Client({ connectionString: await testDatabaseUrl() });
  await client.connect();
  try {
    await client.query("begin");
    const snapshot = async () =>
      (
        await client.query(`select to_jsonb(t) - 'updated_at' as row from chain_tickets t where chain_id = $1 order by contract_address, token_id`, [chainId])
      ).rows.map((r) => r.row);
    const before = await snapshot();
    const keys = before.map((r) => `${r.contract_address}${KEY_SEPARATOR}${r.token_id}`);
    await recompute(client, chainId, new Map([["ticket", new Set(keys)]]));
    assert.deepEqual(before, await snapshot(), "chain_tickets (incrementally advanced) equals a full recompute");
  } finally {
    await client.query("rollback").catch(() => {});
    await client.end();
  }
}

/** Every mirrored block and every outbox fact is on the node's current chain. */
export async function assertOnCanonicalChain(db: Knex, t: TestChain): Promise<void> {
  for (const table of ["chain_blocks", "outbox", "chain_pending_facts", "chain_ticket_transfers", "chain_purchases"]) {
    const column = table === "chain_blocks" ? "number" : "block_number";
    const hashColumn = table === "chain_blocks" ? "hash" : "block_hash";
    const rows = await db(table).where({ chain_id: t.chainId }).where(column, ">=", 0).distinct(column, hashColumn);
    for (const row of rows) {
      const block = await t.client.getBlock({ blockNumber: BigInt(row[column]) }).catch(() => undefined);
      assert.equal(row[hashColumn], block?.hash, `${table} row of block ${row[column]} is on the chain`);
    }
  }
}

/** Rows per log table, and whether any natural key appears twice (it cannot: primary keys). */
export async function logRowCounts(db: Knex, chainId: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of MIRROR_TABLES) {
    const rows = (await db(table).where({ chain_id: chainId }).count({ n: "*" })) as Array<{ n: string }>;
    out[table] = Number(rows[0]?.n ?? 0);
  }
  return out;
}
