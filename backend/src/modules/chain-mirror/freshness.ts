import type { Knex } from "knex";
import type { PublicClient } from "viem";

/**
 * Is the chain mirror fresh? One meaning for readiness, the gate's scans and pass issuance:
 * the indexer's cursor on that chain is at most `maxLagBlocks` behind the chain's head. The
 * head is the chain's own when this process has a client for that chain and it answers (so a
 * dead indexer counts as lagging), else the head the indexer last saw. Without a cursor the
 * mirror is not fresh: the indexer has never run on that chain.
 */
export interface MirrorFreshness {
  fresh: boolean;
  /** Blocks the mirror is behind the head (>= 0); Infinity without a cursor. */
  lagBlocks: number;
  /** The mirror's block and its timestamp; null without a cursor. */
  block: bigint | null;
  blockTimestamp: Date | null;
}

export interface MirrorChain {
  client: PublicClient;
  chainId: number;
}

export interface FreshnessOptions {
  maxLagBlocks: number;
  chain?: MirrorChain;
  /** The chain's head when the caller has just read it (readiness). */
  head?: bigint;
}

export async function mirrorFreshness(db: Knex, chainId: number, opts: FreshnessOptions): Promise<MirrorFreshness> {
  const cursor = await db("indexer_cursors").where({ chain_id: chainId }).first("block_number", "block_timestamp", "head_block_number");
  if (!cursor) return { fresh: false, lagBlocks: Number.POSITIVE_INFINITY, block: null, blockTimestamp: null };
  let head = opts.head;
  if (head === undefined && opts.chain?.chainId === chainId) {
    head = await opts.chain.client.getBlockNumber({ cacheTime: 1000 }).catch(() => undefined);
  }
  head ??= BigInt(cursor.head_block_number);
  const block = BigInt(cursor.block_number);
  const lagBlocks = head > block ? Number(head - block) : 0;
  return { fresh: lagBlocks <= opts.maxLagBlocks, lagBlocks, block, blockTimestamp: new Date(cursor.block_timestamp) };
}

/** The mirror's block on a chain (null before the indexer's first batch). */
export async function mirrorBlock(db: Knex, chainId: number): Promise<bigint | null> {
  const cursor = await db("indexer_cursors").where({ chain_id: chainId }).first("block_number");
  return cursor ? BigInt(cursor.block_number) : null;
}

/** mirrorFreshness per chain, reused for `ttlMs` (the gate asks on every scan). */
export class CachedMirrorFreshness {
  private readonly cache = new Map<number, { at: number; fresh: boolean }>();

  constructor(
    private readonly db: Knex,
    private readonly opts: { maxLagBlocks: number; chain?: MirrorChain; ttlMs?: number },
  ) {}

  async fresh(chainId: number): Promise<boolean> {
    const hit = this.cache.get(chainId);
    if (hit && Date.now() - hit.at < (this.opts.ttlMs ?? 1000)) return hit.fresh;
    const { fresh } = await mirrorFreshness(this.db, chainId, this.opts);
    this.cache.set(chainId, { at: Date.now(), fresh });
    return fresh;
  }
}
