import type { Knex } from "knex";
import type { Logger } from "pino";
import { startBackgroundLoop } from "../../../../lib/background-loop.js";
import { eventTypeOfTopic } from "./event-types.js";
import { publishWebhookEvent } from "./publish.js";

/** A finalized on-chain fact, as the indexer's outbox holds it. */
export interface OutboxFact {
  id: string;
  chain_id: string;
  block_number: string;
  block_hash: string;
  log_index: number;
  tx_hash: string;
  contract_address: string;
  topic: string;
  payload: Record<string, unknown>;
  block_timestamp: Date;
}

/** What another module does when a fact arrives (e.g. event-contracts links a created event). Idempotent: a batch can be consumed again after a crash. */
export type OutboxReaction = (facts: OutboxFact[]) => Promise<void>;

/**
 * Consumes one batch of the outbox: the facts nobody has acknowledged yet, oldest first,
 * locked with SKIP LOCKED so any number of API processes consume side by side without
 * taking the same fact. Reactions run first (so an event created in this batch is linked
 * before its facts look for their organization), then each fact of a linked event contract
 * becomes a webhook message, and the batch is acknowledged (delivered_at) in the same
 * transaction as the messages: a crash before the commit leaves the facts for the next
 * pass, and publishing is keyed by the fact, so none is published twice. Only final facts
 * reach the outbox (the indexer holds the others back), so a reorged block is never delivered.
 */
export async function consumeOutbox(db: Knex, reactions: OutboxReaction[] = [], batch = 500): Promise<number> {
  return db.transaction(async (trx) => {
    const facts: OutboxFact[] = await trx("outbox")
      .whereNull("delivered_at")
      .orderBy([{ column: "created_at" }, { column: "id" }])
      .limit(batch)
      .forUpdate()
      .skipLocked()
      .select("id", "chain_id", "block_number", "block_hash", "log_index", "tx_hash", "contract_address", "topic", "payload", "block_timestamp");
    if (facts.length === 0) return 0;
    for (const react of reactions) await react(facts);
    const owners = await organizationsOf(trx, facts);
    for (const fact of facts) {
      const type = eventTypeOfTopic(fact.topic);
      const organizationId = owners.get(ownerKey(fact.chain_id, contractOf(fact)));
      if (!type || !organizationId) continue;
      await publishWebhookEvent(trx, {
        organizationId,
        type,
        sourceKey: `outbox:${fact.chain_id}:${fact.block_hash}:${fact.log_index}`,
        occurredAt: fact.block_timestamp,
        data: {
          ...fact.payload,
          chainId: Number(fact.chain_id),
          contract: fact.contract_address,
          blockNumber: Number(fact.block_number),
          transactionHash: fact.tx_hash,
          logIndex: fact.log_index,
        },
      });
    }
    await trx("outbox")
      .whereIn(
        "id",
        facts.map((f) => f.id),
      )
      .update({ delivered_at: trx.fn.now() });
    return facts.length;
  });
}

/** A factory's EventCreated belongs to the event it created; every other fact to the contract that emitted it. */
function contractOf(fact: OutboxFact): string {
  return fact.topic === "event.created" && typeof fact.payload.ticket === "string" ? fact.payload.ticket.toLowerCase() : fact.contract_address;
}

const ownerKey = (chainId: string, address: string) => `${chainId}:${address}`;

/** The organization of each fact's event contract (event-contracts' and festivals' published views), one query per batch. */
async function organizationsOf(trx: Knex.Transaction, facts: OutboxFact[]): Promise<Map<string, string>> {
  const addresses = [...new Set(facts.map(contractOf))];
  const rows: Array<{ chain_id: string; ticket_address: string; split_address: string; organization_id: string }> = await trx("event_contract_links as l")
    .join("live_festivals as f", "f.id", "l.festival_id")
    .where("l.status", "linked")
    .where((q) => q.whereIn("l.ticket_address", addresses).orWhereIn("l.split_address", addresses))
    .select("l.chain_id", "l.ticket_address", "l.split_address", "f.organization_id");
  const owners = new Map<string, string>();
  for (const r of rows) {
    owners.set(ownerKey(String(r.chain_id), r.ticket_address), r.organization_id);
    owners.set(ownerKey(String(r.chain_id), r.split_address), r.organization_id);
  }
  return owners;
}

export interface OutboxConsumer {
  /** Consumes until the outbox is empty (tests call it directly). */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

/** The API process's consumer: drains the outbox every `intervalMs`; a failing pass is logged and the next one runs. */
export function startOutboxConsumer(opts: { db: Knex; reactions?: OutboxReaction[]; intervalMs: number; log: Logger; autoStart?: boolean }): OutboxConsumer {
  const drain = async () => {
    let total = 0;
    for (let n = await consumeOutbox(opts.db, opts.reactions); n > 0; n = await consumeOutbox(opts.db, opts.reactions)) total += n;
    return total;
  };
  const loop = startBackgroundLoop(drain, { ...opts, failed: "outbox consumer pass failed" });
  return { drain: loop.runNow, stop: loop.stop };
}
