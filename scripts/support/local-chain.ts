import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { waitForChain } from "../../lib/chain.js";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Hardhat's CLI, run with this process's Node (22) rather than whatever `npx` finds. */
export const hardhatCli = path.join(projectRoot, "node_modules/hardhat/dist/src/cli.js");

export interface LocalChain {
  url: string;
  chainId: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A Hardhat node (real EVM, automine) on 127.0.0.1:port, ready when this resolves. */
export async function startLocalChain(opts: { port: number; onOutput?: (line: string) => void }): Promise<LocalChain> {
  const child = spawn(process.execPath, [hardhatCli, "node", "--hostname", "127.0.0.1", "--port", String(opts.port)], {
    cwd: projectRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    if (opts.onOutput) for (const line of chunk.toString().split("\n")) if (line.trim()) opts.onOutput(line);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`hardhat node exited (code ${code}) before it was ready:\n${output.trim()}`))),
  );
  const url = `http://127.0.0.1:${opts.port}`;
  const chainId = await Promise.race([waitForChain(url, 60_000), exited]);
  return { url, chainId, process: child, stop: () => stopChild(child) };
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
