import { OperatorError } from "./errors.js";
import { createPublicClient, defineChain, http, type Chain, type PublicClient } from "viem";

export type { PublicClient };

export class ChainUnreachableError extends OperatorError {
  constructor(url: string, cause: unknown) {
    super(`chain RPC unreachable at ${url}: ${(cause as Error)?.message?.split("\n")[0] ?? cause}`, { cause });
  }
}

/** Local dev chains (Hardhat, Anvil) reorg only when a test tells them to. */
export const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

export function chainDefinition(id: number, rpcUrl: string): Chain {
  return defineChain({
    id,
    name: LOCAL_CHAIN_IDS.has(id) ? "local" : `chain-${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/**
 * A viem public client for `rpcUrl`, with the chain id asked from the node itself, so a
 * wrong or dead URL fails here with one clear line instead of deep inside a query.
 */
export async function connectChain(rpcUrl: string, opts: { timeoutMs?: number; retryCount?: number } = {}): Promise<{ client: PublicClient; chainId: number }> {
  const probe = createPublicClient({ transport: http(rpcUrl, { timeout: opts.timeoutMs ?? 5000, retryCount: 0 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (error) {
    throw new ChainUnreachableError(rpcUrl, error);
  }
  const client = createPublicClient({
    chain: chainDefinition(chainId, rpcUrl),
    transport: http(rpcUrl, { timeout: opts.timeoutMs ?? 10_000, retryCount: opts.retryCount ?? 3 }),
  });
  return { client, chainId };
}

/** Waits until an RPC endpoint answers (a node that is still starting), or throws. */
export async function waitForChain(rpcUrl: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await connectChain(rpcUrl, { timeoutMs: 1000 })).chainId;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
