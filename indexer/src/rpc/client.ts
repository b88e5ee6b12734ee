import { createPublicClient, http, numberToHex, type Hex } from "viem";
import { isRetryable, withRetry, type RetryOptions } from "./retry.js";

/**
 * The few JSON-RPC reads the indexer makes, as raw requests (no per-field formatting of
 * thousands of logs), batched by the transport (concurrent calls share one HTTP request)
 * and retried with backoff. Every method may be called concurrently.
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
  blockWithTransactions(number: bigint): Promise<RawBlock<RawTransaction> | null>;
  blockReceipts(number: bigint): Promise<RawReceipt[]>;
  logs(addresses: readonly Hex[], fromBlock: bigint, toBlock: bigint): Promise<RawLog[]>;
}

export function createRpc(opts: {
  url: string;
  timeoutMs?: number;
  batchSize?: number;
  retry?: Omit<RetryOptions, "label">;
}): Rpc {
  const client = createPublicClient({
    transport: http(opts.url, {
      timeout: opts.timeoutMs ?? 10_000,
      retryCount: 0, // retries are ours: unbounded, with backoff, logged
      batch: { batchSize: opts.batchSize ?? 500, wait: 0 },
    }),
  });
  const request = <T>(method: string, params: unknown[]): Promise<T> =>
    withRetry(
      () => client.request({ method, params } as never, { retryCount: 0, dedupe: false }) as Promise<T>,
      { ...opts.retry, label: method },
    );
  let receiptsByBlock: Promise<boolean> | undefined; // does the node know eth_getBlockReceipts?

  /**
   * eth_getLogs over a range; a range the node cannot answer in time (or refuses as too
   * large) is split in halves, down to single blocks, which are retried like any request.
   */
  async function getLogs(addresses: readonly Hex[], fromBlock: bigint, toBlock: bigint): Promise<RawLog[]> {
    if (addresses.length === 0) return [];
    const params = [{ address: addresses, fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock) }];
    if (fromBlock === toBlock) return request<RawLog[]>("eth_getLogs", params);
    try {
      return await withRetry(
        () => client.request({ method: "eth_getLogs", params } as never, { retryCount: 0, dedupe: false }) as Promise<RawLog[]>,
        { ...opts.retry, label: "eth_getLogs", maxAttempts: 1 },
      );
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const mid = fromBlock + (toBlock - fromBlock) / 2n;
      const [a, b] = await Promise.all([getLogs(addresses, fromBlock, mid), getLogs(addresses, mid + 1n, toBlock)]);
      return a.concat(b);
    }
  }

  return {
    url: opts.url,
    chainId: async () => Number(await request<Hex>("eth_chainId", [])),
    blockNumber: async () => BigInt(await request<Hex>("eth_blockNumber", [])),
    header: (number) => request<RawBlock | null>("eth_getBlockByNumber", [tag(number), false]),
    blockWithTransactions: (number) =>
      request<RawBlock<RawTransaction> | null>("eth_getBlockByNumber", [tag(number), true]),
    async blockReceipts(number) {
      // eth_getBlockReceipts where the node has it (one call per block), else one receipt per transaction
      receiptsByBlock ??= client
        .request({ method: "eth_getBlockReceipts", params: ["latest"] } as never, { retryCount: 0 })
        .then(() => true, () => false);
      if (await receiptsByBlock) return (await request<RawReceipt[] | null>("eth_getBlockReceipts", [tag(number)])) ?? [];
      const block = await request<RawBlock | null>("eth_getBlockByNumber", [tag(number), false]);
      if (!block) return [];
      return Promise.all(block.transactions.map((hash) => request<RawReceipt>("eth_getTransactionReceipt", [hash])));
    },
    logs: (addresses, fromBlock, toBlock) => getLogs(addresses, fromBlock, toBlock),
  };
}

function tag(number: bigint | "latest"): string {
  return number === "latest" ? "latest" : numberToHex(number);
}
