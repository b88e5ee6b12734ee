import { Agent, request } from "node:http";

/**
 * An open-loop load generator: requests start on a fixed schedule (`rate` per second, evenly
 * spaced) over at most `connections` keep-alive connections, whatever the server's speed, and
 * each latency is measured from the request's scheduled start, so time spent queued behind a
 * slow response counts (no coordinated omission, as wrk2 or k6's constant-arrival-rate do).
 *
 * autocannon measures closed-loop throughput well, but its rate limit sends each second's
 * requests in a burst at the start of the second and then records every response against an
 * expected interval of 1 ms, which reports queueing it created itself.
 */
export interface PacedOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** Request bodies sent in turn (e.g. one distinct ticket per request). */
  bodies?: string[];
  /** Authorization headers sent in turn (e.g. many signed-in users). */
  authorizations?: string[];
  /** Extra headers sent in turn with the bodies (request i gets headerSets[i % n]), e.g. one webhook signature per body. */
  headerSets?: Array<Record<string, string>>;
  /** Paths sent in turn, paired with `authorizations` by index (e.g. each user's own tenant); default the url's path. */
  paths?: string[];
  connections: number;
  rate: number;
  durationSeconds: number;
}

export interface PacedResult {
  rate: number;
  sent: number;
  achievedRps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  errors: number;
}

export async function runPaced(opts: PacedOptions): Promise<PacedResult> {
  const url = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const method = opts.method ?? (opts.bodies ? "POST" : "GET");
  const total = Math.round(opts.rate * opts.durationSeconds);
  const interval = 1000 / opts.rate;
  const latencies = new Float64Array(total);
  const statuses: Record<string, number> = {};
  let errors = 0;

  /** Request i of the schedule; i = -1 only opens a connection (a GET without body, whatever it answers). */
  const send = (i: number, scheduledAt: number, done: () => void) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.authorizations) headers.authorization = opts.authorizations[Math.max(i, 0) % opts.authorizations.length]!;
    if (opts.headerSets && i >= 0) Object.assign(headers, opts.headerSets[i % opts.headerSets.length]);
    const body = i < 0 ? undefined : opts.bodies?.[i % opts.bodies.length];
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const path = opts.paths ? opts.paths[Math.max(i, 0) % opts.paths.length]! : url.pathname + url.search;
    const req = request({ agent, host: url.hostname, port: url.port, path, method: i < 0 ? "GET" : method, headers }, (res) => {
      res.on("data", () => {});
      res.on("end", () => {
        if (i >= 0) latencies[i] = performance.now() - scheduledAt;
        const key = `${Math.floor(res.statusCode! / 100)}xx`;
        statuses[key] = (statuses[key] ?? 0) + 1;
        done();
      });
    });
    req.on("error", () => {
      if (i >= 0) latencies[i] = performance.now() - scheduledAt;
      errors++;
      done();
    });
    req.end(body);
  };

  // open the connections before the clock starts, as a real client pool would have them
  await Promise.all(Array.from({ length: opts.connections }, () => new Promise<void>((resolve) => send(-1, performance.now(), resolve))));
  for (const key of Object.keys(statuses)) delete statuses[key];
  errors = 0;

  const started = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    let finished = 0;
    const done = () => {
      if (++finished === total) resolve();
    };
    const tick = () => {
      const now = performance.now();
      while (next < total && started + next * interval <= now) {
        send(next, started + next * interval, done);
        next++;
      }
      // timers fire no more often than every ~1 ms: each tick sends every request that is due
      if (next < total) setTimeout(tick, Math.max(0, started + next * interval - performance.now()));
    };
    tick();
  });
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();

  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]!.toFixed(2));
  return {
    rate: opts.rate,
    sent: total,
    achievedRps: Math.round(total / elapsed),
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: Number(sorted[sorted.length - 1]!.toFixed(2)),
    statuses,
    errors,
  };
}
