import type { Knex } from "knex";
import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import { newId } from "../../../../lib/ids.js";
import { recordAudit, systemAuditContext } from "../audit/service.js";
import { ChainCallReverted, CustodyChain } from "./custody-chain.js";
import { PaymentOrder, Payment, PaymentTicket, type OrderStatus, type PaymentStatus } from "./models.js";
import type { HoldingSeal } from "./holdings.js";
import { DeliveryRefused, type Fulfilments } from "./fulfilment.js";
import type { PaymentProvider, ProviderPayment } from "./provider.js";

/**
 * Where an order's fate is decided: one step at a time, each a compare-and-set on the
 * order's status in the same transaction as its audit row, so two workers (a webhook's job
 * and the recovery sweep) advancing one order never both win a step.
 *
 *   reserved --(provider: authorized)--> authorized --(mint signed+stored)--> minting
 *   minting --(receipt ok)--> minted --(captured)--> completed
 *   reserved --(expired, or authorized after expiry: authorization cancelled)--> expired
 *   authorized/minting --(mint reverts or would revert: authorization cancelled)--> cancelled
 *   completed --(refund asked)--> refunding --(tickets voided on-chain, card refunded)--> refunded
 *
 * Orders of other kinds (a cashless top-up, a resale: fulfilment.ts) take the same path with
 * one step in place of the mint: authorized --(delivered in the step's transaction)--> delivered
 * --(captured)--> completed; a refused delivery cancels the authorization.
 *
 * The provider is asked for the payment's state rather than trusting a webhook's order
 * (duplicate, late and out-of-order webhooks all just wake this machine up). Each step is
 * safe to repeat after a crash at any point:
 * - before the mint is stored: the order is still authorized; the step runs again;
 * - mint stored, maybe broadcast: `minting` re-sends the same bytes (same nonce), so the
 *   chain mines it at most once; a dropped one is void for certain once the custody's
 *   nonce passed it (CustodyChain.fate) and the order goes back to authorized;
 * - minted, not captured: capture is idempotent (the provider reports "captured");
 * - refunding: each void is checked on-chain first, the refund carries the order's key.
 * Capture happens only after the mint's receipt, so nobody is charged for a ticket that was
 * not minted; a mint that cannot happen cancels the authorization.
 */
export interface MachineDeps {
  db: Knex;
  provider: PaymentProvider;
  /** Seals who each minted ticket is for (holdings.ts). */
  seal: HoldingSeal;
  chain?: CustodyChain;
  log?: Logger;
  /** How long one step waits for a mint's receipt before leaving it to the next run. */
  receiptWaitMs?: number;
  /** Tests: throw at a named point, as a killed process would stop there. */
  fault?: (point: "after_sign" | "after_broadcast" | "after_mint" | "after_void") => void;
  /** Called when a mint is confirmed (bench: paid -> minted latency). */
  onMinted?: (orderId: string) => void;
  /** How orders that are not tickets are delivered (and released when they end undelivered). */
  fulfilments?: Fulfilments;
}

export type StepOutcome = { from: OrderStatus; to: OrderStatus } | { from: OrderStatus; to: null };

const TERMINAL: readonly OrderStatus[] = ["completed", "expired", "cancelled", "refunded"];

export class OrderMachine {
  constructor(readonly deps: MachineDeps) {}

  /** Steps until the order waits (for the fan, the chain) or is done; returns its status. */
  async advance(orderId: string): Promise<OrderStatus | null> {
    for (let i = 0; i < 10; i++) {
      const out = await this.step(orderId);
      if (!out) return null;
      if (out.to === null) return out.from;
      if (TERMINAL.includes(out.to) && out.to !== "completed") return out.to;
      if (out.to === "completed") return out.to;
    }
    return (await PaymentOrder.query(this.deps.db).findById(orderId))?.status ?? null;
  }

  /** One transition (to: null when the order waits, or the step found nothing to do). */
  async step(orderId: string): Promise<StepOutcome | null> {
    const order = await PaymentOrder.query(this.deps.db).findById(orderId);
    if (!order) return null;
    const payment = await Payment.query(this.deps.db).findOne({ order_id: orderId });
    if (!payment) return null;
    switch (order.status) {
      case "reserved":
        return this.fromReserved(order, payment);
      case "authorized":
        return order.kind === "tickets" ? this.mint(order, payment) : this.deliver(order, payment);
      case "minting":
        return this.confirmMint(order, payment);
      case "minted":
      case "delivered":
        return this.capture(order, payment);
      case "refunding":
        return this.refund(order, payment);
      default:
        return { from: order.status, to: null };
    }
  }

