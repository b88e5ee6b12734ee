import { numberToHex, RpcRequestError, type Hex } from "viem";
import { getHttpRpcClient } from "viem/utils";
import { isRetryable, withRetry, type RetryOptions } from "./retry.js";

/**
 * The few JSON-RPC reads the indexer makes, as raw requests (no per-field formatting of
 * thousands of logs). Reads of many items go out as explicit JSON-RPC batches (one HTTP
 * request and one JSON.parse per chunk, no per-call promise machinery) and are retried
 * with backoff as a whole. Every method may be called concurrently.
 */
export interface RawLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  transactionIndex: Hex;
  logIndex: Hex;
  removed?: boolean;
}

export interface RawTransaction {
  hash: Hex;
  from: Hex;
  to: Hex | null;
  value: Hex;
  transactionIndex: Hex;
}

export interface RawBlock<Tx = Hex> {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  timestamp: Hex;
  transactions: Tx[];
}

export interface RawReceipt {
  transactionHash: Hex;
  transactionIndex: Hex;
  blockHash: Hex;
  blockNumber: Hex;
  from: Hex;
  to: Hex | null;
  gasUsed: Hex;
  effectiveGasPrice: Hex;
  status: Hex;
}

export interface Rpc {
  url: string;
  chainId(): Promise<number>;
  blockNumber(): Promise<bigint>;
  /** A block header, or null when the node has no block at that number (yet, or any more). */
  header(number: bigint | "latest"): Promise<RawBlock | null>;
  /** Headers in the order asked, null where the node has no such block. */
  headers(numbers: readonly bigint[]): Promise<Array<RawBlock | null>>;
  blocksWithTransactions(numbers: readonly bigint[]): Promise<Array<RawBlock<RawTransaction> | null>>;
  /**
   * Receipts of the given transactions, grouped by block: one eth_getBlockReceipts per block
   * where the node has it (every receipt of the block), else one eth_getTransactionReceipt
   * per transaction asked for.
   */
  receipts(byBlock: ReadonlyMap<bigint, readonly Hex[]>): Promise<RawReceipt[]>;
  logs(addresses: readonly Hex[], fromBlock: bigint, toBlock: bigint): Promise<RawLog[]>;
}

type Call = { method: string; params: unknown[] };

export function createRpc(opts: { url: string; timeoutMs?: number; batchSize?: number; retry?: Omit<RetryOptions, "label"> }): Rpc {
  // maxResponseBodySize false: the body is read whole (one UTF-8 decode; viem's default streams it
  // through a TextDecoder chunk by chunk, about a sixth of the indexer's CPU, and refuses answers
  // over 10 MB, which a batch of 500 receipts of big transactions can be)
  const http = getHttpRpcClient(opts.url, { timeout: opts.timeoutMs ?? 10_000, maxResponseBodySize: false });
  const batchSize = opts.batchSize ?? 500;
  let nextId = 0;

  /** One HTTP request; the calls' results in order. A call answered with an error fails it all. */
  async function send<T>(calls: readonly Call[]): Promise<T[]> {
    const body = calls.map((c) => ({ ...c, id: nextId++ }));
    const replies = (await http.request({ body })) as Array<{ id: number; result?: T; error?: { code: number; message: string } }>;
    const byId = new Map(replies.map((r) => [r.id, r]));
    return body.map((b, i) => {
      const reply = byId.get(b.id) ?? replies[i]; // a server rejecting the whole batch answers without ids
      if (!reply) throw new RpcRequestError({ body: b, error: { code: -32603, message: "no reply in batch" }, url: opts.url });
      if (reply.error) throw new RpcRequestError({ body: b, error: reply.error, url: opts.url });
      return reply.result as T;
    });
  }

  /** Any number of calls: chunks of `batchSize`, sent concurrently, each retried as a whole. */
  async function many<T>(calls: readonly Call[], retry: Partial<RetryOptions> = {}): Promise<T[]> {
    if (calls.length === 0) return [];
    const chunks: Call[][] = [];
    for (let i = 0; i < calls.length; i += batchSize) chunks.push(calls.slice(i, i + batchSize));
    const label = calls[0]!.method;
    const results = await Promise.all(chunks.map((chunk) => withRetry(() => send<T>(chunk), { ...opts.retry, label, ...retry })));
    return results.flat();
  }

  const one = async <T>(method: string, params: unknown[], retry?: Partial<RetryOptions>): Promise<T> => (await many<T>([{ method, params }], retry))[0]!;

  let receiptsByBlock: Promise<boolean> | undefined; // does the node know eth_getBlockReceipts?

  /**
   * eth_getLogs over a range; a range the node cannot answer in time (or refuses as too
   * large) is split in halves, down to single blocks, which are retried like any request.
   */
  async function getLogs(addresses: readonly Hex[], fromBlock: bigint, toBlock: bigint): Promise<RawLog[]> {
    if (addresses.length === 0) return [];
    const params = [{ address: addresses, fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock) }];
    if (fromBlock === toBlock) return one<RawLog[]>("eth_getLogs", params);
    try {
      return await one<RawLog[]>("eth_getLogs", params, { maxAttempts: 1 });
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const mid = fromBlock + (toBlock - fromBlock) / 2n;
      const [a, b] = await Promise.all([getLogs(addresses, fromBlock, mid), getLogs(addresses, mid + 1n, toBlock)]);
      return a.concat(b);
    }
  }

  return {
    url: opts.url,
    chainId: async () => Number(await one<Hex>("eth_chainId", [])),
    blockNumber: async () => BigInt(await one<Hex>("eth_blockNumber", [])),
    header: (number) => one<RawBlock | null>("eth_getBlockByNumber", [tag(number), false]),
    headers: (numbers) => many<RawBlock | null>(numbers.map((n) => ({ method: "eth_getBlockByNumber", params: [tag(n), false] }))),
    blocksWithTransactions: (numbers) =>
      many<RawBlock<RawTransaction> | null>(numbers.map((n) => ({ method: "eth_getBlockByNumber", params: [tag(n), true] }))),
    async receipts(byBlock) {
      receiptsByBlock ??= send([{ method: "eth_getBlockReceipts", params: ["latest"] }]).then(
        () => true,
        () => false,
      );
      if (await receiptsByBlock) {
        const perBlock = await many<RawReceipt[] | null>([...byBlock.keys()].map((n) => ({ method: "eth_getBlockReceipts", params: [tag(n)] })));
        return perBlock.flatMap((r) => r ?? []);
      }
      const hashes = [...byBlock.values()].flat();
      const receipts = await many<RawReceipt | null>(hashes.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })));
      return receipts.filter((r): r is RawReceipt => r !== null);
    },
    logs: (addresses, fromBlock, toBlock) => getLogs(addresses, fromBlock, toBlock),
  };
}

function tag(number: bigint | "latest"): string {
  return number === "latest" ? "latest" : numberToHex(number);
}
