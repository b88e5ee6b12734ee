import { OperatorError } from "./errors.js";

/**
 * Runs `cleanup` once on SIGINT/SIGTERM, or when the parent that spawned us goes away
 * (npm start's IPC channel closes), so no process is left behind.
 */
export function onShutdown(cleanup: () => Promise<void>): void {
  let done = false;
  const run = async () => {
    if (done) return;
    done = true;
    try {
      await cleanup();
    } finally {
      process.exit(0);
    }
  };
  process.once("SIGINT", run);
  process.once("SIGTERM", run);
  if (process.send) process.once("disconnect", run);
}

const PORT_IN_USE = "EADDRINUSE";

/** Ends the process with one clear line for known failures, a stack only for bugs. */
export function exitOnFatal(component: string): (error: unknown) => never {
  return (error) => {
    const e = error as NodeJS.ErrnoException & { port?: number };
    if (error instanceof OperatorError) console.error(`${component}: ${error.message}`);
    else if (e?.code === PORT_IN_USE) console.error(`${component}: port ${e.port ?? ""} is already in use (set PORT to another port)`);
    else console.error(`${component}: fatal:`, error);
    process.exit(1);
  };
}
