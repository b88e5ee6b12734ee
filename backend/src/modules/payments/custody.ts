import type { Knex } from "knex";
import type { Address, Hex } from "viem";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { recordAudit } from "../audit/service.js";
import { evmWalletsOf } from "../users/wallets.js";
import { ChainCallReverted, CustodyChain } from "./custody-chain.js";
import type { HoldingSeal } from "./holdings.js";
import { PaymentOrder, PaymentTicket, TransferOffer } from "./models.js";
import type { ResaleService } from "./resale.js";
import { ticketView } from "./service.js";

/**
 * Custodial tickets: on-chain the custody account holds them, off-chain payment_tickets says
 * for whom. A fan claims them into a wallet proven by the wallet-linking flow (SIWE or SEP-10:
 * only linked wallets are accepted), offers one to another user by email (it moves when the
 * recipient accepts; the sender can withdraw until then), and returns a claimed one to the
 * custody before a card refund.
 *
 * What moves a ticket on-chain is the custody key (configuration, never the database): a
 * database writer can change who a custodial ticket is *for* (and so who gets a gate pass
 * while the server runs) but cannot move, claim or burn the NFT; see the README's custody section.
 */
const BPS = 10_000n;

export class CustodyService {
  constructor(
    private readonly db: Knex,
    private readonly chain: CustodyChain | undefined,
    private readonly seal: HoldingSeal,
    /** Priced offers are paid by card (resale.ts); absent without a payment provider. */
    private readonly resale?: ResaleService,
  ) {}

  /** A holding whose seal does not verify was written around this server: it moves nowhere. */
  private assertSealed(t: PaymentTicket): void {
    if (!this.seal.valid({ ...t, chain_id: String(t.chain_id), token_id: String(t.token_id) })) {
      throw new HttpError(409, "holding_unverified", `ticket ${t.token_id}'s holder record does not verify: ask support`);
    }
  }

  private requireChain(): CustodyChain {
    if (!this.chain) throw new HttpError(503, "custody_unavailable", "no chain or custody account is configured");
    return this.chain;
  }

  async list(principal: Principal) {
    const rows = await PaymentTicket.query(this.db).where({ user_id: principal.userId }).whereIn("status", ["custody", "claiming"]).orderBy("token_id");
    return { items: rows.map(ticketView) };
  }

