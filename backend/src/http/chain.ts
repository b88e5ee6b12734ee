import type { PublicClient } from "viem";
import { HttpError } from "./errors.js";

/** The chain an API process talks to (absent when none is configured: chain-backed routes answer 503). */
export interface ChainDeps {
  client: PublicClient;
  chainId: number;
}

export function requireChain(deps: { chain?: ChainDeps }): ChainDeps {
  if (!deps.chain) throw new HttpError(503, "chain_unavailable", "no chain is configured for this API (CHAIN_RPC_URL)");
  return deps.chain;
}