  private async fromReserved(order: PaymentOrder, payment: Payment): Promise<StepOutcome> {
    const p = await this.deps.provider.retrieve(payment.provider_payment_id);
    const expired = order.expires_at.getTime() <= Date.now();
    if (p.status === "authorized" || p.status === "captured") {
      if (p.amount !== Number(order.amount) || p.currency.toUpperCase() !== order.currency.trim()) {
        return this.cancelAuthorization(order, payment, "reserved", "cancelled", "amount_mismatch");
      }
      if (expired) return this.cancelAuthorization(order, payment, "reserved", "expired", "authorized_after_expiry");
      return this.move(order, "reserved", "authorized", {}, { status: "processing", provider_status: p.status });
    }
    if (p.status === "canceled")
      return this.move(order, "reserved", "cancelled", { status_reason: "payment_canceled" }, { status: "cancelled", provider_status: p.status });
    if (expired) return this.cancelAuthorization(order, payment, "reserved", "expired", "reservation_expired");
    // still waiting for the fan (a declined card may be retried until the reservation ends)
    const status: PaymentStatus = p.lastError ? "failed" : p.status === "requires_action" ? "processing" : "pending";
    if (status !== payment.status || p.status !== payment.provider_status || (p.lastError ?? null) !== (payment.last_error ?? null)) {
      await this.deps.db.transaction(async (trx) => {
        await Payment.query(trx)
          .findById(payment.id)
          .patch({ status, provider_status: p.status, last_error: p.lastError?.slice(0, 500) ?? null });
        await recordAudit(trx, systemAuditContext(), {
          action: "payment.updated",
          entityType: "payment",
          entityId: payment.id,
          before: { status: payment.status },
          after: { status, providerStatus: p.status, lastError: p.lastError },
        });
      });
    }
    return { from: "reserved", to: null };
  }

  private async mint(order: PaymentOrder, payment: Payment): Promise<StepOutcome> {
    const chain = this.requireChain(order);
    const to = (order.deliver_to ?? chain.address) as Address;
    const data = CustodyChain.mintData(order.tier_id, to, order.quantity);
    let gas: bigint;
    try {
      gas = await chain.estimate(order.contract_address, data);
    } catch (error) {
      if (error instanceof ChainCallReverted) return this.cancelAuthorization(order, payment, "authorized", "cancelled", `mint_failed:${error.errorName}`);
      throw error;
    }
    let signed: { nonce: number; hash: Hex; raw: Hex } | undefined;
    const moved = await this.deps.db
      .transaction(async (trx) => {
        signed = await chain.sign(trx, order.contract_address, data, gas);
        const n = await PaymentOrder.query(trx)
          .findById(order.id)
          .where({ status: "authorized" })
          .patch({ status: "minting", mint_nonce: String(signed.nonce), mint_tx_hash: signed.hash, mint_raw_tx: signed.raw });
        if (n === 0) throw new LostRace();
        await audit(trx, order, "authorized", "minting", { txHash: signed.hash, nonce: signed.nonce });
        return true;
      })
      .catch((error) => {
        if (error instanceof LostRace) return false;
        throw error;
      });
    if (!moved || !signed) return { from: "authorized", to: null };
    this.deps.fault?.("after_sign");
    await chain.broadcast(signed.raw);
    this.deps.fault?.("after_broadcast");
    return { from: "authorized", to: "minting" };
  }

