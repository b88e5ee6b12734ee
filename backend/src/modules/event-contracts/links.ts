import type { Knex } from "knex";
import { TransactionNotFoundError, type Address, type Hex } from "viem";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import type { Config } from "../../../../lib/config.js";
import type { Logger } from "../../../../lib/logger.js";
import type { ChainDeps } from "../../http/chain.js";
import { HttpError } from "../../http/errors.js";
import { recordAudit, systemAuditContext } from "../audit/service.js";
import { scannerAccount } from "../../../../lib/chain-accounts.js";
import { draftFromCalldata, draftFromMirror, sameDraft, SCANNER_ROLE, type MirroredPayee, type MirroredTier } from "./draft.js";
import { fn } from "objection";
import { startBackgroundLoop } from "../../../../lib/background-loop.js";
import { EventContract } from "./models.js";

/**
 * How a pending link becomes linked.
 *
 * A claim (a reported tx hash or factory event id) is stored only once it is proven to be
 * this link's: created by the link's wallet with exactly its draft (proveTransaction,
 * proveChainEvent). The resolver then links each pending link whose claim the mirror has,
 * one link per transaction: a link that cannot be linked (its event is another link's) keeps
 * the reason in link_error and never stops the others. Claims by tx hash go first, so a
 * link holding the creating transaction wins over one holding only the event id.
 *
 * The resolver runs in the API process (startLinkResolver) and after a report or a deploy;
 * reads never resolve.
 */
export type LinkClaimTarget = Pick<EventContract, "id" | "chain_id" | "factory_address" | "organizer_address" | "config">;

const field = (name: string, message: string) => [{ field: `body.${name}`, message }];

/** A reported transaction: sent by the link's wallet to the factory, calling createEvent with the link's draft. */
export async function proveTransaction(chain: ChainDeps, link: LinkClaimTarget, hash: Hex): Promise<void> {
  const tx = await chain.client.getTransaction({ hash }).catch((error) => {
    if (error instanceof TransactionNotFoundError) return null;
    throw new HttpError(503, "chain_unavailable", "the chain does not answer: try again");
  });
  if (!tx) throw new HttpError(422, "transaction_not_found", `no transaction ${hash} on chain ${chain.chainId}`, field("txHash", "not found on the chain"));
  if (tx.from.toLowerCase() !== link.organizer_address) {
    throw new HttpError(
      422,
      "transaction_not_from_link_wallet",
      `the transaction was sent by ${tx.from.toLowerCase()}, not by this link's wallet ${link.organizer_address}`,
      field("txHash", "not sent by this link's wallet"),
    );
  }
  const draft = tx.to?.toLowerCase() === link.factory_address ? draftFromCalldata(tx.input) : null;
  if (!draft || !sameDraft(draft, link.config)) {
    throw new HttpError(
      422,
      "transaction_config_mismatch",
      "the transaction does not call EventFactory.createEvent with this link's prepared configuration",
      field("txHash", "not this link's createEvent call"),
    );
  }
}

/** A reported factory event id: mirrored, created by the link's wallet, with the link's draft (config, tiers and payees of its creating transaction). */
export async function proveChainEvent(db: Knex, link: LinkClaimTarget, eventId: string): Promise<void> {
  const creation = await db("chain_event_creations").where({ chain_id: link.chain_id, contract_address: link.factory_address, event_id: eventId }).first();
  if (!creation) {
    throw new HttpError(
      422,
      "chain_event_not_mirrored",
      `the indexer has not seen event ${eventId} of this factory: report the transaction hash, or try again once it has`,
      field("chainEventId", "not mirrored (yet)"),
    );
  }
  if (creation.organizer !== link.organizer_address) {
    throw new HttpError(
      422,
      "chain_event_not_from_link_wallet",
      `event ${eventId} was created by ${creation.organizer}, not by this link's wallet ${link.organizer_address}`,
      field("chainEventId", "not created by this link's wallet"),
    );
  }
  const tiers: MirroredTier[] = await db("chain_tier_changes")
    .where({ chain_id: link.chain_id, contract_address: creation.ticket_address, tx_hash: creation.tx_hash, kind: "created" })
    .orderBy("tier_id");
  const payees: { payees: MirroredPayee[] } | undefined = await db("chain_payee_sets")
    .where({ chain_id: link.chain_id, contract_address: creation.split_address, tx_hash: creation.tx_hash })
    .orderBy("log_index")
    .first("payees");
  if (!sameDraft(draftFromMirror(creation.config, tiers, payees?.payees ?? []), link.config)) {
    throw new HttpError(
      422,
      "chain_event_config_mismatch",
      `event ${eventId} was not created with this link's prepared configuration`,
      field("chainEventId", "not this link's configuration"),
    );
  }
}

/** Another link already holds this creation (by transaction or as linked): then this claim is refused with 409. */
export async function claimTaken(db: Knex, link: LinkClaimTarget, claim: { txHash?: Hex; chainEventId?: string }): Promise<boolean> {
  const creation = claim.chainEventId
    ? await db("chain_event_creations")
        .where({ chain_id: link.chain_id, contract_address: link.factory_address, event_id: claim.chainEventId })
        .first("tx_hash", "ticket_address")
    : await db("chain_event_creations")
        .where({ chain_id: link.chain_id, contract_address: link.factory_address, tx_hash: claim.txHash })
        .first("tx_hash", "ticket_address", "event_id");
  const txHash = claim.txHash ?? creation?.tx_hash;
  const eventId = claim.chainEventId ?? creation?.event_id;
  const other = await EventContract.query(db)
    .where({ chain_id: link.chain_id, factory_address: link.factory_address })
    .whereNot({ id: link.id })
    .where((q) => {
      if (txHash) q.orWhere({ deploy_tx_hash: txHash });
      if (eventId !== undefined) q.orWhere({ chain_event_id: eventId });
      if (creation?.ticket_address) q.orWhere({ ticket_address: creation.ticket_address });
    })
    .first()
    .select("id");
  return Boolean(other);
}

