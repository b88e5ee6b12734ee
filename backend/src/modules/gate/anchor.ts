import type { Knex } from "knex";
import { BaseError, ContractFunctionRevertedError, createWalletClient, http, type Address, type Hex, type LocalAccount, type PublicClient } from "viem";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import { chainDefinition } from "../../../../lib/chain.js";
import type { Logger } from "../../../../lib/logger.js";
import type { Config } from "../../../../lib/config.js";
import { scannerAccount } from "../../../../lib/chain-accounts.js";
import { startBackgroundLoop } from "../../../../lib/background-loop.js";

/**
 * Anchors gate check-ins on-chain: a loop in the API process batches pending check-ins of one
 * ticket contract into `EventTicket.checkIn(tokenIds)` sent by the scanner account (which
 * holds SCANNER_ROLE), so a checked-in ticket can no longer be transferred.
 *
 * States of gate_check_ins.anchor_status:
 *   pending   -> claimed (submitted, anchor_claimed_at set, tx hash null)  [UPDATE ... SKIP LOCKED]
 *   submitted -> tx hash stored before waiting for the receipt
 *   anchored  <- receipt success, or the ticket is already checked in on-chain
 *   pending   <- receipt reverted / tx lost / claim older than STALE_CLAIM_MS without a hash (crash)
 *   failed    <- permanent refusals (event ended or cancelled, ticket burned)
 * confirmed_at is set when the mirror shows the CheckedIn (chain_tickets.checked_in).
 *
 * A batch reverts as a whole when one ticket is already checked in
 * (EventTicketAlreadyCheckedIn): each batch is simulated first, and such a ticket is marked
 * anchored and left out of the retry. Several API processes may run the loop: claims use
 * SKIP LOCKED, so a check-in is in at most one batch.
 */
const STALE_CLAIM_MS = 120_000;
const MAX_ATTEMPTS = 10;
const PERMANENT = new Set(["EventTicketEventEnded", "EventTicketEventIsCancelled", "ERC721NonexistentToken"]);

export interface AnchorDeps {
  db: Knex;
  client: PublicClient;
  chainId: number;
  rpcUrl: string;
  scanner: LocalAccount;
  log: Logger;
  intervalMs: number;
  batchSize: number;
  /** false: no background loop, call tick() (tests). */
  autoStart?: boolean;
}

export interface CheckInAnchor {
  /** One pass of the loop (tests call it directly). Returns how many check-ins were anchored. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

export function createCheckInAnchor(deps: AnchorDeps): CheckInAnchor {
  const { db, client, chainId, log } = deps;
  const wallet = createWalletClient({ account: deps.scanner, chain: chainDefinition(chainId, deps.rpcUrl), transport: http(deps.rpcUrl) });
  let stopped = false;

  async function confirmFromMirror(): Promise<void> {
    await db.raw(
      `update gate_check_ins g
          set confirmed_at = now(),
              anchor_status = 'anchored',
              anchored_at = coalesce(g.anchored_at, now()),
              anchor_error = case when g.anchor_status = 'anchored' then g.anchor_error else 'checked in on-chain by another transaction' end
         from chain_tickets t
        where g.confirmed_at is null and g.chain_id = ?
          and t.chain_id = g.chain_id and t.contract_address = g.contract_address and t.token_id = g.token_id and t.checked_in
          and g.anchor_status in ('pending', 'anchored', 'failed')`,
      [chainId],
    );
  }

  async function recoverSubmitted(): Promise<void> {
    const rows = await db("gate_check_ins")
      .where({ chain_id: chainId, anchor_status: "submitted" })
      .where("anchor_claimed_at", "<", new Date(Date.now() - STALE_CLAIM_MS))
      .select("id", "anchor_tx_hash");
    for (const row of rows) {
      if (row.anchor_tx_hash) {
        const receipt = await client.getTransactionReceipt({ hash: row.anchor_tx_hash }).catch(() => null);
        if (receipt?.status === "success") {
          await db("gate_check_ins").where({ id: row.id }).update({ anchor_status: "anchored", anchored_at: new Date() });
          continue;
        }
      }
      await db("gate_check_ins").where({ id: row.id, anchor_status: "submitted" }).update({ anchor_status: "pending", anchor_claimed_at: null });
    }
  }

  /** Claims up to batchSize pending check-ins of the contract with the oldest one. */
  async function claim(): Promise<Array<{ id: string; contract: Address; tokenId: bigint }>> {
    const { rows } = await db.raw(
      `with oldest as (
         select contract_address from gate_check_ins
          where chain_id = ? and anchor_status = 'pending' order by checked_in_at limit 1
       ), batch as (
         select g.id from gate_check_ins g, oldest o
          where g.chain_id = ? and g.anchor_status = 'pending' and g.contract_address = o.contract_address
          order by g.checked_in_at limit ? for update of g skip locked
       )
       update gate_check_ins g set anchor_status = 'submitted', anchor_claimed_at = now(), anchor_attempts = anchor_attempts + 1, anchor_tx_hash = null
         from batch where g.id = batch.id
       returning g.id, g.contract_address, g.token_id::text as token_id`,
      [chainId, chainId, deps.batchSize],
    );
    return rows.map((r: { id: string; contract_address: Address; token_id: string }) => ({
      id: r.id,
      contract: r.contract_address,
      tokenId: BigInt(r.token_id),
    }));
  }

