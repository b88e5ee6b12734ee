import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

/**
 * What held up this (the API's) process during a measured phase: event-loop delay and
 * garbage-collection pauses. A latency tail that these do not explain comes from outside the
 * event loop (the database, the client, the machine).
 */
export interface StallReport {
  loopP99Ms: number;
  loopMaxMs: number;
  gcCount: number;
  gcMaxMs: number;
  gcTotalMs: number;
}

/** The sampling timer's period: the histogram counts it in every sample, so it is taken off. */
const RESOLUTION_MS = 5;

export function watchStalls(): { stop(): StallReport } {
  const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loop.enable();
  let gcCount = 0;
  let gcMaxMs = 0;
  let gcTotalMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount++;
      gcTotalMs += entry.duration;
      gcMaxMs = Math.max(gcMaxMs, entry.duration);
    }
  });
  gc.observe({ entryTypes: ["gc"] });
  return {
    stop() {
      loop.disable();
      gc.disconnect();
      const ms = (ns: number) => Number(Math.max(0, ns / 1e6 - RESOLUTION_MS).toFixed(1));
      return {
        loopP99Ms: ms(loop.percentile(99)),
        loopMaxMs: ms(loop.max),
        gcCount,
        gcMaxMs: Number(gcMaxMs.toFixed(1)),
        gcTotalMs: Number(gcTotalMs.toFixed(1)),
      };
    },
  };
}

export function showStalls(s: StallReport): string {
  return `event-loop delay p99 ${s.loopP99Ms} ms, max ${s.loopMaxMs} ms; GC ${s.gcCount}x, max ${s.gcMaxMs} ms, total ${s.gcTotalMs} ms`;
}