  /** Claims the caller's custodial tickets (all, or those named) into one of their linked wallets, in one request. */
  async claim(principal: Principal, ctx: AuditContext, input: { wallet: string; ticketIds?: string[] }) {
    const chain = this.requireChain();
    const wallet = input.wallet.toLowerCase() as Address;
    if (!(await evmWalletsOf(this.db, principal.userId)).includes(wallet)) {
      throw new HttpError(422, "wallet_not_proven", "link this wallet first (SIWE or SEP-10 proof)", [
        { field: "body.wallet", message: "not one of your linked wallets" },
      ]);
    }
    let query = PaymentTicket.query(this.db).where({ user_id: principal.userId }).whereIn("status", ["custody", "claiming"]);
    if (input.ticketIds?.length) query = query.whereIn("id", input.ticketIds);
    const tickets = await query.orderBy("token_id");
    if (tickets.length === 0) throw new HttpError(404, "ticket_not_found", "no custodial tickets to claim");
    const pending = await TransferOffer.query(this.db)
      .whereIn(
        "ticket_id",
        tickets.map((t) => t.id),
      )
      .whereIn("status", ["pending", "awaiting_payment"])
      .first();
    if (pending)
      throw new HttpError(409, "offer_pending", "withdraw the pending transfer offer first", [
        { field: "body.ticketIds", message: `ticket ${pending.ticket_id} is offered` },
      ]);

    for (const t of tickets) this.assertSealed(t);
    const claimed = [];
    for (const t of tickets) {
      const tokenId = BigInt(t.token_id);
      const owner = await chain.ownerOf(t.contract_address, tokenId);
      if (t.status === "claiming" && owner !== chain.address) {
        // an earlier claim went through (or the token is gone): record what the chain says
        claimed.push(await this.finishClaim(ctx, t, owner ?? null, t.claim_tx_hash));
        continue;
      }
      if (owner !== chain.address) throw new HttpError(409, "not_in_custody", `ticket ${t.token_id} is not held by the custody`);
      const data = CustodyChain.claimData(chain.address, wallet, tokenId);
      let gas: bigint;
      try {
        gas = await chain.estimate(t.contract_address, data);
      } catch (error) {
        if (error instanceof ChainCallReverted) {
          throw new HttpError(422, "claim_not_allowed", `the event's contract refuses the transfer (${error.errorName})`, undefined, {
            errorName: error.errorName,
          });
        }
        throw error;
      }
      let signed: { nonce: number; hash: Hex; raw: Hex } | undefined;
      await this.db.transaction(async (trx) => {
        const locked = await PaymentTicket.query(trx).findById(t.id).forUpdate();
        if (!locked || locked.user_id !== principal.userId || (locked.status !== "custody" && locked.status !== "claiming")) {
          throw new HttpError(409, "ticket_changed", "the ticket changed meanwhile");
        }
        signed = await chain.sign(trx, t.contract_address, data, gas);
        await PaymentTicket.query(trx)
          .findById(t.id)
          .patch({ status: "claiming", claimed_to: wallet, claim_tx_hash: signed.hash, updated_by: ctx.actorUserId });
        await recordAudit(trx, ctx, {
          action: "payment_ticket.claiming",
          entityType: "payment_ticket",
          entityId: t.id,
          before: { status: t.status },
          after: { status: "claiming", wallet, txHash: signed.hash },
        });
      });
      await chain.broadcast(signed!.raw);
      const fate = await chain.fate(signed!, 30_000);
      if (fate.kind !== "mined" || fate.receipt.status !== "success") {
        claimed.push(ticketView({ ...t, status: "claiming", claimed_to: wallet } as PaymentTicket));
        continue;
      }
      claimed.push(await this.finishClaim(ctx, t, wallet, signed!.hash));
    }
    return { wallet, items: claimed };
  }

  private async finishClaim(ctx: AuditContext, t: PaymentTicket, owner: string | null, txHash: string | null) {
    const status = owner === null ? "voided" : "claimed";
    const row = await this.db.transaction(async (trx) => {
      const after = await PaymentTicket.query(trx)
        .findById(t.id)
        .patch({ status, claimed_to: (owner ?? t.claimed_to) as Address | null, claim_tx_hash: txHash, updated_by: ctx.actorUserId })
        .returning("*")
        .first();
      await recordAudit(trx, ctx, {
        action: `payment_ticket.${status}`,
        entityType: "payment_ticket",
        entityId: t.id,
        before: { status: t.status },
        after: { status, owner, txHash },
      });
      return after!;
    });
    return ticketView(row);
  }

  /** A claimed ticket sent back to the custody on-chain (by its holder) becomes custodial again, for the caller. */
  async returned(principal: Principal, ctx: AuditContext, ticketId: string) {
    const chain = this.requireChain();
    const t = await PaymentTicket.query(this.db).findById(ticketId);
    if (!t || t.user_id !== principal.userId) throw new HttpError(404, "ticket_not_found", `ticket ${ticketId} not found`);
    if (t.status === "custody") return ticketView(t);
    if (t.status !== "claimed") throw new HttpError(409, "not_claimed", `the ticket is ${t.status}`);
    this.assertSealed(t);
    const owner = await chain.ownerOf(t.contract_address, BigInt(t.token_id));
    if (owner !== chain.address)
      throw new HttpError(409, "not_returned", `send token ${t.token_id} to the custody ${chain.address} first`, undefined, { custody: chain.address });
    return this.db.transaction(async (trx) => {
      const after = await PaymentTicket.query(trx)
        .findById(t.id)
        .where({ status: "claimed" })
        .patch({ status: "custody", updated_by: ctx.actorUserId })
        .returning("*")
        .first();
      if (!after) throw new HttpError(409, "ticket_changed", "the ticket changed meanwhile");
      await recordAudit(trx, ctx, {
        action: "payment_ticket.returned",
        entityType: "payment_ticket",
        entityId: t.id,
        before: { status: "claimed" },
        after: { status: "custody" },
      });
      return ticketView(after);
    });
  }

