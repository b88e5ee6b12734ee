import type { Hex } from "viem";
import { registry } from "../handlers/registry.js";
import type { DecodedLog } from "../handlers/decode.js";
import type { FollowedContract, Handler, LogContext } from "../handlers/types.js";
import type { RawBlock, RawLog, RawReceipt, RawTransaction, Rpc } from "../rpc/client.js";
import type { BlockRow, TransactionRow } from "../store/tables.js";
import { createBatchOutput, type Batch } from "./batch.js";

/** Ranges at most this long are read header by header, so the whole parent-hash chain is checked. */
export const FULL_HEADER_RANGE = 64n;

export type FetchResult =
  | { kind: "ok"; batch: Batch }
  /** The first block's parent is not the block we stand on: the chain reorganised below us. */
  | { kind: "reorg" }
  /** The node's chain changed while we read (a block vanished or hashes disagree): read again. */
  | { kind: "moved"; reason: string };

export interface FetchContext {
  rpc: Rpc;
  chainId: number;
  /** Followed contracts by lowercase address; discoveries are added as they are found. */
  contracts: Map<Hex, FollowedContract>;
}

/**
 * Reads one block range in two round trips: the logs of every followed contract (one
 * eth_getLogs, plus one more per round of factory discoveries; the headers it needs are read
 * meanwhile), then, for the logs a handler takes, their blocks with transactions and their
 * transactions' receipts (JSON-RPC batches). Runs the handlers in (block, logIndex) order and
 * returns the batch; writes nothing.
 */
export async function fetchRange(ctx: FetchContext, fromBlock: bigint, toBlock: bigint, parent: { number: bigint; hash: Hex }): Promise<FetchResult> {
  const { rpc } = ctx;
  const full = toBlock - fromBlock + 1n <= FULL_HEADER_RANGE;
  const headersP = rpc.headers(full ? range(fromBlock, toBlock) : [fromBlock, toBlock]);
  let logs = await rpc.logs([...ctx.contracts.keys()], fromBlock, toBlock);

  // Factory discoveries: new contracts are followed from their creation block, in this range too.
  const discovered = new Map<Hex, FollowedContract>();
  for (let round = logs; round.length;) {
    const found = discover(ctx, round, discovered);
    if (found.length === 0) break;
    const from = found.reduce((min, c) => (c.fromBlock < min ? c.fromBlock : min), toBlock);
    round = await rpc.logs(
      found.map((c) => c.address),
      from,
      toBlock,
    );
    logs = logs.concat(round);
  }
  logs = inChainOrder(logs);

  // Decode first: only the transactions of logs a handler takes are read.
  const handled: Array<{ log: RawLog; contract: FollowedContract; decoded: DecodedLog; handler: Handler<never> }> = [];
  const txsByBlock = new Map<bigint, Hex[]>();
  for (const log of logs) {
    const address = log.address.toLowerCase() as Hex;
    const contract = ctx.contracts.get(address) ?? discovered.get(address);
    if (!contract) continue;
    const kind = registry[contract.kind];
    const decoded = kind.decode(log);
    const handler = decoded && kind.handlers[decoded.eventName];
    if (!decoded || !handler) continue;
    handled.push({ log, contract, decoded, handler: handler as Handler<never> });
    const n = BigInt(log.blockNumber);
    const txs = txsByBlock.get(n);
    if (!txs) txsByBlock.set(n, [log.transactionHash]);
    else if (txs[txs.length - 1] !== log.transactionHash) txs.push(log.transactionHash); // a tx's logs are adjacent
  }
  const logBlocks = [...txsByBlock.keys()];
  const [headers, blocks, receipts] = await Promise.all([headersP, rpc.blocksWithTransactions(logBlocks), rpc.receipts(txsByBlock)]);

  if (headers.some((h) => h === null)) return { kind: "moved", reason: "a block in the range is gone" };
  const byNumber = new Map<bigint, RawBlock<Hex | RawTransaction>>();
  for (const h of headers as RawBlock[]) byNumber.set(BigInt(h.number), h);
  if (byNumber.get(fromBlock)!.parentHash !== parent.hash) return { kind: "reorg" };
  if (full) {
    for (let n = fromBlock + 1n; n <= toBlock; n++) {
      if (byNumber.get(n)!.parentHash !== byNumber.get(n - 1n)!.hash) return { kind: "moved", reason: "broken parent chain" };
    }
  }
  const txs = new Map<Hex, RawTransaction>();
  for (const [i, block] of blocks.entries()) {
    const n = logBlocks[i]!;
    if (!block) return { kind: "moved", reason: `block ${n} is gone` };
    const known = byNumber.get(n);
    if (known && known.hash !== block.hash) return { kind: "moved", reason: `block ${n} changed` };
    byNumber.set(n, block);
    for (const tx of block.transactions) txs.set(tx.hash, tx);
  }
  const receiptsByTx = new Map<Hex, RawReceipt>();
  for (const r of receipts) {
    if (r.blockHash !== byNumber.get(BigInt(r.blockNumber))?.hash) return { kind: "moved", reason: `receipt of ${r.transactionHash} changed` };
    receiptsByTx.set(r.transactionHash, r);
  }

  const last = byNumber.get(toBlock)!;
  const batch: Batch = {
    chainId: ctx.chainId,
    fromBlock,
    to: { number: toBlock, hash: last.hash, timestamp: timestamp(last) },
    blocks: [...byNumber.values()].map((b) => blockRow(ctx.chainId, b)),
    transactions: [],
    contracts: [],
    rows: new Map(),
    facts: [],
    touched: new Map(),
    logCount: 0,
  };
  const out = createBatchOutput(batch, () => {});
  const seenTx = new Set<Hex>();
  for (const { log, contract, decoded, handler } of handled) {
    const block = byNumber.get(BigInt(log.blockNumber))!;
    if (log.removed || log.blockHash !== block.hash) return { kind: "moved", reason: `log of block ${block.number} changed` };
    const logCtx: LogContext = {
      chainId: ctx.chainId,
      address: contract.address,
      contract,
      blockNumber: BigInt(log.blockNumber),
      blockHash: log.blockHash,
      blockTimestamp: timestamp(block),
      txHash: log.transactionHash,
      logIndex: Number(log.logIndex),
    };
    handler(decoded.args as never, logCtx, out);
    batch.logCount++;
    if (!seenTx.has(log.transactionHash)) {
      seenTx.add(log.transactionHash);
      const tx = txs.get(log.transactionHash);
      const receipt = receiptsByTx.get(log.transactionHash);
      if (!tx || !receipt) return { kind: "moved", reason: `transaction ${log.transactionHash} not found` };
      batch.transactions.push(transactionRow(ctx.chainId, tx, receipt));
    }
  }
  for (const [address, contract] of discovered) ctx.contracts.set(address, contract);
  return { kind: "ok", batch };
}

