import type { Knex } from "knex";
import type { Logger } from "pino";
import type { Address } from "viem";
import type { Config } from "../../../../lib/config.js";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { hasRole } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { decodeCursor, invalidCursor, paginate, type PageQuery } from "../../http/pagination.js";
import { recordAudit, systemAuditContext } from "../audit/service.js";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import type { EventContractAccess } from "../gate/zones.js";
import { evmWalletsOf } from "../users/wallets.js";
import { CustodyChain, revertOf } from "./custody-chain.js";
import { OrderMachine } from "./machine.js";
import { CardPrice, HOLDING_STATUSES, Payment, PaymentOrder, PaymentTicket, UNSETTLED_STATUSES } from "./models.js";
import { HoldingSeal } from "./holdings.js";
import { WebhookSignatureError, type PaymentProvider } from "./provider.js";
import { openPayment } from "./checkout.js";
import { MinterRoleService } from "./minter-role.js";
import type { Fulfilments } from "./fulfilment.js";

export const ADVANCE_TASK = "payment_order_advance";

/**
 * Card orders: price, reservation, the provider's payment, the webhook that wakes the state
 * machine (machine.ts), refunds. Custody (claim, transfer offers) is custody.ts.
 *
 * Reservation: an order holds its quantity against the tier's remaining on-chain supply
 * (read from the chain: supply - minted) minus what live orders hold (reserved and not
 * expired, authorized, minting), decided under a per-tier advisory lock so two concurrent
 * orders cannot both take the last ticket. On-chain sales do not take that lock; if one takes
 * the last ticket first, the card order's mint would revert, so the machine cancels its
 * authorization before minting: card and on-chain sales together never oversell, and nobody
 * is charged for a ticket that was not minted. An expired reservation stops counting at its
 * expires_at (no sweep needed for the count); the sweep moves it to `expired`.
 */
export interface PaymentsDeps {
  db: Knex;
  config: Config;
  provider: PaymentProvider | undefined;
  chain: CustodyChain | undefined;
  eventContracts: EventContractAccess;
  log?: Logger;
  /** How top-ups and resales are delivered (setup.ts builds them, with the same seal). */
  fulfilments?: Fulfilments;
  seal?: HoldingSeal;
}

export class PaymentsService {
  readonly machine: OrderMachine | undefined;
  readonly seal: HoldingSeal;
  readonly minter: MinterRoleService;

  constructor(readonly deps: PaymentsDeps) {
    this.seal = deps.seal ?? new HoldingSeal(deps.config.dataEncryptionKey);
    this.minter = new MinterRoleService(deps.db, deps.chain, deps.eventContracts);
    this.machine = deps.provider
      ? new OrderMachine({ db: deps.db, provider: deps.provider, seal: this.seal, chain: deps.chain, log: deps.log, fulfilments: deps.fulfilments })
      : undefined;
  }

  requireProvider(): PaymentProvider {
    if (!this.deps.provider) throw new HttpError(503, "payments_unavailable", "card payments are not configured (PAYMENTS_PROVIDER)");
    return this.deps.provider;
  }

  private requireCustody(): CustodyChain {
    if (!this.deps.chain) throw new HttpError(503, "custody_unavailable", "no chain or custody account is configured for card sales");
    return this.deps.chain;
  }

  /** A contract's card prices per tier (public: the shop shows them). */
  async cardPrices(eventContractId: string) {
    const rows = await CardPrice.query(this.deps.db).where({ event_contract_id: eventContractId }).orderBy("tier_id");
    return { items: rows.map((r) => ({ eventContractId, tierId: r.tier_id, amount: Number(r.amount), currency: r.currency.trim() })) };
  }