  /**
   * Offers a custodial ticket to another user by email, optionally for a price: at most its
   * face value plus the event's on-chain resale cap (resaleCapBps), and only where the
   * contract would let the ticket change hands (transfer policy Free, transferable tier).
   */
  async offer(principal: Principal, ctx: AuditContext, ticketId: string, input: { email: string; price?: number }) {
    const chain = this.requireChain();
    const t = await PaymentTicket.query(this.db).findById(ticketId);
    if (!t || t.user_id !== principal.userId) throw new HttpError(404, "ticket_not_found", `ticket ${ticketId} not found`);
    if (t.status !== "custody") throw new HttpError(409, "not_in_custody", `the ticket is ${t.status}`);
    this.assertSealed(t);
    const order = await PaymentOrder.query(this.db).findById(t.order_id);
    const [policy, terms, tier] = await Promise.all([
      chain.client.readContract({ address: t.contract_address, abi: eventTicketAbi, functionName: "transferPolicy" }),
      chain.client.readContract({ address: t.contract_address, abi: eventTicketAbi, functionName: "resaleTerms" }),
      chain.tier(t.contract_address, order!.tier_id),
    ]);
    if (policy !== 0 || !tier.transferable) throw new HttpError(422, "transfer_not_allowed", "this event's tickets cannot change hands");
    const price = BigInt(input.price ?? 0);
    // a priced offer is paid by card: below the card minimum no provider takes it
    if (price > 0n && price < 50n)
      throw new HttpError(422, "price_below_card_minimum", "a priced offer costs at least 50 minor units (the card minimum)", [
        { field: "body.price", message: "0 (a gift) or at least 50" },
      ]);
    const cap = (BigInt(order!.unit_amount) * (BPS + BigInt(terms[0]))) / BPS;
    if (price > cap)
      throw new HttpError(422, "resale_price_too_high", `at most ${cap} ${order!.currency} (face value plus the event's resale cap)`, [
        { field: "body.price", message: `at most ${cap}` },
      ]);
    const email = input.email.trim().toLowerCase();
    const recipient = await this.db("user_accounts").whereRaw("lower(email) = ?", [email]).whereNull("deleted_at").first("id");
    if (recipient?.id === principal.userId)
      throw new HttpError(422, "self_offer", "you cannot offer a ticket to yourself", [{ field: "body.email", message: "your own address" }]);
    return this.db.transaction(async (trx) => {
      const row = await TransferOffer.query(trx)
        .insert({
          id: newId(),
          ticket_id: t.id,
          from_user_id: principal.userId,
          to_email: email,
          to_user_id: recipient?.id ?? null,
          price: price.toString(),
          currency: order!.currency,
          status: "pending",
          created_by: ctx.actorUserId,
          updated_by: ctx.actorUserId,
        })
        .returning("*")
        .catch((error) => {
          if ((error as { constraint?: string }).constraint === "uq_payment_transfer_offers_pending")
            throw new HttpError(409, "offer_pending", "this ticket is offered already");
          throw error;
        });
      await recordAudit(trx, ctx, {
        action: "transfer_offer.created",
        entityType: "transfer_offer",
        entityId: row.id,
        after: { ticketId: t.id, toEmail: email, price: row.price },
      });
      return offerView(row);
    });
  }

  async offers(principal: Principal) {
    const me = await this.db("user_accounts").where({ id: principal.userId }).first("email");
    const rows = await TransferOffer.query(this.db)
      .where((q) => q.where({ from_user_id: principal.userId }).orWhereRaw("lower(to_email) = ?", [String(me?.email ?? "").toLowerCase()]))
      .orderBy("created_at", "desc")
      .limit(100);
    const details = await this.resale?.details(rows.filter((r) => Number(r.price) > 0).map((r) => r.id));
    return {
      items: rows.map((o) => {
        const pay = details?.payments.get(o.id);
        const mineToPay = pay && pay.buyerId === principal.userId && pay.orderStatus === "reserved";
        return {
          ...offerView(o),
          checkoutUrl: mineToPay ? pay.checkoutUrl : null,
          sellerCredit: o.from_user_id === principal.userId ? (details?.credits.get(o.id) ?? null) : null,
        };
      }),
    };
  }

