import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../lib/net.js";

export interface ApiProcess {
  base: string;
  child: ChildProcess;
  /** SIGTERM, resolved once it exited. */
  stop(): Promise<void>;
}

/** An `npm run api` process (backend/src/server.ts) of its own on a free port, against `databaseUrl`; resolves once /health answers. */
/** `logFd`: a file descriptor its output goes to (else it is dropped). */
export async function startApiProcess(databaseUrl: string, env: NodeJS.ProcessEnv = {}, logFd?: number): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "backend/src/server.ts"], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: "127.0.0.1", CHAIN_RPC_URL: "", LOG_LEVEL: "silent", ...env },
    stdio: logFd === undefined ? "ignore" : ["ignore", logFd, logFd],
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { base, child, stop };
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`the API process on port ${port} did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