  private async confirmMint(order: PaymentOrder, payment: Payment): Promise<StepOutcome> {
    const chain = this.requireChain(order);
    const tx = { hash: order.mint_tx_hash!, nonce: Number(order.mint_nonce), raw: order.mint_raw_tx! };
    const fate = await chain.fate(tx, this.deps.receiptWaitMs ?? 20_000);
    if (fate.kind === "pending") return { from: "minting", to: null };
    if (fate.kind === "void") {
      // the stored transaction can never be mined: sign the mint again
      return this.move(order, "minting", "authorized", { mint_nonce: null, mint_tx_hash: null, mint_raw_tx: null }, undefined, { voidTx: tx.hash });
    }
    const first = fate.receipt.status === "success" ? CustodyChain.mintedFirstTokenId(fate.receipt) : null;
    if (first === null) return this.cancelAuthorization(order, payment, "minting", "cancelled", "mint_reverted");
    const out = await this.deps.db
      .transaction(async (trx) => {
        const n = await PaymentOrder.query(trx)
          .findById(order.id)
          .where({ status: "minting" })
          .patch({ status: "minted", first_token_id: first.toString(), minted_at: new Date() });
        if (n === 0) throw new LostRace();
        const rows = Array.from({ length: order.quantity }, (_, i) => ({
          id: newId(),
          order_id: order.id,
          user_id: order.user_id,
          chain_id: order.chain_id,
          contract_address: order.contract_address,
          token_id: (first + BigInt(i)).toString(),
          custody_address: chain.address,
          status: order.deliver_to ? "claimed" : "custody",
          claimed_to: order.deliver_to,
          claim_tx_hash: order.deliver_to ? order.mint_tx_hash : null,
        }));
        await trx(PaymentTicket.tableName).insert(rows.map((r) => ({ ...r, holder_mac: this.deps.seal.seal(r) })));
        await audit(trx, order, "minting", "minted", { firstTokenId: first.toString(), quantity: order.quantity, to: order.deliver_to ?? chain.address });
        return { from: "minting" as const, to: "minted" as const };
      })
      .catch((error) => {
        if (error instanceof LostRace) return { from: "minting" as const, to: null };
        throw error;
      });
    if (out.to) this.deps.onMinted?.(order.id);
    this.deps.fault?.("after_mint");
    return out;
  }

  /** A non-ticket order: what it paid for is given in the same transaction as authorized -> delivered. */
  private async deliver(order: PaymentOrder, payment: Payment): Promise<StepOutcome> {
    const fulfilment = this.deps.fulfilments?.[order.kind as Exclude<typeof order.kind, "tickets">];
    if (!fulfilment) throw new Error(`no fulfilment for ${order.kind} orders`);
    try {
      return await this.deps.db.transaction(async (trx) => {
        const locked = await PaymentOrder.query(trx).findById(order.id).where({ status: "authorized" }).forUpdate();
        if (!locked) return { from: "authorized" as const, to: null };
        const detail = await fulfilment.deliver(trx, locked);
        await PaymentOrder.query(trx).findById(order.id).patch({ status: "delivered" });
        await audit(trx, order, "authorized", "delivered", detail);
        return { from: "authorized" as const, to: "delivered" as const };
      });
    } catch (error) {
      if (error instanceof DeliveryRefused) return this.cancelAuthorization(order, payment, "authorized", "cancelled", `delivery_refused:${error.reason}`);
      throw error;
    }
  }

  private async capture(order: PaymentOrder, payment: Payment): Promise<StepOutcome> {
    const from = order.status; // minted (tickets) or delivered
    const p = await this.deps.provider.capture(payment.provider_payment_id, `capture-${order.id}`);
    if (p.status === "captured" || p.status === "refunded") {
      return this.move(order, from, "completed", { captured_at: new Date() }, { status: "completed", provider_status: p.status });
    }
    if (p.status === "canceled" && order.kind === "tickets") {
      // the authorization lapsed before capture: the tickets were never paid for, so they go
      await this.voidTickets(order);
      return this.move(order, "minted", "cancelled", { status_reason: "authorization_lapsed" }, { status: "cancelled", provider_status: p.status });
    }
    throw new Error(`capture of ${payment.provider_payment_id} left it ${p.status}`);
  }

  /** The order's tickets are burned first; a top-up's ledger side was booked when the refund was asked (topups.ts). */
  private async refund(order: PaymentOrder, payment: Payment): Promise<StepOutcome> {
    if (order.kind === "tickets") await this.voidTickets(order);
    const current = await this.deps.provider.retrieve(payment.provider_payment_id);
    let refundId = payment.refund_id;
    if (current.status !== "refunded") {
      const amount = order.refund_amount === null ? undefined : Number(order.refund_amount);
      const out = await this.deps.provider.refund(payment.provider_payment_id, `refund-${order.id}`, amount);
      refundId = out.refundId;
    }
    return this.move(order, "refunding", "refunded", { refunded_at: new Date() }, { status: "refunded", provider_status: "refunded", refund_id: refundId });
  }