  /** The organizer sets a tier's card price: only where the custody can mint (MINTER_ROLE, read on-chain). */
  async setCardPrice(principal: Principal, ctx: AuditContext, eventContractId: string, tierId: number, input: { amount: number; currency: string }) {
    const link = await this.deps.eventContracts.load(principal, eventContractId, { level: "manager", scope: "editions" });
    const onChain = await this.deps.db("event_contract_links").where({ id: eventContractId }).first("status", "ticket_address", "chain_id");
    if (!onChain || onChain.status !== "linked" || !onChain.ticket_address) throw new HttpError(409, "event_not_linked", "this event is not on the chain yet");
    await this.minter.assertGranted(onChain.ticket_address as Address);
    return this.deps.db.transaction(async (trx) => {
      const before = await CardPrice.query(trx).findOne({ event_contract_id: eventContractId, tier_id: tierId }).forUpdate();
      const row = before
        ? await CardPrice.query(trx)
            .findById(before.id)
            .patch({ amount: String(input.amount), currency: input.currency, updated_by: ctx.actorUserId })
            .returning("*")
            .first()
        : await CardPrice.query(trx)
            .insert({
              id: newId(),
              event_contract_id: eventContractId,
              tier_id: tierId,
              amount: String(input.amount),
              currency: input.currency,
              created_by: ctx.actorUserId,
              updated_by: ctx.actorUserId,
            })
            .returning("*");
      await recordAudit(trx, ctx, {
        action: before ? "card_price.updated" : "card_price.created",
        entityType: "card_price",
        entityId: row!.id,
        festivalId: link.festival_id,
        before: before ? { amount: before.amount, currency: before.currency } : null,
        after: { amount: row!.amount, currency: row!.currency },
      });
      return { eventContractId, tierId, amount: Number(row!.amount), currency: row!.currency };
    });
  }

