import type { Knex } from "knex";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError, notFound } from "../../http/errors.js";
import { recordAudit } from "../audit/service.js";
import { editionContext } from "../festivals/service.js";
import { accountFor, balanceOf, book } from "./ledger.js";
import { LedgerTransfer, Wristband } from "./models.js";
import { lockRefundable, settingsOf } from "./service.js";

/**
 * The cashless side of a fan's own top-up by card (the payments module takes the card: its
 * payments/topups.ts). This module owns the ledger; payments only calls these three:
 * - cardTopupTarget: before the payment opens, which band it credits and whether it may;
 * - creditCardTopup: on the authorized payment, in the payments step's transaction; exactly
 *   once by the order id (the transfer's client id, uq_ledger_transfers_client_transfer_id);
 * - refundCardTopup: the unspent part back, booked in the payments refund request's transaction.
 * Money comes from (and goes back to) the edition's online card clearing account (topup_card, no owner).
 */
export interface CardTopupRequest {
  amount: number;
  currency: string;
  wristbandId?: string;
}

/** The caller's band for a card top-up of `amount`, checked against the edition's cashless settings. 4xx naming the field otherwise. */
export async function cardTopupTarget(db: Knex, principal: Principal, editionId: string, input: CardTopupRequest) {
  const edition = await editionContext(db, editionId);
  if (!edition) throw notFound("edition", editionId);
  const settings = await settingsOf(db, editionId);
  if (input.currency !== settings.currency.trim()) {
    throw new HttpError(422, "currency_mismatch", `this edition's cashless currency is ${settings.currency.trim()}`, [
      { field: "body.currency", message: `must be ${settings.currency.trim()}` },
    ]);
  }
  if (input.amount < Number(settings.topup_min) || input.amount > Number(settings.topup_max)) {
    throw new HttpError(422, "topup_out_of_limits", `a top-up is between ${settings.topup_min} and ${settings.topup_max} minor units`, [
      { field: "body.amount", message: "outside the edition's top-up limits" },
    ]);
  }
  const bands = await Wristband.query(db).where({ edition_id: editionId, user_id: principal.userId }).whereNull("replaced_by_id");
  const band = input.wristbandId ? bands.find((b) => b.id === input.wristbandId) : bands.length === 1 ? bands[0] : undefined;
  if (!band) {
    if (input.wristbandId) throw new HttpError(404, "wristband_not_found", `wristband ${input.wristbandId} not found`);
    throw new HttpError(422, bands.length ? "wristband_ambiguous" : "no_wristband", bands.length ? "name the band to top up" : "link a wristband first", [
      { field: "body.wristbandId", message: bands.length ? "you have several bands in this edition" : "no band linked in this edition" },
    ]);
  }
  assertCreditable(band);
  if ((await balanceOf(db, band.account_id)) + BigInt(input.amount) > BigInt(settings.balance_cap)) {
    throw new HttpError(422, "over_cap", "this would take the band's balance above the edition's cap", [{ field: "body.amount", message: "too much" }]);
  }
  return { wristbandId: band.id, currency: settings.currency.trim(), festivalId: edition.festivalId, organizationId: edition.organizationId };
}

function assertCreditable(band: Wristband) {
  // a band blocked for an offline debt is not topped up online: the desk settles the debt first
  if (band.status !== "active") throw new HttpError(422, "band_blocked", "this band is blocked");
}

/** Credits a paid card top-up to its band, in `trx` (the payment step's). Exactly once by `orderId`; an HttpError when the band cannot take it. */
export async function creditCardTopup(
  trx: Knex.Transaction,
  ctx: AuditContext,
  input: { editionId: string; wristbandId: string; amount: number; currency: string; orderId: string },
) {
  const prior = await LedgerTransfer.query(trx).where("client_transfer_id", input.orderId).first();
  if (prior) return { transferId: prior.id, balanceAfter: prior.to_balance_after };
  const band = await Wristband.query(trx).findById(input.wristbandId).forUpdate();
  if (!band || band.edition_id !== input.editionId) throw notFound("wristband", input.wristbandId);
  assertCreditable(band);
  const settings = await settingsOf(trx, input.editionId);
  if (settings.currency.trim() !== input.currency.trim()) throw new HttpError(422, "currency_mismatch", "the edition's cashless currency changed");
  const transfer = await book(trx, {
    editionId: input.editionId,
    type: "TOPUP",
    fromAccountId: await accountFor(trx, input.editionId, "topup_card", null, settings.currency),
    toAccountId: band.account_id,
    amount: input.amount,
    currency: settings.currency,
    clientTransferId: input.orderId,
    wristbandId: band.id,
    method: "online",
    memo: "card top-up",
    createdBy: band.user_id,
  });
  await recordAudit(trx, ctx, {
    action: "wristband.topped_up",
    entityType: "wristband",
    entityId: band.id,
    after: { transferId: transfer.id, amount: input.amount, method: "online", orderId: input.orderId, balanceAfter: transfer.to_balance_after },
  });
  return { transferId: transfer.id, balanceAfter: transfer.to_balance_after };
}

/**
 * Books the card refund of a top-up on the ledger: what is unspent of it (the band's
 * refundable balance, bonus excluded, lockRefundable), at most the top-up's amount, back to
 * the card clearing account. Returns 0 when nothing is left to pay back (and books nothing).
 */
export async function refundCardTopup(
  trx: Knex.Transaction,
  ctx: AuditContext,
  input: { editionId: string; wristbandId: string; max: number; orderId: string },
) {
  const { band, refundable } = await lockRefundable(trx, input.wristbandId);
  const amount = refundable < BigInt(input.max) ? refundable : BigInt(input.max);
  if (amount <= 0n) return { amount: 0, transferId: null };
  const settings = await settingsOf(trx, input.editionId);
  const transfer = await book(trx, {
    editionId: input.editionId,
    type: "REFUND",
    fromAccountId: band.account_id,
    toAccountId: await accountFor(trx, input.editionId, "topup_card", null, settings.currency),
    amount,
    currency: settings.currency,
    wristbandId: band.id,
    method: "online",
    memo: `card refund of top-up ${input.orderId}`,
    createdBy: ctx.actorUserId,
  });
  await recordAudit(trx, ctx, {
    action: "wristband.card_refunded",
    entityType: "wristband",
    entityId: band.id,
    after: { transferId: transfer.id, amount: String(amount), orderId: input.orderId, balanceAfter: transfer.from_balance_after },
  });
  return { amount: Number(amount), transferId: transfer.id };
}