  /** Burns every ticket of the order the custody holds (a claimed one must have come back first). */
  private async voidTickets(order: PaymentOrder): Promise<void> {
    const chain = this.requireChain(order);
    const tickets = await PaymentTicket.query(this.deps.db).where({ order_id: order.id }).whereIn("status", ["custody", "claiming"]);
    for (const t of tickets) {
      const owner = await chain.ownerOf(t.contract_address, BigInt(t.token_id));
      if (owner === chain.address) {
        const data = CustodyChain.voidData(BigInt(t.token_id));
        const gas = await chain.estimate(t.contract_address, data);
        let signed: { nonce: number; hash: Hex; raw: Hex } | undefined;
        await this.deps.db.transaction(async (trx) => {
          signed = await chain.sign(trx, t.contract_address, data, gas);
          await PaymentTicket.query(trx).findById(t.id).patch({ void_tx_hash: signed.hash });
        });
        await chain.broadcast(signed!.raw);
        const fate = await chain.fate(signed!, 30_000);
        if (fate.kind !== "mined" || fate.receipt.status !== "success") throw new Error(`void of ticket ${t.token_id} did not go through (${fate.kind})`);
      } else if (owner !== null) {
        throw new Error(`ticket ${t.token_id} is held by ${owner}, not the custody`);
      }
      await this.deps.db.transaction(async (trx) => {
        await PaymentTicket.query(trx).findById(t.id).patch({ status: "voided" });
        await recordAudit(trx, systemAuditContext(), {
          action: "payment_ticket.voided",
          entityType: "payment_ticket",
          entityId: t.id,
          before: { status: t.status },
          after: { status: "voided", tokenId: t.token_id },
        });
      });
      this.deps.fault?.("after_void");
    }
  }

  private async cancelAuthorization(order: PaymentOrder, payment: Payment, from: OrderStatus, to: OrderStatus, reason: string): Promise<StepOutcome> {
    const p: ProviderPayment = await this.deps.provider.cancel(payment.provider_payment_id, `cancel-${order.id}`);
    if (p.status === "captured") {
      // captured elsewhere (never by this machine before a mint): pay it back rather than keep it
      await this.deps.provider.refund(payment.provider_payment_id, `refund-${order.id}`);
    }
    this.deps.log?.warn({ orderId: order.id, reason }, "card order cancelled: authorization released");
    return this.move(order, from, to, { status_reason: reason }, { status: "cancelled", provider_status: "canceled" });
  }

  private async move(
    order: PaymentOrder,
    from: OrderStatus,
    to: OrderStatus,
    patch: Partial<Pick<PaymentOrder, "status_reason" | "mint_nonce" | "mint_tx_hash" | "mint_raw_tx" | "captured_at" | "refunded_at">>,
    paymentPatch?: Partial<Pick<Payment, "status" | "provider_status" | "refund_id">>,
    detail: Record<string, unknown> = {},
  ): Promise<StepOutcome> {
    return this.deps.db
      .transaction(async (trx) => {
        const n = await PaymentOrder.query(trx)
          .findById(order.id)
          .where({ status: from })
          .patch({ ...patch, status: to });
        if (n === 0) throw new LostRace();
        if (paymentPatch) await Payment.query(trx).where({ order_id: order.id }).patch(paymentPatch);
        if (to === "expired" || to === "cancelled") await this.released(trx, order, to);
        await audit(trx, order, from, to, { ...detail, ...patch, ...(paymentPatch ? { payment: paymentPatch } : {}) });
        return { from, to };
      })
      .catch((error) => {
        if (error instanceof LostRace) return { from, to: null };
        throw error;
      });
  }

  /** An order that ends undelivered lets its fulfilment undo what it held (a resale's offer). */
  async released(trx: Knex.Transaction, order: PaymentOrder, to: OrderStatus): Promise<void> {
    if (order.kind === "tickets") return;
    await this.deps.fulfilments?.[order.kind]?.released?.(trx, order, to);
  }

  private requireChain(order: PaymentOrder): CustodyChain {
    const chain = this.deps.chain;
    if (!chain || chain.chainId !== Number(order.chain_id)) throw new Error(`no custody account for chain ${order.chain_id}`);
    return chain;
  }
}

class LostRace extends Error {}

async function audit(trx: Knex.Transaction, order: PaymentOrder, from: OrderStatus, to: OrderStatus, detail: Record<string, unknown>) {
  await recordAudit(trx, systemAuditContext(), {
    action: `payment_order.${to}`,
    entityType: "payment_order",
    entityId: order.id,
    before: { status: from },
    after: { status: to, ...jsonSafe(detail) },
  });
}

function jsonSafe(detail: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail)) if (k !== "mint_raw_tx") out[k] = typeof v === "bigint" ? v.toString() : v;
  return out;
}