  /** A fan orders `quantity` tickets of a tier by card: reserves them and opens the provider's payment. */
  async createOrder(principal: Principal, ctx: AuditContext, input: { eventContractId: string; tierId: number; quantity: number; deliverTo?: string }) {
    const provider = this.requireProvider();
    const chain = this.requireCustody();
    const { db, config } = this.deps;
    const link = await db("event_contract_links")
      .where({ id: input.eventContractId })
      .first("id", "festival_id", "chain_id", "status", "ticket_address", "name");
    if (!link) throw new HttpError(404, "event_contract_not_found", `event contract ${input.eventContractId} not found`);
    if (link.status !== "linked" || !link.ticket_address || Number(link.chain_id) !== chain.chainId) {
      throw new HttpError(409, "event_not_linked", "this event is not on the chain yet");
    }
    const price = await CardPrice.query(db).findOne({ event_contract_id: input.eventContractId, tier_id: input.tierId });
    if (!price) throw new HttpError(422, "card_sales_closed", "this ticket category is not sold by card", [{ field: "body.tierId", message: "no card price" }]);
    let deliverTo: Address | null = null;
    if (input.deliverTo) {
      const wallet = input.deliverTo.toLowerCase();
      if (!(await evmWalletsOf(db, principal.userId)).includes(wallet)) {
        throw new HttpError(422, "wallet_not_proven", "link this wallet first (SIWE proof)", [
          { field: "body.deliverTo", message: "not one of your linked wallets" },
        ]);
      }
      deliverTo = wallet as Address;
    }
    const contract = link.ticket_address as Address;
    let tier: Awaited<ReturnType<CustodyChain["tier"]>>;
    try {
      tier = await chain.tier(contract, input.tierId);
    } catch (error) {
      if (revertOf(error)?.errorName === "EventTicketUnknownTier") throw new HttpError(404, "tier_not_found", `no tier ${input.tierId}`);
      throw error;
    }
    const now = Math.floor(Date.now() / 1000);
    if (now < tier.saleStart || now >= tier.saleEnd) throw new HttpError(422, "sale_not_active", "this tier is not on sale now");
    const cap = tier.maxPerBuyer > 0 ? Math.min(tier.maxPerBuyer, config.payments.maxPerBuyer) : config.payments.maxPerBuyer;
    const unit = Number(price.amount);

    const order = await db.transaction(async (trx) => {
      await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`payments:${chain.chainId}:${contract}:${input.tierId}`]);
      const held = await trx.raw(
        `select coalesce(sum(quantity) filter (where status <> 'reserved' or expires_at > now()), 0)::int as held,
                coalesce(sum(quantity) filter (where user_id = ? and (status <> 'reserved' or expires_at > now())), 0)::int as mine_live
           from payment_orders where chain_id = ? and contract_address = ? and tier_id = ? and status = any(?)`,
        [principal.userId, chain.chainId, contract, input.tierId, [...HOLDING_STATUSES]],
      );
      const mineDone = await trx.raw(
        `select coalesce(sum(quantity), 0)::int as n from payment_orders
          where user_id = ? and chain_id = ? and contract_address = ? and tier_id = ? and status in ('minted', 'completed')`,
        [principal.userId, chain.chainId, contract, input.tierId],
      );
      const available = tier.supply - tier.minted - held.rows[0].held;
      if (input.quantity > available) {
        throw new HttpError(
          409,
          "sold_out",
          available > 0 ? `only ${available} left` : "this tier is sold out",
          [{ field: "body.quantity", message: `at most ${Math.max(available, 0)} available` }],
          {
            available: Math.max(available, 0),
          },
        );
      }
      const mine = held.rows[0].mine_live + mineDone.rows[0].n;
      if (mine + input.quantity > cap) {
        throw new HttpError(422, "buyer_limit_exceeded", `at most ${cap} tickets of this tier per buyer (you have ${mine})`, [
          { field: "body.quantity", message: `at most ${Math.max(cap - mine, 0)} more` },
        ]);
      }
      const id = newId();
      const row = await PaymentOrder.query(trx)
        .insert({
          id,
          user_id: principal.userId,
          event_contract_id: input.eventContractId,
          chain_id: String(chain.chainId),
          contract_address: contract.toLowerCase() as Address,
          tier_id: input.tierId,
          quantity: input.quantity,
          unit_amount: String(unit),
          amount: String(unit * input.quantity),
          currency: price.currency,
          deliver_to: deliverTo,
          status: "reserved",
          expires_at: new Date(Date.now() + config.payments.reservationSeconds * 1000),
          created_by: ctx.actorUserId,
          updated_by: ctx.actorUserId,
        })
        .returning("*");
      await recordAudit(trx, ctx, { action: "payment_order.reserved", entityType: "payment_order", entityId: id, festivalId: link.festival_id, after: row });
      return row;
    });

    const payment = await openPayment(db, provider, ctx, order, `${link.name}: ${input.quantity} ticket(s)`, link.festival_id);
    return orderView(order, payment);
  }

  async getOrder(principal: Principal, orderId: string) {
    const order = await PaymentOrder.query(this.deps.db).findById(orderId).where({ kind: "tickets" });
    if (!order || (order.user_id !== principal.userId && !hasRole(principal, "admin")))
      throw new HttpError(404, "order_not_found", `order ${orderId} not found`);
    const payment = await Payment.query(this.deps.db).findOne({ order_id: orderId });
    const tickets = await PaymentTicket.query(this.deps.db).where({ order_id: orderId }).orderBy("token_id");
    return { ...orderView(order, payment), tickets: tickets.map(ticketView) };
  }

  async listOrders(principal: Principal, page: PageQuery) {
    if (page.cursor) {
      const [at, id] = decodeCursor(page.cursor);
      if (typeof at !== "string" || typeof id !== "string") throw invalidCursor();
    }
    const query = this.deps
      .db("payment_orders as o")
      .leftJoin("payments as p", "p.order_id", "o.id")
      .where("o.user_id", principal.userId)
      .where("o.kind", "tickets")
      .select("o.*", "p.provider", "p.provider_payment_id", "p.status as payment_status", "p.checkout_url", "p.client_secret", "p.last_error");
    return paginate(query, page, { column: "o.created_at", id: "o.id", order: "desc" }, (r: Record<string, unknown>) =>
      orderView(
        r as unknown as PaymentOrder,
        {
          provider: r.provider,
          provider_payment_id: r.provider_payment_id,
          status: r.payment_status,
          checkout_url: r.checkout_url,
          client_secret: r.client_secret,
          last_error: r.last_error,
        } as Payment,
      ),
    );
  }

  /**
   * A webhook, verified on its raw body, answered at once: the event is stored (deduplicated by
   * its id) in one statement; the worker's pump queues the order's job (jobs.ts), the job does the work.
   */
  async receiveWebhook(providerName: string, rawBody: Buffer, headers: Record<string, string | string[] | undefined>) {
    const provider = this.deps.provider;
    if (!provider || provider.name !== providerName) throw new HttpError(404, "provider_not_found", `no payment provider ${providerName}`);
    let event;
    try {
      event = provider.verify(rawBody, headers);
    } catch (error) {
      if (error instanceof WebhookSignatureError) throw new HttpError(401, "invalid_signature", `webhook signature refused: ${error.message}`);
      throw error;
    }
    if (!event.paymentId) return { received: true, duplicate: false, ignored: true };
    // one round trip: find the payment (uq_payments_provider_payment) and store the event if the
    // amount and currency match the order, once per event id; the worker's pump queues the job
    const { rows } = await this.deps.db.raw(
      `with p as (select order_id, amount, currency from payments where provider = ? and provider_payment_id = ?),
            ok as (select order_id from p where ?::bigint is null or (p.amount = ?::bigint and p.currency = ?)),
            ins as (insert into payment_webhook_events (provider, event_id, type, provider_payment_id, order_id, payload)
                    select ?, ?, ?, ?, ok.order_id, ?::jsonb from ok on conflict do nothing returning 1)
       select p.amount::text as amount, p.currency, (select count(*) from ok)::int as matched, (select count(*) from ins)::int as stored from p`,
      [
        provider.name,
        event.paymentId,
        event.amount,
        event.amount,
        event.currency,
        provider.name,
        event.id,
        event.type.slice(0, 100),
        event.paymentId,
        rawBody.toString("utf8"),
      ],
    );
    const found = rows[0] as { amount: string; currency: string; matched: number; stored: number } | undefined;
    if (!found) throw new HttpError(404, "unknown_payment", `no payment ${event.paymentId}`);
    if (found.matched === 0) {
      this.deps.log?.warn({ paymentId: event.paymentId, eventId: event.id }, "webhook amount or currency differs from the order: ignored");
      throw new HttpError(422, "amount_mismatch", `the event says ${event.amount} ${event.currency}, the order ${found.amount} ${found.currency.trim()}`);
    }
    return { received: true, duplicate: found.stored === 0, ignored: false };
  }

  /** A card refund of a whole order, exactly once: completed -> refunding (the job voids the tickets and refunds). */
  async requestRefund(principal: Principal, ctx: AuditContext, orderId: string) {
    const order = await PaymentOrder.query(this.deps.db).findById(orderId).where({ kind: "tickets" });
    if (!order) throw new HttpError(404, "order_not_found", `order ${orderId} not found`);
    if (!hasRole(principal, "admin")) await this.deps.eventContracts.load(principal, order.event_contract_id, { level: "manager", scope: "editions" });
    return this.startRefund(ctx, order);
  }

  /**
   * An event cancelled on-chain: every card order is refunded by card (on-chain buyers claim
   * theirs on-chain with claimRefunds; card tickets are comps there, refunding nothing, so
   * nobody is refunded twice). Orders whose tickets were claimed wait for their return.
   */
  async refundCancelledEvent(principal: Principal, ctx: AuditContext, eventContractId: string) {
    await this.deps.eventContracts.load(principal, eventContractId, { level: "manager", scope: "editions" });
    const chain = this.requireCustody();
    const orders = await PaymentOrder.query(this.deps.db)
      .where({ event_contract_id: eventContractId })
      .whereIn("status", ["completed", "refunding", "refunded"]);
    if (orders.length > 0) {
      const cancelled = await chain.client.readContract({ address: orders[0]!.contract_address, abi: eventTicketAbi, functionName: "cancelled" });
      if (!cancelled) throw new HttpError(422, "event_not_cancelled", "cancel the event on-chain first (cancelEvent)");
    }
    const out = { refunding: 0, alreadyRefunded: 0, awaitingReturn: 0 };
    for (const order of orders) {
      if (order.status !== "completed") {
        out.alreadyRefunded++;
        continue;
      }
      try {
        await this.startRefund(ctx, order);
        out.refunding++;
      } catch (error) {
        if (error instanceof HttpError && error.code === "ticket_not_returned") out.awaitingReturn++;
        else if (error instanceof HttpError && error.code === "already_refunded") out.alreadyRefunded++;
        else throw error;
      }
    }
    return out;
  }

  private async startRefund(ctx: AuditContext, order: PaymentOrder) {
    return this.deps.db.transaction(async (trx) => {
      const locked = await PaymentOrder.query(trx).findById(order.id).forUpdate();
      if (!locked) throw new HttpError(404, "order_not_found", `order ${order.id} not found`);
      if (locked.status === "refunding" || locked.status === "refunded") throw new HttpError(409, "already_refunded", "this order is refunded already");
      if (locked.status !== "completed") throw new HttpError(422, "not_refundable", `an order that is ${locked.status} has no captured payment to refund`);
      const away = await PaymentTicket.query(trx).where({ order_id: order.id }).whereNot({ status: "custody" }).whereNot({ status: "voided" });
      if (away.length > 0) {
        throw new HttpError(409, "ticket_not_returned", "a claimed ticket must be returned to the custody before a card refund", undefined, {
          tokenIds: away.map((t) => t.token_id),
        });
      }
      await PaymentOrder.query(trx).findById(order.id).patch({ status: "refunding", updated_by: ctx.actorUserId });
      await recordAudit(trx, ctx, {
        action: "payment_order.refunding",
        entityType: "payment_order",
        entityId: order.id,
        before: { status: "completed" },
        after: { status: "refunding" },
      });
      await trx.raw("select graphile_worker.add_job(?, json_build_object('orderId', ?::text), job_key => ?, max_attempts => 25)", [
        ADVANCE_TASK,
        order.id,
        order.id,
      ]);
      return { orderId: order.id, status: "refunding" as const };
    });
  }

  /** Orders the recovery sweep should advance: every unsettled one, and reservations past their time. */
  async unsettledOrders(limit = 500): Promise<string[]> {
    const rows = await this.deps
      .db("payment_orders")
      .whereIn(
        "status",
        UNSETTLED_STATUSES.filter((s) => s !== "reserved"),
      )
      .orWhere((q) => q.where("status", "reserved").where("expires_at", "<", new Date()))
      .orderBy("updated_at")
      .limit(limit)
      .pluck("id");
    return rows;
  }

  /** An order whose payment was never opened (a crash right after the reservation): it expires. */
  async expireWithoutPayment(orderId: string): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const n = await trx.raw(
        `update payment_orders o set status = 'expired', status_reason = 'no_payment' where id = ? and status = 'reserved' and expires_at <= now()
           and not exists (select 1 from payments p where p.order_id = o.id) returning *`,
        [orderId],
      );
      if (n.rows.length > 0) {
        await this.machine?.released(trx, PaymentOrder.fromDatabaseJson(n.rows[0]), "expired");
        await recordAudit(trx, systemAuditContext(), {
          action: "payment_order.expired",
          entityType: "payment_order",
          entityId: orderId,
          after: { status: "expired", reason: "no_payment" },
        });
      }
    });
  }
}

