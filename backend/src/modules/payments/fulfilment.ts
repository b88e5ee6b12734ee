import type { Knex } from "knex";
import type { OrderKind, OrderStatus, PaymentOrder } from "./models.js";

/**
 * What a non-ticket order pays for is given by its kind's fulfilment (topups.ts: a cashless
 * credit; resale.ts: a custodial ticket moved to its buyer). The state machine (machine.ts)
 * calls `deliver` inside the transaction that moves the order authorized -> delivered, so what
 * was paid for is given exactly once however many webhooks wake the order; a refusal rolls it
 * back and the machine cancels the authorization (nobody is charged for what was not given).
 */
export interface Fulfilment {
  /** Gives what the order paid for, in `trx`; throws DeliveryRefused when it cannot be given. Returns detail for the audit row. */
  deliver(trx: Knex.Transaction, order: PaymentOrder): Promise<Record<string, unknown>>;
  /** The order ended without delivery (expired, cancelled), in the transaction of that step. */
  released?(trx: Knex.Transaction, order: PaymentOrder, to: OrderStatus): Promise<void>;
}

export type Fulfilments = Partial<Record<Exclude<OrderKind, "tickets">, Fulfilment>>;

/** Said by a fulfilment that cannot deliver (a stable reason code, e.g. "band_blocked", "ticket_changed"). */
export class DeliveryRefused extends Error {
  constructor(readonly reason: string) {
    super(`delivery refused: ${reason}`);
  }
}