  /** accept / decline (the recipient), withdraw (the sender): one decision, under the offer's and the ticket's locks. */
  async decide(principal: Principal, ctx: AuditContext, offerId: string, decision: "accept" | "decline" | "withdraw") {
    const me = await this.db("user_accounts").where({ id: principal.userId }).first("email");
    const myEmail = me ? String(me.email).toLowerCase() : null;
    if (decision === "accept" && myEmail) {
      // a priced offer moves when its card payment is authorized (resale.ts), not here
      const priced = await TransferOffer.query(this.db).findById(offerId);
      if (priced && priced.to_email === myEmail && Number(priced.price) > 0) {
        if (!this.resale) throw new HttpError(503, "payments_unavailable", "card payments are not configured (PAYMENTS_PROVIDER)");
        const out = await this.resale.accept(principal, ctx, offerId, myEmail);
        return { ...offerView(out.offer), checkoutUrl: out.checkoutUrl, clientSecret: out.clientSecret, orderId: out.orderId };
      }
    }
    return this.db.transaction(async (trx) => {
      const offer = await TransferOffer.query(trx).findById(offerId).forUpdate();
      const isRecipient = !!offer && !!myEmail && offer.to_email === myEmail;
      const isSender = !!offer && offer.from_user_id === principal.userId;
      if (!offer || (decision === "withdraw" ? !isSender : !isRecipient)) throw new HttpError(404, "offer_not_found", `offer ${offerId} not found`);
      if (offer.status === "awaiting_payment")
        throw new HttpError(409, "payment_pending", "the recipient's card payment for this offer is open: it can be withdrawn or declined once it lapses");
      if (offer.status !== "pending") throw new HttpError(409, "offer_decided", `the offer is ${offer.status}`);
      if (decision === "accept" && Number(offer.price) > 0) throw new HttpError(409, "offer_changed", "the offer changed meanwhile; try again");
      const status = decision === "accept" ? "accepted" : decision === "decline" ? "declined" : "withdrawn";
      if (decision === "accept") {
        const ticket = await PaymentTicket.query(trx).findById(offer.ticket_id).forUpdate();
        if (!ticket || ticket.status !== "custody" || ticket.user_id !== offer.from_user_id)
          throw new HttpError(409, "ticket_changed", "the ticket is no longer the sender's custodial ticket");
        this.assertSealed(ticket);
        const holderMac = this.seal.seal({ ...ticket, chain_id: String(ticket.chain_id), token_id: String(ticket.token_id), user_id: principal.userId });
        await PaymentTicket.query(trx).findById(ticket.id).patch({ user_id: principal.userId, holder_mac: holderMac, updated_by: ctx.actorUserId });
        await recordAudit(trx, ctx, {
          action: "payment_ticket.transferred",
          entityType: "payment_ticket",
          entityId: ticket.id,
          before: { userId: offer.from_user_id },
          after: { userId: principal.userId, offerId },
        });
      }
      const after = await TransferOffer.query(trx)
        .findById(offerId)
        .patch({ status, decided_at: new Date(), to_user_id: decision === "withdraw" ? offer.to_user_id : principal.userId, updated_by: ctx.actorUserId })
        .returning("*")
        .first();
      await recordAudit(trx, ctx, {
        action: `transfer_offer.${status}`,
        entityType: "transfer_offer",
        entityId: offerId,
        before: { status: "pending" },
        after: { status },
      });
      return offerView(after!);
    });
  }
}

function offerView(o: TransferOffer) {
  return {
    id: o.id,
    ticketId: o.ticket_id,
    fromUserId: o.from_user_id,
    toEmail: o.to_email,
    price: Number(o.price),
    currency: o.currency.trim(),
    status: o.status,
    decidedAt: o.decided_at ? new Date(o.decided_at).toISOString() : null,
    createdAt: new Date(o.created_at).toISOString(),
  };
}
