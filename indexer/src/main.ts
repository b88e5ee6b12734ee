import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Hex } from "viem";
import { connectChain } from "../../lib/chain.js";
import { loadConfig } from "../../lib/config.js";
import { assertDatabaseReachable } from "../../lib/database.js";
import { findDeploymentBlock } from "../../lib/deployment.js";
import { OperatorError } from "../../lib/errors.js";
import { createLogger } from "../../lib/logger.js";
import { exitOnFatal, onShutdown } from "../../lib/process.js";
import { createIndexer } from "./indexer.js";
import { createMetrics } from "./metrics.js";

/**
 * `npm run indexer` (also forked by `npm start`): mirrors the platform's contracts into
 * Postgres. Needs DATABASE_URL and CHAIN_RPC_URL; FACTORY_ADDRESS defaults to the Ignition
 * deployment of this chain, FACTORY_DEPLOY_BLOCK to the block the factory's code appeared in.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger("indexer", config.logLevel);
  if (!config.database.url) throw new OperatorError("DATABASE_URL is not set (npm start sets it; alone, point it at the platform's database)");
  const rpcUrl = config.chain.rpcUrl ?? `http://127.0.0.1:${config.chain.localNodePort}`;
  await assertDatabaseReachable(config.database.url);
  const { client, chainId } = await connectChain(rpcUrl);
  const factoryAddress = config.chain.factoryAddress ?? ignitionFactory(chainId);
  if (!factoryAddress) {
    throw new OperatorError(`FACTORY_ADDRESS is not set and no Ignition deployment is recorded for chain ${chainId}`);
  }
  const deployBlock = config.chain.factoryDeployBlock ?? (await findDeploymentBlock(client, factoryAddress));

  const metrics = createMetrics();
  const server = config.indexer.metricsPort ? await metrics.serve(config.indexer.metricsPort) : undefined;
  const indexer = createIndexer({
    rpcUrl,
    databaseUrl: config.database.url,
    factoryAddress,
    deployBlock,
    confirmations: config.indexer.confirmations,
    pollIntervalMs: config.indexer.pollIntervalMs,
    batchBlocks: config.indexer.batchBlocks,
    log,
    metrics,
  });
  onShutdown(async () => {
    log.info("stopping");
    await indexer.stop();
    server?.close();
  });
  log.info(
    { chainId, factory: factoryAddress, fromBlock: deployBlock.toString(), metrics: server ? `http://127.0.0.1:${config.indexer.metricsPort}/metrics` : "off" },
    "indexer starting",
  );
  await indexer.run();
}

function ignitionFactory(chainId: number): Hex | undefined {
  const file = path.resolve("ignition", "deployments", `chain-${chainId}`, "deployed_addresses.json");
  if (!existsSync(file)) return undefined;
  const address = (JSON.parse(readFileSync(file, "utf8")) as Record<string, string>)["Platform#EventFactory"];
  return address ? (address.toLowerCase() as Hex) : undefined;
}

main().catch(exitOnFatal("indexer"));
