import type { Knex } from "knex";
import type { IncrementResponse, Options, Store } from "express-rate-limit";

/**
 * An express-rate-limit store in Postgres, so a limit holds across every API process: one
 * upsert per counted request, which starts a new window when the old one has ended.
 * `namespace` keeps apart deployments (or test apps) that share a database.
 */
export class PostgresRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(
    private readonly db: Knex,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const { rows } = await this.db.raw<{ rows: Array<{ hits: number; window_ends_at: Date }> }>(
      `insert into rate_limit_counters as c (key, hits, window_ends_at) values (?, 1, now() + make_interval(secs => ?))
       on conflict (key) do update set
         hits = case when c.window_ends_at <= now() then 1 else c.hits + 1 end,
         window_ends_at = case when c.window_ends_at <= now() then excluded.window_ends_at else c.window_ends_at end
       returning hits, window_ends_at`,
      [this.prefix + key, this.windowMs / 1000],
    );
    if (Math.random() < 0.001) void this.forgetEnded();
    return { totalHits: rows[0]!.hits, resetTime: rows[0]!.window_ends_at };
  }

  async decrement(key: string): Promise<void> {
    await this.db("rate_limit_counters")
      .where({ key: this.prefix + key })
      .where("hits", ">", 0)
      .decrement("hits", 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.db("rate_limit_counters")
      .where({ key: this.prefix + key })
      .delete();
  }

  /** Windows of clients that never came back. */
  private async forgetEnded(): Promise<void> {
    await this.db("rate_limit_counters")
      .where("window_ends_at", "<", this.db.raw("now() - interval '1 hour'"))
      .delete()
      .catch(() => {});
  }
}