/** Factory logs that create events: the contracts to follow from their block on. */
function discover(ctx: FetchContext, logs: RawLog[], discovered: Map<Hex, FollowedContract>): FollowedContract[] {
  const found: FollowedContract[] = [];
  for (const log of logs) {
    const address = log.address.toLowerCase() as Hex;
    const factory = ctx.contracts.get(address);
    if (factory?.kind !== "factory") continue;
    const decoded = registry.factory.decode(log);
    if (decoded?.eventName !== "EventCreated") continue;
    const args = decoded.args as { eventId: bigint; ticket: Hex; split: Hex };
    const common = { eventId: args.eventId, factoryAddress: address, fromBlock: BigInt(log.blockNumber) };
    for (const [a, kind] of [
      [args.ticket, "event_ticket"],
      [args.split, "revenue_split"],
    ] as const) {
      const lower = a.toLowerCase() as Hex;
      if (ctx.contracts.has(lower) || discovered.has(lower)) continue;
      const contract: FollowedContract = { address: lower, kind, ...common };
      discovered.set(lower, contract);
      found.push(contract);
    }
  }
  return found;
}

/**
 * Logs in (block, log index) order. Nodes answer eth_getLogs in that order, so usually this
 * is one pass that checks it; logs of discovered contracts (a later round) are then sorted in,
 * each position parsed once rather than in every comparison. Block numbers fit a double.
 */
function inChainOrder(logs: RawLog[]): RawLog[] {
  const position = (log: RawLog) => Number(log.blockNumber) * 2 ** 20 + Number(log.logIndex);
  let ordered = true;
  for (let i = 1, last = logs.length ? position(logs[0]!) : 0; i < logs.length && ordered; i++) {
    const p = position(logs[i]!);
    ordered = p > last;
    last = p;
  }
  if (ordered) return logs;
  const keyed = logs.map((log) => ({ log, block: Number(log.blockNumber), index: Number(log.logIndex) }));
  keyed.sort((a, b) => a.block - b.block || a.index - b.index);
  return keyed.map((k) => k.log);
}

function range(from: bigint, to: bigint): bigint[] {
  const out: bigint[] = [];
  for (let n = from; n <= to; n++) out.push(n);
  return out;
}

const timestamp = (b: { timestamp: Hex }) => new Date(Number(BigInt(b.timestamp)) * 1000);

function blockRow(chainId: number, b: RawBlock<unknown>): BlockRow {
  return { chain_id: chainId, number: BigInt(b.number), hash: b.hash, parent_hash: b.parentHash, timestamp: timestamp(b) };
}

function transactionRow(chainId: number, tx: RawTransaction, r: RawReceipt): TransactionRow {
  return {
    chain_id: chainId,
    hash: tx.hash,
    block_number: BigInt(r.blockNumber),
    block_hash: r.blockHash,
    transaction_index: Number(r.transactionIndex),
    from_address: tx.from.toLowerCase() as Hex,
    to_address: tx.to ? (tx.to.toLowerCase() as Hex) : null,
    value: BigInt(tx.value),
    gas_used: BigInt(r.gasUsed),
    effective_gas_price: BigInt(r.effectiveGasPrice ?? "0x0"),
    status: r.status === "0x1" ? "success" : "reverted",
  };
}
