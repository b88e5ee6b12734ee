import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./local-chain.js";

const webDir = path.join(projectRoot, "web");
const distIndex = path.join(webDir, "dist", "index.html");

/** The newest modification time under `dir` (the pages' sources). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "dist" || entry.name === "node_modules") continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

let building: Promise<boolean> | undefined;

/**
 * Builds the web pages with Vite into web/dist unless that build is newer than every source
 * file; answers whether it built. Once per process.
 */
export function buildWebPages(opts: { force?: boolean } = {}): Promise<boolean> {
  building ??= (async () => {
    if (!opts.force && existsSync(distIndex) && statSync(distIndex).mtimeMs >= newest(webDir)) return false;
    const { build } = await import("vite");
    await build({ configFile: path.join(webDir, "vite.config.ts"), logLevel: "warn" });
    return true;
  })();
  return building;
}
