import type pg from "pg";
import type { Hex } from "viem";
import type { Rpc } from "../rpc/client.js";

export class NoCommonAncestorError extends Error {}

/**
 * The highest stored block that is still on the node's chain. Walks chain_blocks downward
 * from `below` (inclusive), comparing stored hashes with the node's, a page at a time.
 * Invariant: if a stored block's hash is on the node's chain, every block under it is too
 * (each hash commits to its parent), so everything above the ancestor — and only that —
 * must be undone. The starting block (the factory's parent) is always stored, so the walk ends.
 */
export async function findCommonAncestor(rpc: Rpc, pool: pg.Pool, chainId: number, below: bigint): Promise<{ number: bigint; hash: Hex; timestamp: Date }> {
  const PAGE = 32;
  let top = below;
  for (;;) {
    const { rows } = await pool.query<{ number: string; hash: Hex; timestamp: Date }>(
      `select number::text, hash, timestamp from chain_blocks b where chain_id = $1 and b.number <= $2 order by b.number desc limit ${PAGE}`,
      [chainId, top.toString()],
    );
    if (rows.length === 0) throw new NoCommonAncestorError(`no stored block of chain ${chainId} is on the node's chain`);
    const onChain = await rpc.headers(rows.map((r) => BigInt(r.number)).filter((n) => n >= 0n));
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (BigInt(row.number) < 0n || onChain[i]?.hash === row.hash) {
        return { number: BigInt(row.number), hash: row.hash, timestamp: row.timestamp };
      }
    }
    top = BigInt(rows[rows.length - 1]!.number) - 1n;
  }
}
