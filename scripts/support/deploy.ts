import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { PublicClient } from "viem";
import { findDeploymentBlock } from "../../lib/deployment.js";
import { hardhatCli, projectRoot } from "./local-chain.js";

const MODULE = "ignition/modules/Platform.ts";
const FACTORY_KEY = "Platform#EventFactory";

export interface PlatformDeployment {
  factory: `0x${string}`;
  deployBlock: bigint;
  reused: boolean;
}

/**
 * Deploys the platform (implementations + factory) with Hardhat Ignition, once per chain.
 * A deployment recorded for this chain id is reused when its factory still has code
 * (a persistent chain); a record left over from a previous, in-memory node is discarded.
 */
export async function deployPlatform(opts: {
  rpcUrl: string;
  chainId: number;
  client: PublicClient;
  onOutput?: (line: string) => void;
}): Promise<PlatformDeployment> {
  const deploymentId = `chain-${opts.chainId}`;
  const dir = path.join(projectRoot, "ignition", "deployments", deploymentId);
  const recorded = readFactoryAddress(dir);
  if (recorded && (await hasCode(opts.client, recorded))) {
    return { factory: recorded, deployBlock: await findDeploymentBlock(opts.client, recorded), reused: true };
  }
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });

  await runHardhat(
    ["ignition", "deploy", MODULE, "--network", "localhost", "--deployment-id", deploymentId],
    {
      CHAIN_RPC_URL: opts.rpcUrl,
    },
    opts.onOutput,
  );
  const factory = readFactoryAddress(dir);
  if (!factory) throw new Error(`Ignition finished but ${FACTORY_KEY} is not in ${dir}/deployed_addresses.json`);
  return { factory, deployBlock: await findDeploymentBlock(opts.client, factory), reused: false };
}

function readFactoryAddress(dir: string): `0x${string}` | undefined {
  const file = path.join(dir, "deployed_addresses.json");
  if (!existsSync(file)) return undefined;
  const address = (JSON.parse(readFileSync(file, "utf8")) as Record<string, string>)[FACTORY_KEY];
  return address ? (address.toLowerCase() as `0x${string}`) : undefined;
}

async function hasCode(client: PublicClient, address: `0x${string}`): Promise<boolean> {
  const code = await client.getCode({ address });
  return code !== undefined && code !== "0x";
}

function runHardhat(args: string[], env: Record<string, string>, onOutput?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hardhatCli, ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin!.end("y\n"); // Ignition asks to confirm deployments to non-Hardhat networks
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (onOutput) for (const line of chunk.toString().split("\n")) if (line.trim()) onOutput(line);
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`hardhat ${args.join(" ")} failed (code ${code}):\n${output.trim().slice(-2000)}`)),
    );
  });
}