interface Candidate {
  id: string;
  chain_id: string;
  ticket_address: Address;
  split_address: Address;
  event_id: string;
  created_tx_hash: Hex;
}

/** Links every pending link (or just `only`) whose proven claim the mirror has. Returns how many it linked. */
export async function resolvePendingLinks(db: Knex, only?: string): Promise<number> {
  const { rows } = await db.raw<{ rows: Candidate[] }>(
    `select ec.id, ec.chain_id::text, ce.ticket_address, ce.split_address, ce.event_id::text, ce.created_tx_hash
       from event_contracts ec
       join chain_events ce on ce.chain_id = ec.chain_id and ce.factory_address = ec.factory_address and ce.organizer = ec.organizer_address
        and (ce.created_tx_hash = ec.deploy_tx_hash or ce.event_id = ec.chain_event_id)
      where ec.status = 'pending' ${only ? "and ec.id = ?" : ""}
      order by (ce.created_tx_hash = ec.deploy_tx_hash) desc nulls last, ec.created_at, ec.id`,
    only ? [only] : [],
  );
  let linked = 0;
  for (const candidate of rows) if (await linkOne(db, candidate)) linked++;
  return linked;
}

async function linkOne(db: Knex, c: Candidate): Promise<boolean> {
  try {
    return await db.transaction(async (trx) => {
      const other = await EventContract.query(trx)
        .where({ chain_id: c.chain_id })
        .whereNot({ id: c.id })
        .where((q) => q.where({ ticket_address: c.ticket_address }).orWhere({ deploy_tx_hash: c.created_tx_hash }))
        .first()
        .select("id");
      if (other) {
        await noteLinkError(trx, c.id, `chain event ${c.event_id} belongs to another event contract`);
        return false;
      }
      const [row] = await EventContract.query(trx)
        .where({ id: c.id, status: "pending" })
        .patch({
          status: "linked",
          ticket_address: c.ticket_address,
          split_address: c.split_address,
          chain_event_id: c.event_id,
          deploy_tx_hash: c.created_tx_hash,
          linked_at: fn.now(),
          link_error: null,
        })
        .returning(["id", "festival_id"]);
      if (!row) return false;
      await recordAudit(trx, systemAuditContext(), {
        action: "event_contract.linked",
        entityType: "event_contract",
        entityId: c.id,
        festivalId: row.festival_id,
        after: { ticket_address: c.ticket_address, split_address: c.split_address, chain_event_id: c.event_id, deploy_tx_hash: c.created_tx_hash },
      });
      return true;
    });
  } catch (error) {
    // e.g. a concurrent resolver linked the other claimant first: this link waits, the others go on
    await noteLinkError(db, c.id, `could not link: ${(error as Error).message.split("\n")[0]!.slice(0, 300)}`).catch(() => {});
    return false;
  }
}

async function noteLinkError(db: Knex | Knex.Transaction, id: string, message: string): Promise<void> {
  await EventContract.query(db).where({ id, status: "pending" }).whereRaw("link_error is distinct from ?", [message]).patch({ link_error: message });
}

/** Marks linked contracts whose event admin has since granted the platform scanner SCANNER_ROLE (read from the chain). */
export async function refreshScannerGrants(db: Knex, chain: ChainDeps, config: Config): Promise<void> {
  const scanner = scannerAccount(config, chain.chainId);
  if (!scanner) return;
  const rows = await EventContract.query(db)
    .where({ chain_id: chain.chainId, status: "linked" })
    .whereNull("scanner_granted_at")
    .select("id", "ticket_address");
  for (const row of rows) {
    if (!row.ticket_address) continue; // linked rows have one (ck_event_contracts_linked)
    const granted = await chain.client
      .readContract({ address: row.ticket_address, abi: eventTicketAbi, functionName: "hasRole", args: [SCANNER_ROLE, scanner.address] })
      .catch(() => false);
    if (granted) await EventContract.query(db).where({ id: row.id }).whereNull("scanner_granted_at").patch({ scanner_granted_at: new Date() });
  }
}

/** The outbox consumer's reaction: a batch with a created event links the pending contracts the mirror now proves. */
export function linkCreatedEvents(db: Knex): (facts: Array<{ topic: string }>) => Promise<void> {
  return async (facts) => {
    if (facts.some((f) => f.topic === "event.created")) await resolvePendingLinks(db);
  };
}

export interface LinkResolver {
  /** One pass (tests call it directly). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** The API process's background pass: link what the mirror has, note scanner grants; a failing pass is logged and the next one runs. */
export function startLinkResolver(opts: { db: Knex; config: Config; chain?: ChainDeps; log: Logger; intervalMs: number; autoStart?: boolean }): LinkResolver {
  const tick = async () => {
    await resolvePendingLinks(opts.db);
    if (opts.chain) await refreshScannerGrants(opts.db, opts.chain, opts.config);
  };
  const loop = startBackgroundLoop(tick, { ...opts, failed: "event-contract link resolver pass failed" });
  return { tick: loop.runNow, stop: loop.stop };
}
