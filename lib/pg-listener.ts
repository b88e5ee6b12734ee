import pg from "pg";

export interface PgListener {
  stop(): Promise<void>;
}

/**
 * LISTEN on `channel` on a connection of its own that outlives the server: when the
 * connection is lost (a Postgres restart, a failover, a network cut) it reconnects, trying
 * again every `retryMs` until it is back. `onLost` runs when the connection goes and `onBack`
 * once LISTEN is in place again: whatever was notified in between was missed, so a cache
 * built on the notifications must not trust itself in between, and forget what it holds
 * when back. Resolves once the first LISTEN is in place.
 */
export async function listenForever(opts: {
  connectionString: string;
  channel: string;
  onNotification: (payload: string) => void;
  onLost?: () => void;
  onBack?: () => void;
  log?: { warn(obj: object, msg: string): void };
  retryMs?: number;
}): Promise<PgListener> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const open = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: opts.connectionString });
    c.on("notification", (n) => opts.onNotification(n.payload ?? ""));
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost || stopped) return;
      lost = true;
      client = undefined;
      opts.log?.warn({ channel: opts.channel, err: error?.message ?? "connection ended" }, "notification listener lost its connection; reconnecting");
      opts.onLost?.();
      reconnect();
    };
    c.on("error", onLost);
    c.on("end", () => onLost());
    try {
      await c.connect();
      await c.query(`listen ${opts.channel}`);
    } catch (error) {
      lost = true; // this attempt is over; the caller decides whether to try again
      await c.end().catch(() => {});
      throw error;
    }
    client = c;
  };
  const reconnect = () => {
    if (stopped) return;
    retry = setTimeout(() => {
      open().then(
        () => opts.onBack?.(),
        () => reconnect(),
      );
    }, opts.retryMs ?? 500);
    retry.unref();
  };

  await open();
  return {
    stop: async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
