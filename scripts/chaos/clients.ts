/**
 * The chaos run's clients: every logical request (a pass, a scan, a payment) is sent until
 * it gets a definite answer (2xx or 4xx), each try to the next API process in turn, as a
 * load balancer with retries would. A connection refused or reset, a timeout, a 5xx in
 * problem+json, a 429: a clean failure, tried again (with the same pass nonce or transfer
 * id, which is what makes a retry safe). A 5xx that is not problem+json is not clean.
 */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface ClientStats {
  answered: number;
  cleanFailures: number;
  uncleanFailures: number;
  /** Logical requests still without a definite answer when the run gave up on them. */
  unanswered: number;
}

export function createClients(bases: () => string[], giveUpAt: () => number) {
  const stats: ClientStats = { answered: 0, cleanFailures: 0, uncleanFailures: 0, unanswered: 0 };
  let next = 0;

  async function once(path: string, body: unknown, headers: Record<string, string>): Promise<Answer | undefined> {
    const all = bases();
    const base = all[next++ % all.length]!;
    try {
      const res = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      const text = await res.text();
      if (res.status >= 500 || res.status === 429) {
        if ((res.headers.get("content-type") ?? "").includes("application/problem+json")) stats.cleanFailures++;
        else stats.uncleanFailures++;
        return undefined;
      }
      stats.answered++;
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    } catch {
      stats.cleanFailures++; // refused, reset or timed out: nothing was answered
      return undefined;
    }
  }

  /** Sends until a definite answer; undefined when the run gives up first. */
  async function post(path: string, body: unknown, headers: Record<string, string>): Promise<Answer | undefined> {
    for (;;) {
      const answer = await once(path, body, headers);
      if (answer) return answer;
      if (Date.now() > giveUpAt()) {
        stats.unanswered++;
        return undefined;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return { post, stats };
}

/** Runs `step` in `loops` parallel loops at about `rate` steps a second in all, until `until()`. */
export async function paced(loops: number, rate: number, until: () => boolean, step: (loop: number) => Promise<boolean>): Promise<void> {
  const interval = (1000 * loops) / rate;
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      while (!until()) {
        const started = Date.now();
        if (!(await step(loop))) return;
        const wait = interval - (Date.now() - started);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }),
  );
}
