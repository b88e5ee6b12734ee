import cliProgress from "cli-progress";
import type { Logger } from "../../../lib/logger.js";

/**
 * Backfill progress: a bar (blocks done, events/s, ETA) on a TTY, else a structured log line
 * every few seconds. Realtime sync logs per batch at debug level instead.
 */
export interface Progress {
  update(block: bigint, events: number): void;
  stop(): void;
}

export function createProgress(opts: { from: bigint; to: bigint; log: Logger; tty?: boolean }): Progress {
  const total = Number(opts.to - opts.from + 1n);
  const started = Date.now();
  let events = 0;
  const rate = () => Math.round(events / Math.max((Date.now() - started) / 1000, 0.001));
  if (opts.tty ?? process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: "backfill |{bar}| {value}/{total} blocks | {eps} events/s | ETA {eta_formatted}", hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { eps: 0 });
    return {
      update(block, n) {
        events += n;
        bar.update(Number(block - opts.from + 1n), { eps: rate() });
      },
      stop: () => bar.stop(),
    };
  }
  let lastLog = 0;
  let done = 0;
  return {
    update(block, n) {
      events += n;
      done = Number(block - opts.from + 1n);
      if (Date.now() - lastLog < 5000 && done < total) return;
      lastLog = Date.now();
      const eps = rate();
      const blocksPerSec = done / Math.max((Date.now() - started) / 1000, 0.001);
      opts.log.info(
        { block: block.toString(), blocksDone: done, blocksTotal: total, events, eventsPerSec: eps, etaSeconds: Math.round((total - done) / blocksPerSec) },
        "backfill progress",
      );
    },
    stop() {
      opts.log.info({ blocks: done, events, eventsPerSec: rate(), seconds: (Date.now() - started) / 1000 }, "backfill done");
    },
  };
}