export function orderView(order: PaymentOrder, payment: Partial<Payment> | undefined) {
  return {
    id: order.id,
    eventContractId: order.event_contract_id,
    tierId: order.tier_id,
    quantity: order.quantity,
    unitAmount: Number(order.unit_amount),
    amount: Number(order.amount),
    currency: order.currency.trim(),
    deliverTo: order.deliver_to,
    status: order.status,
    statusReason: order.status_reason,
    expiresAt: new Date(order.expires_at).toISOString(),
    mintTxHash: order.mint_tx_hash,
    firstTokenId: order.first_token_id,
    payment: payment?.provider
      ? {
          provider: payment.provider,
          providerPaymentId: payment.provider_payment_id!,
          status: payment.status!,
          checkoutUrl: payment.checkout_url ?? null,
          clientSecret: payment.client_secret ?? null,
          lastError: payment.last_error ?? null,
        }
      : null,
    createdAt: new Date(order.created_at).toISOString(),
  };
}

export function ticketView(t: PaymentTicket) {
  return {
    id: t.id,
    orderId: t.order_id,
    chainId: Number(t.chain_id),
    contract: t.contract_address,
    tokenId: String(t.token_id),
    status: t.status,
    custodyAddress: t.custody_address,
    claimedTo: t.claimed_to,
  };
}