  async function release(ids: string[], error: string, permanent: boolean): Promise<void> {
    if (ids.length === 0) return;
    await db("gate_check_ins")
      .whereIn("id", ids)
      .update({
        anchor_status: db.raw("case when ? or anchor_attempts >= ? then 'failed' else 'pending' end", [permanent, MAX_ATTEMPTS]),
        anchor_claimed_at: null,
        anchor_error: error.slice(0, 500),
      });
  }

  async function anchorBatch(batch: Array<{ id: string; contract: Address; tokenId: bigint }>): Promise<number> {
    const contract = batch[0]!.contract;
    let items = batch;
    // Simulate; drop tickets the chain already has checked in, until the batch goes through.
    for (;;) {
      if (items.length === 0) return 0;
      try {
        await client.simulateContract({
          account: deps.scanner,
          address: contract,
          abi: eventTicketAbi,
          functionName: "checkIn",
          args: [items.map((i) => i.tokenId)],
        });
        break;
      } catch (error) {
        const revert = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
        const name = revert instanceof ContractFunctionRevertedError ? revert.data?.errorName : undefined;
        const args = revert instanceof ContractFunctionRevertedError ? (revert.data?.args as readonly unknown[] | undefined) : undefined;
        if (name === "EventTicketAlreadyCheckedIn" && args) {
          const tokenId = args[0] as bigint;
          const done = items.filter((i) => i.tokenId === tokenId);
          await db("gate_check_ins")
            .whereIn(
              "id",
              done.map((i) => i.id),
            )
            .update({ anchor_status: "anchored", anchored_at: new Date(), anchor_claimed_at: null, anchor_error: "already checked in on-chain" });
          items = items.filter((i) => i.tokenId !== tokenId);
          continue;
        }
        if (name && PERMANENT.has(name) && name !== "ERC721NonexistentToken") {
          await release(
            items.map((i) => i.id),
            name,
            true,
          );
          return 0;
        }
        if (name === "ERC721NonexistentToken" && args) {
          const tokenId = args[0] as bigint;
          await release(
            items.filter((i) => i.tokenId === tokenId).map((i) => i.id),
            name,
            true,
          );
          items = items.filter((i) => i.tokenId !== tokenId);
          continue;
        }
        await release(
          items.map((i) => i.id),
          name ?? (error as Error).message.split("\n")[0]!,
          false,
        );
        log.warn({ contract, err: name ?? (error as Error).message.split("\n")[0] }, "check-in anchor: batch refused, will retry");
        return 0;
      }
    }
    let hash: Hex;
    try {
      hash = await wallet.writeContract({ address: contract, abi: eventTicketAbi, functionName: "checkIn", args: [items.map((i) => i.tokenId)] });
    } catch (error) {
      await release(
        items.map((i) => i.id),
        (error as Error).message.split("\n")[0]!,
        false,
      );
      return 0;
    }
    const ids = items.map((i) => i.id);
    await db("gate_check_ins").whereIn("id", ids).update({ anchor_tx_hash: hash });
    const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 }).catch(() => null);
    if (!receipt) return 0; // recoverSubmitted picks it up later
    if (receipt.status !== "success") {
      await release(ids, `checkIn reverted (tx ${hash})`, false);
      return 0;
    }
    await db("gate_check_ins").whereIn("id", ids).update({ anchor_status: "anchored", anchored_at: new Date(), anchor_claimed_at: null, anchor_error: null });
    log.info({ contract, tickets: ids.length, tx: hash }, "check-ins anchored on-chain");
    return ids.length;
  }

  async function tick(): Promise<number> {
    // nonces of expired passes can never be replayed (expired_pass comes first): forget them
    await db("gate_pass_uses").where("expires_at", "<", db.raw("now() - interval '5 minutes'")).delete();
    await confirmFromMirror();
    await recoverSubmitted();
    let anchored = 0;
    for (let round = 0; round < 10 && !stopped; round++) {
      const batch = await claim();
      if (batch.length === 0) break;
      anchored += await anchorBatch(batch);
    }
    return anchored;
  }

  const loop = startBackgroundLoop(tick, { ...deps, failed: "check-in anchor tick failed" });
  return {
    tick: loop.runNow,
    stop: () => {
      stopped = true; // ends a tick's rounds early
      return loop.stop();
    },
  };
}

/** The API process's anchor loop, when a chain and a scanner key are configured for it (else undefined). */
export function startCheckInAnchor(opts: {
  config: Config;
  db: Knex;
  chain: { client: PublicClient; chainId: number };
  log: Logger;
}): CheckInAnchor | undefined {
  const scanner = scannerAccount(opts.config, opts.chain.chainId);
  if (!scanner || !opts.config.chain.rpcUrl) {
    opts.log.warn("no scanner key for this chain (GATE_SCANNER_PRIVATE_KEY): check-ins are not anchored on-chain");
    return undefined;
  }
  return createCheckInAnchor({
    db: opts.db,
    client: opts.chain.client,
    chainId: opts.chain.chainId,
    rpcUrl: opts.config.chain.rpcUrl,
    scanner,
    log: opts.log,
    intervalMs: opts.config.gate.anchorIntervalMs,
    batchSize: opts.config.gate.anchorBatchSize,
  });
}
