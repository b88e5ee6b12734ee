import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, portInUse } from "../../lib/net.js";
import { projectRoot } from "../../scripts/support/local-chain.js";

/** Every live descendant of `pid`, read from /proc (children first found through their ppid). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ")"
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) {
      if (parent !== p) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) Z /.test(state); // a zombie has exited
  } catch {
    return false;
  }
};

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("npm start: SIGTERM stops the whole stack", function () {
  this.timeout(240_000);
  let start: ChildProcess | undefined;
  let dir: string;
  let output = "";
  let pids: number[] = [];

  after(() => {
    // a failed run must not leave its stack behind either
    for (const pid of [start?.pid ?? 0, ...pids]) if (pid && alive(pid)) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves no process and no port behind", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "festival-start-"));
    const ports = { api: await freePort(), chain: await freePort(), postgres: await freePort() };
    start = spawn("npm", ["start"], {
      cwd: projectRoot,
      env: {
        ...process.env,
        PORT: String(ports.api),
        CHAIN_NODE_PORT: String(ports.chain),
        EMBEDDED_PG_PORT: String(ports.postgres),
        EMBEDDED_PG_DIR: path.join(dir, "postgres"),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    start.stdout!.on("data", (c: Buffer) => (output += c));
    start.stderr!.on("data", (c: Buffer) => (output += c));
    const exited = new Promise<number | null>((resolve) => start!.once("exit", (code) => resolve(code)));

    await waitFor(`/ready (output so far:\n${output})`, 200_000, async () => {
      if (start!.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      return fetch(`http://127.0.0.1:${ports.api}/ready`).then(
        (r) => r.ok,
        () => false,
      );
    });
    pids = descendants(start.pid!);
    // npm, then node (start.ts), a Hardhat node, postgres, the indexer and the API at least
    assert.ok(pids.length >= 5, `expected the stack's processes under npm, got ${pids.length}`);

    start.kill("SIGTERM");
    await exited;
    await waitFor("every child to exit", 15_000, () => pids.every((pid) => !alive(pid)));
    for (const [name, port] of Object.entries(ports)) {
      const holder = () => execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" }).trim();
      // a listener closes a moment after its process is reaped; an orphan never lets go
      await waitFor(`${name} port ${port} to be free`, 5000, async () => !(await portInUse(port))).catch(() => {
        assert.fail(`${name} port ${port} still in use: ${holder()} (stack pids ${pids.join(" ")})`);
      });
    }
  });
});
