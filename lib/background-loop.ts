import type { Logger } from "./logger.js";

export interface BackgroundLoop<T> {
  /** One pass now, after the one under way (tests call it directly); its error reaches the caller. */
  runNow(): Promise<T>;
  /** No further pass; resolves once the one under way is done. */
  stop(): Promise<void>;
}

/**
 * A pass repeated every `intervalMs` after the previous one ended (never two at once); a
 * failing pass is logged as `failed` and the next one runs. `autoStart: false` leaves the
 * passes to runNow (tests).
 */
export function startBackgroundLoop<T>(
  pass: () => Promise<T>,
  opts: { intervalMs: number; log: Logger; failed: string; autoStart?: boolean },
): BackgroundLoop<T> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const loop = async () => {
    if (stopped) return;
    running = pass().catch((error) => opts.log.error({ err: error }, opts.failed));
    await running;
    if (!stopped) timer = setTimeout(loop, opts.intervalMs);
  };
  if (opts.autoStart !== false) timer = setTimeout(loop, opts.intervalMs);
  return {
    runNow: () => {
      const now = running.then(pass);
      running = now.catch(() => {});
      return now;
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
