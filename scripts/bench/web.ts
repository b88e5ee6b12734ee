/**
 * `npm run bench:web`: the web pages' weight and speed.
 *
 * - jsKbGzipped (per page): the JavaScript a page needs, gzipped (level 9), from Vite's manifest:
 *   the shell, the page's chunk and every chunk they import; for the scanner also what it loads to
 *   scan and to work offline (the QR decoder's worker, the offline verifier).
 * - passRenderMs: a fan has signed in with her wallet; from opening her pass to the QR on screen
 *   (the wallet signs the pass in the page), median of 5 loads.
 * - scanToVerdictP95Ms: Chromium's fake camera shows a new pass QR (a different ticket each time);
 *   from the camera's start to the verdict painted, 50 scans (POST /gate/scan on the real API).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { parseEventLogs, type Address } from "viem";
import { eventTicketAbi } from "../../lib/abis/EventTicket.js";
import { encodePass, signPass } from "../../backend/src/modules/gate/pass.js";
import { buildWebPages } from "../support/web-build.js";
import { projectRoot } from "../support/local-chain.js";
import { writeBenchReport } from "./report.js";

interface ManifestChunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
}

const SCANS = Number(process.env.BENCH_WEB_SCANS ?? 50);

function pageWeights(): Record<string, number> {
  const dist = path.join(projectRoot, "web", "dist");
  const manifest = JSON.parse(readFileSync(path.join(dist, ".vite", "manifest.json"), "utf8")) as Record<string, ManifestChunk>;
  const gz = (file: string) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
  const closure = (keys: string[], dynamic: (key: string) => boolean) => {
    const seen = new Set<string>();
    const visit = (key: string) => {
      if (seen.has(key) || !manifest[key]) return;
      seen.add(key);
      for (const k of manifest[key]!.imports ?? []) visit(k);
      for (const k of manifest[key]!.dynamicImports ?? []) if (dynamic(k)) visit(k);
    };
    keys.forEach(visit);
    return [...seen];
  };
  const kb = (keys: string[]) => Math.round((keys.reduce((n, k) => n + gz(manifest[k]!.file), 0) / 1024) * 10) / 10;
  const page = (name: string, dynamic: (key: string) => boolean = () => false) =>
    kb(
      closure(["index.html", `src/pages/${name}.tsx`], dynamic).filter(
        (k) => k === "index.html" || !k.startsWith("src/pages/") || k === `src/pages/${name}.tsx`,
      ),
    );
  return {
    home: page("home"),
    edition: page("edition"),
    tickets: page("tickets"),
    pass: page("pass"),
    scannerInitial: page("scan"),
    scanner: page("scan", (k) => k.includes("qr-scanner-worker") || k.includes("offline-gate")),
    organizer: page("organizer"),
    payouts: page("payouts"),
  };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const median = (values: number[]) => percentile(values, 50);

async function main() {
  await buildWebPages({ force: true });
  const weights = pageWeights();
  // the browser world lives in the tests' support code (chain, indexer, API, Chromium)
  // (its database helper registers a mocha root hook to stop Postgres: run it at the end)
  const afterHooks: Array<() => Promise<void>> = [];
  (globalThis as { after?: unknown }).after = (hook: () => Promise<void>) => afterHooks.push(hook.bind({ timeout: () => {} }));
  const { startWebWorld, fundedAccount } = await import("../../test/web/support/world.js");
  const { createSteward, createWebEvent } = await import("../../test/web/support/event.js");
  const { writeQrVideo } = await import("../../test/web/support/y4m.js");
  const { scanOnce } = await import("../../test/web/support/scanner.js");
  const world = await startWebWorld();
  try {
    const event = await createWebEvent(world, { name: "Bench Fest" });
    const fan = await fundedAccount(world, "10");
    // SCANS + 1 tickets in one purchase: one for the pass, one per scan
    const { createWalletClient, http } = await import("viem");
    const { chainDefinition } = await import("../../lib/chain.js");
    const wallet = createWalletClient({ account: fan, chain: chainDefinition(world.chainId, world.chain.url), transport: http(world.chain.url) });
    const quantity = BigInt(SCANS + 1);
    const receipt = await world.client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: event.ticketAddress,
        abi: eventTicketAbi,
        functionName: "purchase",
        args: [1n, quantity, fan.address],
        value: event.price * quantity,
      }),
    });
    const [bought] = parseEventLogs({ abi: eventTicketAbi, eventName: "TicketPurchased", logs: receipt.logs });
    const firstTokenId = bought!.args.firstTokenId;
    const contract = event.ticketAddress as Address;
    // the mirror has them once the indexer has the block
    while (
      !(await world
        .db("chain_tickets")
        .where({ contract_address: contract.toLowerCase(), token_id: (firstTokenId + quantity - 1n).toString() })
        .first())
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }

    // passRenderMs
    const { page } = await world.page({ account: fan });
    await page.goto("/sign-in");
    await page.getByTestId("wallet-sign-in").click();
    await page.getByRole("heading", { name: "My tickets" }).waitFor();
    await page.getByTestId("ticket").first().waitFor({ timeout: 30_000 });
    const renders: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await page.goto(`/pass/${contract}/${firstTokenId}`);
      await page.getByTestId("pass-qr").waitFor();
      renders.push(performance.now() - started);
    }

    // scanToVerdictP95Ms
    const steward = await createSteward(world, event);
    const video = path.join(world.tmp, "bench.y4m");
    const pass = async (tokenId: bigint) =>
      encodePass(
        await signPass(
          fan,
          { chainId: world.chainId, contract, tokenId, holder: fan.address, validUntil: Math.floor(Date.now() / 1000) + 30, nonce: BigInt(Date.now()) },
          "holder",
        ),
      );
    writeQrVideo(video, await pass(firstTokenId + 1n));
    const scannerBrowser = await world.cameraBrowser(video);
    const { page: gate } = await world.page({ browser: scannerBrowser });
    await gate.goto("/scan");
    await gate.getByLabel("Email").fill(steward.email);
    await gate.getByLabel("Password").fill(steward.password);
    await gate.getByRole("button", { name: "Sign in" }).click();
    await gate.getByTestId("zone").waitFor();
    const verdicts: Record<string, number> = {};
    const wall: number[] = [];
    let restarts = 0;
    for (let i = 0; i < SCANS; i++) {
      const started = performance.now();
      if (i > 0) writeQrVideo(video, await pass(firstTokenId + 1n + BigInt(i)));
      const scanned = await scanOnce(gate, { first: i === 0 }).catch(async (error) => {
        await gate.screenshot({ path: path.join(world.tmp, "..", "bench-web-failed.png") });
        throw new Error(`scan ${i + 1} of ${SCANS}: no verdict (${(error as Error).message.split("\n")[0]})`);
      });
      wall.push(performance.now() - started);
      restarts += scanned.restarts;
      verdicts[scanned.verdict] = (verdicts[scanned.verdict] ?? 0) + 1;
    }
    const timings = (await gate.evaluate("window.__scanTimings")) as Array<{ ms: number; decodeMs: number }>;
    await writeBenchReport(
      "web",
      {
        jsKbGzipped: JSON.stringify(weights),
        passKbGzipped: weights.pass!,
        scannerKbGzipped: weights.scanner!,
        passRenderMs: Math.round(median(renders)),
        scanToVerdictP95Ms: Math.round(
          percentile(
            timings.map((t) => t.ms),
            95,
          ),
        ),
        scanToVerdictP50Ms: Math.round(median(timings.map((t) => t.ms))),
        cameraToDecodeP95Ms: Math.round(
          percentile(
            timings.map((t) => t.decodeMs),
            95,
          ),
        ),
        clickToVerdictP95Ms: Math.round(percentile(wall, 95)),
        scans: timings.length,
        admitted: verdicts.admitted ?? 0,
        fakeCameraRestarts: restarts,
      },
      [
        "jsKbGzipped: gzip -9 of the JS each page loads (shell + page + imports); scanner includes the QR worker and the offline verifier",
        "scanToVerdict: from the fake camera's start (a new pass QR in front of it) to the verdict painted; clickToVerdict adds restarting the camera",
        "fakeCameraRestarts: times Chromium's fake camera gave black frames after reopening and was started again (test harness, not the page)",
      ],
    );
    // writeBenchReport keeps figures flat; put the per-page object in too
    const file = path.resolve("reports", "bench", "web.json");
    const report = JSON.parse(readFileSync(file, "utf8"));
    report.figures.jsKbGzipped = weights;
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
  } finally {
    await world.close();
    for (const hook of afterHooks) await hook();
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
