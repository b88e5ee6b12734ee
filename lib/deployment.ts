import type { PublicClient } from "viem";

/**
 * The block a contract was deployed in, found by binary search over eth_getCode, for
 * chains where FACTORY_DEPLOY_BLOCK was not configured (needs state at past blocks:
 * any local node, or an archive node).
 */
export async function findDeploymentBlock(client: PublicClient, address: `0x${string}`): Promise<bigint> {
  let high = await client.getBlockNumber({ cacheTime: 0 });
  if (!(await hasCode(client, address, high))) throw new Error(`no contract at ${address} on this chain`);
  let low = 0n;
  while (low < high) {
    const mid = (low + high) / 2n;
    if (await hasCode(client, address, mid)) high = mid;
    else low = mid + 1n;
  }
  return low;
}

async function hasCode(client: PublicClient, address: `0x${string}`, blockNumber: bigint): Promise<boolean> {
  const code = await client.getCode({ address, blockNumber });
  return code !== undefined && code !== "0x";
}
