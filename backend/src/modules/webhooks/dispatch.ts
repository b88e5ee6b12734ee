import type { Knex } from "knex";
import type pg from "pg";
import { createKnex } from "../../../../lib/database.js";
import { listenForever } from "../../../../lib/pg-listener.js";
import { attemptDelivery, claimDue, SuccessWriter, type DeliveryDeps } from "./deliver.js";
import { DUE_CHANNEL } from "./publish.js";

/** The delivery log (messages, deliveries, attempts) is kept this long. */
export const DELIVERY_LOG_RETENTION_DAYS = 30;
const PURGE_EVERY_MS = 3_600_000;
const WAKE_GATHER_MS = 5;

/** Deletes messages older than the retention, with their deliveries and attempts (cascade). Returns how many. */
export async function purgeDeliveryLog(db: Knex, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - DELIVERY_LOG_RETENTION_DAYS * 86_400_000);
  return db("webhook_messages").where("created_at", "<", cutoff).delete();
}

/**
 * The deliveries table is the queue. One job-queue job per delivery measured about 500
 * deliveries a second here (each job's insert, fetch and completion cost more than the
 * delivery's own statements), so a dispatcher claims due deliveries in batches instead
 * (claimDue: SKIP LOCKED, a lease) and keeps up to `concurrency` attempts in flight. It
 * wakes on the notification a commit of new deliveries sends, and polls for retries coming
 * due. Any number of API processes run one side by side; a dispatcher that dies leaves its
 * leased deliveries due again when the lease ends.
 */
export interface WebhookDispatcher {
  stop(): Promise<void>;
}

export async function startWebhookDispatcher(
  opts: DeliveryDeps & { connectionString: string; concurrency: number; pollMs?: number },
): Promise<WebhookDispatcher> {
  let stopped = false;
  let inFlight = 0;
  let claiming = false;
  let again = false;
  const attempts = new Set<Promise<void>>();
  const books = bookkeepingKnex(opts.connectionString);
  const deps = { ...opts, successes: new SuccessWriter(books) };

  const fill = async (): Promise<void> => {
    if (stopped) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    try {
      do {
        again = false;
        // claim in batches: only once half the slots are free (or all, when little is due)
        const room = opts.concurrency - inFlight;
        if (room <= 0 || (inFlight > 0 && room < opts.concurrency / 2)) break;
        const claimed = await claimDue(books, room);
        for (const c of claimed) {
          inFlight++;
          const p = attemptDelivery(deps, c)
            .catch((error) => opts.log?.error({ err: error, deliveryId: c.delivery_id }, "webhook attempt failed to record"))
            .finally(() => {
              inFlight--;
              attempts.delete(p);
              void fill();
            });
          attempts.add(p);
        }
        if (claimed.length === room) again = true; // there may be more
      } while (again && !stopped);
    } catch (error) {
      opts.log?.error({ err: error }, "webhook dispatcher could not claim deliveries");
    } finally {
      claiming = false;
    }
  };

  // notifications come one per publishing commit: gathered for a few milliseconds, so one claim takes several deliveries.
  // While the listener reconnects (a Postgres restart) the poll below still finds what is due.
  let wakeTimer: NodeJS.Timeout | undefined;
  const wake = () => {
    wakeTimer ??= setTimeout(() => {
      wakeTimer = undefined;
      void fill();
    }, WAKE_GATHER_MS);
  };
  const listener = await listenForever({ connectionString: opts.connectionString, channel: DUE_CHANNEL, log: opts.log, onNotification: wake, onBack: wake });
  const poll = setInterval(() => void fill(), opts.pollMs ?? 1000);
  const purge = setInterval(
    () =>
      void purgeDeliveryLog(opts.db)
        .then((removed) => removed && opts.log?.info({ removed }, "webhook delivery log purged"))
        .catch((error) => opts.log?.warn({ err: error }, "webhook delivery log purge failed")),
    PURGE_EVERY_MS,
  );
  purge.unref();
  void fill();

  return {
    stop: async () => {
      stopped = true;
      clearInterval(poll);
      if (wakeTimer) clearTimeout(wakeTimer);
      clearInterval(purge);
      await listener.stop();
      await Promise.all(attempts);
      await books.destroy();
    },
  };
}

/**
 * The dispatchers' own writes (claims, successes) commit without waiting for the WAL flush,
 * on connections of their own with synchronous_commit off for the session, so each is one
 * statement and one round trip (a transaction with SET LOCAL took four). A crash can lose
 * the last few milliseconds of them, which makes a delivery due again and sends it once more
 * with the same webhook-id, as at-least-once delivery allows. Messages and deliveries
 * themselves are written by their publisher's transaction and wait for the flush as usual.
 */
function bookkeepingKnex(connectionString: string): Knex {
  return createKnex(connectionString, {
    min: 1,
    max: 4,
    afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
      conn.query("set synchronous_commit = off", (err) => done(err, conn));
    },
  });
}

/** Attempts every delivery due now, and what falls due meanwhile, until none is left (tests, scripts). */
export async function deliverDueOnce(opts: DeliveryDeps, batch = 50): Promise<number> {
  const deps = { ...opts, successes: new SuccessWriter(opts.db) };
  let total = 0;
  for (let claimed = await claimDue(deps.db, batch); claimed.length > 0; claimed = await claimDue(deps.db, batch)) {
    await Promise.all(claimed.map((c) => attemptDelivery(deps, c)));
    total += claimed.length;
  }
  return total;
}
