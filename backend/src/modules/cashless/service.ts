import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError, notFound } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { sha256Hex } from "../../security/tokens.js";
import { recordAudit } from "../audit/service.js";
import { festivalAccess, satisfies } from "../festival-access/service.js";
import { assertEditionAccess, editionContext } from "../festivals/service.js";
import { accountFor, bonusRemaining, book, balanceOf, openFanAccount, ownerBalance } from "./ledger.js";
import {
  Cashier,
  CashlessSettings,
  DrawerShift,
  LedgerAccount,
  LedgerTransfer,
  Wristband,
  historyEntryDto,
  settingsDto,
  shiftDto,
  wristbandDto,
} from "./models.js";

/**
 * Fan, cashier and organizer flows of the cashless ledger. Each money-moving write is one
 * transaction with its ledger transfer(s) and its audit row. The terminal payment is in
 * payments.ts; the invariants in migrations/600_cashless_ledger.ts.
 */

type Db = Knex | Knex.Transaction;

// ------------------------------------------------------------------ settings

export interface SettingsInput {
  currency: string;
  balanceCap: number;
  offlineAllowance: number;
  topupMin: number;
  topupMax: number;
  commissionBps: number;
}

export async function settingsOf(db: Db, editionId: string): Promise<CashlessSettings> {
  const s = await CashlessSettings.query(db).findById(editionId);
  if (!s) throw new HttpError(422, "cashless_not_configured", "cashless is not set up for this edition yet (PUT its cashless settings)");
  return s;
}

export async function getSettings(db: Knex, principal: Principal, editionId: string) {
  await assertEditionAccess(db, principal, editionId, { level: "viewer" });
  const s = await CashlessSettings.query(db).findById(editionId);
  if (!s) throw notFound("cashless_settings", editionId);
  return settingsDto(s);
}

/**
 * Organizers set the edition's currency, per-band cap, offline allowance, top-up limits and
 * default commission. The currency is fixed once accounts exist; a lower cap applies to every
 * band at once (422 if some band already holds more).
 */
export async function putSettings(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, body: SettingsInput) {
  const edition = await assertEditionAccess(db, principal, editionId, { level: "manager", scope: "editions" });
  if (body.topupMax < body.topupMin) {
    throw new HttpError(400, "invalid_topup_limits", "topupMax must be at least topupMin", [{ field: "body.topupMax", message: "must be >= topupMin" }]);
  }
  return db.transaction(async (trx) => {
    const before = await CashlessSettings.query(trx).findById(editionId).forUpdate();
    if (before && before.currency !== body.currency) {
      const used = await LedgerAccount.query(trx).where("edition_id", editionId).first().select("id");
      if (used) throw new HttpError(409, "currency_locked", "the edition's currency cannot change once its ledger has accounts");
    }
    const values = {
      currency: body.currency,
      balance_cap: String(body.balanceCap),
      offline_allowance: String(body.offlineAllowance),
      topup_min: String(body.topupMin),
      topup_max: String(body.topupMax),
      commission_bps: body.commissionBps,
      updated_by: principal.userId,
    };
    const [row] = await trx(CashlessSettings.tableName)
      .insert({ edition_id: editionId, ...values, created_by: principal.userId })
      .onConflict("edition_id")
      .merge({ ...values, updated_at: trx.fn.now() })
      .returning("*");
    if (before && before.balance_cap !== String(body.balanceCap)) {
      await withConstraintErrors(
        () =>
          trx(LedgerAccount.tableName)
            .where({ edition_id: editionId, kind: "fan" })
            .update({ max_balance: String(body.balanceCap) }),
        { ck_ledger_accounts_balance_cap: () => new HttpError(422, "cap_below_balances", "some bands already hold more than this cap") },
      );
    }
    await recordAudit(trx, ctx, {
      action: before ? "cashless_settings.updated" : "cashless_settings.created",
      entityType: "cashless_settings",
      entityId: editionId,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      before: before ? settingsDto(before) : null,
      after: values,
    });
    return settingsDto(CashlessSettings.fromDatabaseJson(row));
  });
}

// ------------------------------------------------------------------ cashiers

export async function assignCashier(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, userId: string) {
  const edition = await assertEditionAccess(db, principal, editionId, { level: "manager", scope: "editions" });
  return db.transaction(async (trx) => {
    const [row] = await withConstraintErrors(
      () =>
        trx(Cashier.tableName)
          .insert({ id: newId(), edition_id: editionId, user_id: userId, created_by: principal.userId, updated_by: principal.userId })
          .onConflict(["edition_id", "user_id"])
          .merge({ revoked_at: null, updated_by: principal.userId })
          .returning("*"),
      { fk_cashless_cashiers_user: () => new HttpError(422, "user_not_found", "no such user", [{ field: "body.userId", message: "unknown user" }]) },
    );
    await recordAudit(trx, ctx, {
      action: "cashless_cashier.assigned",
      entityType: "cashless_cashier",
      entityId: row.id,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      after: { editionId, userId },
    });
    return { editionId, userId };
  });
}

/** A cashier of the edition: assigned by its managers, or a festival manager, or a platform admin. */
async function assertCashier(db: Db, principal: Principal, editionId: string) {
  const edition = await editionContext(db, editionId);
  if (!edition) throw notFound("edition", editionId);
  const access = await festivalAccess(db, principal, edition.festivalId);
  if (access && satisfies(access, { level: "manager", scope: "editions" })) return edition;
  const assigned = await Cashier.query(db).where({ edition_id: editionId, user_id: principal.userId }).whereNull("revoked_at").first();
  if (!assigned) {
    if (access && access.grants.length) throw new HttpError(403, "not_a_cashier", "you are not a cashier of this edition");
    throw notFound("edition", editionId);
  }
  return edition;
}

// ------------------------------------------------------------------ wristbands

async function bandByTag(db: Db, editionId: string, tagId: string, lock = false) {
  const q = Wristband.query(db).where({ edition_id: editionId, tag_id: tagId }).first();
  return lock ? q.forUpdate() : q;
}

/** A band of the edition, created (unlinked, with its fan account) the first time its tag is seen. */
async function ensureBand(trx: Knex.Transaction, settings: CashlessSettings, tagId: string, actor: string | null): Promise<Wristband> {
  const existing = await bandByTag(trx, settings.edition_id, tagId, true);
  if (existing) return existing;
  const id = newId();
  const accountId = await openFanAccount(trx, settings.edition_id, settings.currency, settings.balance_cap, id);
  const [row] = await trx(Wristband.tableName)
    .insert({ id, edition_id: settings.edition_id, tag_id: tagId, account_id: accountId, created_by: actor, updated_by: actor })
    .onConflict(["edition_id", "tag_id"])
    .ignore()
    .returning("*");
  if (!row) throw new HttpError(409, "band_busy", "this band was registered by a concurrent request; retry");
  return Wristband.fromDatabaseJson(row);
}

/** A fan links a band (its NFC tag id) to their account for one edition. */
export function linkBand(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, tagId: string) {
  return bindBand(db, principal, ctx, editionId, tagId, principal.userId, null);
}

/**
 * Gate staff activate a band by scanning the holder's ticket pass: the gate has checked the
 * pass and its ticket (`checkPass`, the gate's passHolder), the band is bound to the account
 * that holds the ticket's wallet, for the edition of the ticket's event.
 */
export async function activateBandByPass(
  db: Knex,
  principal: Principal,
  ctx: AuditContext,
  input: { payload: string; zoneId: string; tagId: string },
  checkPass: (
    principal: Principal,
    input: { payload: string; zoneId: string },
  ) => Promise<{ holder: string; contract: string; tokenId: string; eventContractId: string }>,
) {
  const ticket = await checkPass(principal, input);
  const link = await db("event_contract_links").where({ id: ticket.eventContractId }).first("edition_id");
  if (!link?.edition_id)
    throw new HttpError(422, "event_without_edition", "this event is not tied to a festival edition, so its bands cannot be activated here");
  const holder = await db("evm_wallet_holders").where({ address: ticket.holder }).first("user_id");
  if (!holder) {
    throw new HttpError(
      422,
      "holder_without_account",
      "the ticket's holder has no account on the platform; they can link the band themselves after signing up",
      [{ field: "body.payload", message: "the pass's holder wallet belongs to no account" }],
    );
  }
  return bindBand(db, principal, ctx, link.edition_id, input.tagId, holder.user_id, { contract: ticket.contract, tokenId: ticket.tokenId });
}

/** Binds a band to `userId` for an edition (registering the band if it is new); the same binding again changes nothing. */
async function bindBand(
  db: Knex,
  principal: Principal,
  ctx: AuditContext,
  editionId: string,
  tagId: string,
  userId: string,
  viaTicket: { contract: string; tokenId: string } | null,
) {
  const edition = await editionContext(db, editionId);
  if (!edition) throw notFound("edition", editionId);
  const settings = await settingsOf(db, editionId);
  return db.transaction(async (trx) => {
    const band = await ensureBand(trx, settings, tagId, principal.userId);
    if (band.user_id && band.user_id !== userId) throw new HttpError(409, "band_linked_elsewhere", "this band belongs to another account");
    if (band.status !== "active") throw new HttpError(422, "band_blocked", "this band is blocked");
    if (band.user_id === userId) return wristbandDto(band, await balanceOf(trx, band.account_id).then(String));
    const row = await Wristband.query(trx).findById(band.id).patch({ user_id: userId, updated_by: principal.userId }).returning("*").castTo<Wristband>();
    await recordAudit(trx, ctx, {
      action: "wristband.linked",
      entityType: "wristband",
      entityId: band.id,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      after: viaTicket ? { tagId, userId, via: "gate_pass", ticket: viaTicket } : { tagId, userId },
    });
    return wristbandDto(row, await balanceOf(trx, band.account_id).then(String));
  });
}

export async function myBands(db: Knex, principal: Principal, editionId: string | undefined, page: PageQuery) {
  const q = db(Wristband.tableName)
    .where("wristbands.user_id", principal.userId)
    .join(LedgerAccount.tableName, "ledger_accounts.id", "wristbands.account_id")
    .select("wristbands.*", "ledger_accounts.balance as balance");
  if (editionId) q.where("wristbands.edition_id", editionId);
  return paginate(q, page, { column: "wristbands.created_at", id: "wristbands.id", order: "asc" }, (row) =>
    wristbandDto(Wristband.fromDatabaseJson(row), String(row.balance)),
  );
}

/** The band, if the caller may see it: its owner, or a viewer of its festival. 404 otherwise. */
async function visibleBand(db: Db, principal: Principal, bandId: string, own = false) {
  const band = await Wristband.query(db).findById(bandId);
  if (!band) throw notFound("wristband", bandId);
  const edition = await editionContext(db, band.edition_id);
  if (!edition) throw notFound("wristband", bandId);
  if (band.user_id === principal.userId) return { band, edition };
  if (!own) {
    const access = await festivalAccess(db, principal, edition.festivalId);
    if (access && satisfies(access, { level: "viewer" })) return { band, edition };
  }
  throw notFound("wristband", bandId);
}

export async function getBand(db: Knex, principal: Principal, bandId: string) {
  const { band } = await visibleBand(db, principal, bandId);
  return wristbandDto(band, String(await balanceOf(db, band.account_id)));
}

/** The band's ledger history, newest first, a page at a time. */
export async function bandHistory(db: Knex, principal: Principal, bandId: string, page: PageQuery) {
  const { band } = await visibleBand(db, principal, bandId);
  const q = db(LedgerTransfer.tableName).where((w) => w.where("from_account_id", band.account_id).orWhere("to_account_id", band.account_id));
  return paginate(q, page, { column: "created_at", order: "desc" }, (row) => historyEntryDto(LedgerTransfer.fromDatabaseJson(row), band.account_id));
}

// ------------------------------------------------------------------ top-ups and bonus

export interface TopupInput {
  transferId: string;
  tagId: string;
  amount: number;
  method: "cash" | "card";
}

/**
 * A cashier tops a band up with cash (from their open drawer shift's account) or card (the
 * edition's card clearing account). The band is registered on first sight. Exactly once by
 * the client's transfer id: a replay returns the first result, other content is a 409.
 */
export async function topUp(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, input: TopupInput) {
  const edition = await assertCashier(db, principal, editionId);
  const settings = await settingsOf(db, editionId);
  const hash = sha256Hex(JSON.stringify(["topup", editionId, input.tagId, input.amount, input.method]));
  const prior = await LedgerTransfer.query(db).where("client_transfer_id", input.transferId).first();
  if (prior) return replayOf(db, prior, hash);
  if (input.amount <= 0)
    throw new HttpError(422, "amount_not_positive", "an amount is a positive number of minor units", [{ field: "body.amount", message: "must be > 0" }]);
  if (input.amount < Number(settings.topup_min) || input.amount > Number(settings.topup_max)) {
    throw new HttpError(422, "topup_out_of_limits", `a top-up is between ${settings.topup_min} and ${settings.topup_max} minor units`, [
      { field: "body.amount", message: "outside the edition's top-up limits" },
    ]);
  }
  try {
    return await db.transaction(async (trx) => {
      const shift = await DrawerShift.query(trx).where({ edition_id: editionId, cashier_user_id: principal.userId, status: "open" }).first();
      if (!shift && input.method === "cash") throw new HttpError(422, "no_open_shift", "open a drawer shift before taking cash");
      const band = await ensureBand(trx, settings, input.tagId, principal.userId);
      // a band blocked for an offline debt takes top-ups: they pay the debt first
      if (band.status !== "active" && band.blocked_reason !== "debt") throw new HttpError(422, "band_blocked", "this band is blocked; nothing was booked");
      const from = input.method === "cash" ? shift!.account_id : await accountFor(trx, editionId, "topup_card", shift?.id ?? null, settings.currency); // card clearing per desk shift: no edition-wide hot row
      const transfer = await book(trx, {
        editionId,
        type: "TOPUP",
        fromAccountId: from,
        toAccountId: band.account_id,
        amount: input.amount,
        currency: settings.currency,
        clientTransferId: input.transferId,
        requestHash: hash,
        wristbandId: band.id,
        drawerShiftId: shift?.id ?? null,
        method: input.method,
        createdBy: principal.userId,
      });
      const repaid = band.blocked_reason === "debt" ? await repayDebt(trx, band, settings.currency, principal.userId) : null;
      await recordAudit(trx, ctx, {
        action: "wristband.topped_up",
        entityType: "wristband",
        entityId: band.id,
        organizationId: edition.organizationId,
        festivalId: edition.festivalId,
        after: { transferId: transfer.id, amount: input.amount, method: input.method, balanceAfter: transfer.to_balance_after, debtRepaid: repaid },
      });
      return topupDto(transfer, false);
    });
  } catch (error) {
    // a concurrent request with the same transfer id won: answer as its replay
    if (error instanceof HttpError && error.code === "transfer_id_conflict") {
      const first = await LedgerTransfer.query(db).where("client_transfer_id", input.transferId).first();
      if (first) return replayOf(db, first, hash);
    }
    throw error;
  }
}

/**
 * Pays a band's offline debt (its debt account is negative) from its balance, as far as it
 * goes; once the debt is 0 the band is active again. Returns what was repaid.
 */
async function repayDebt(trx: Knex.Transaction, band: Wristband, currency: string, actor: string): Promise<string> {
  const debtAccount = await accountFor(trx, band.edition_id, "debt", band.id, currency);
  const owed = -(await balanceOf(trx, debtAccount));
  const balance = await balanceOf(trx, band.account_id);
  const repay = owed < balance ? owed : balance;
  if (repay > 0n) {
    await book(trx, {
      editionId: band.edition_id,
      type: "DEBT",
      fromAccountId: band.account_id,
      toAccountId: debtAccount,
      amount: repay,
      currency,
      wristbandId: band.id,
      memo: "offline debt repaid",
      createdBy: actor,
    });
  }
  if (owed - repay <= 0n) {
    await Wristband.query(trx).findById(band.id).patch({ status: "active", blocked_reason: null, blocked_at: null, updated_by: actor });
  }
  return String(repay);
}

function replayOf(_db: Knex, prior: LedgerTransfer, hash: string) {
  if (prior.request_hash !== hash) {
    throw new HttpError(409, "transfer_id_conflict", "this transfer id was already used for a different request; nothing was booked", [
      { field: "body.transferId", message: "already used with other content" },
    ]);
  }
  return topupDto(prior, true);
}

function topupDto(t: LedgerTransfer, replayed: boolean) {
  return {
    transferId: t.id,
    clientTransferId: t.client_transfer_id,
    wristbandId: t.wristband_id,
    type: t.type,
    amount: Number(t.amount),
    bonusAmount: Number(t.bonus_amount),
    currency: t.currency,
    balanceAfter: Number(t.to_balance_after),
    bookedAt: t.created_at.toISOString(),
    replayed,
  };
}

/** Organizers grant bonus credit (spendable, never refunded). */
export async function grantBonus(
  db: Knex,
  principal: Principal,
  ctx: AuditContext,
  editionId: string,
  input: { transferId: string; tagId: string; amount: number },
) {
  const edition = await assertEditionAccess(db, principal, editionId, { level: "manager", scope: "editions" });
  const settings = await settingsOf(db, editionId);
  const hash = sha256Hex(JSON.stringify(["bonus", editionId, input.tagId, input.amount]));
  const prior = await LedgerTransfer.query(db).where("client_transfer_id", input.transferId).first();
  if (prior) return replayOf(db, prior, hash);
  if (input.amount <= 0)
    throw new HttpError(422, "amount_not_positive", "an amount is a positive number of minor units", [{ field: "body.amount", message: "must be > 0" }]);
  return db.transaction(async (trx) => {
    const band = await ensureBand(trx, settings, input.tagId, principal.userId);
    if (band.status !== "active") throw new HttpError(422, "band_blocked", "this band is blocked; nothing was booked");
    const transfer = await book(trx, {
      editionId,
      type: "BONUS",
      fromAccountId: await accountFor(trx, editionId, "bonus", null, settings.currency),
      toAccountId: band.account_id,
      amount: input.amount,
      bonusAmount: input.amount,
      currency: settings.currency,
      clientTransferId: input.transferId,
      requestHash: hash,
      wristbandId: band.id,
      createdBy: principal.userId,
    });
    await recordAudit(trx, ctx, {
      action: "wristband.bonus_granted",
      entityType: "wristband",
      entityId: band.id,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      after: { transferId: transfer.id, amount: input.amount },
    });
    return topupDto(transfer, false);
  });
}

// ------------------------------------------------------------------ lost band, refund

/** The owner blocks a lost band: no terminal can charge it any more. */
export async function blockBand(db: Knex, principal: Principal, ctx: AuditContext, bandId: string) {
  const { band, edition } = await visibleBand(db, principal, bandId, true);
  return db.transaction(async (trx) => {
    const current = await Wristband.query(trx).findById(band.id).forUpdate();
    if (!current) throw notFound("wristband", bandId);
    if (current.status === "blocked") return wristbandDto(current, String(await balanceOf(trx, current.account_id)));
    const row = await Wristband.query(trx)
      .findById(band.id)
      .patch({ status: "blocked", blocked_reason: "lost", blocked_at: trx.fn.now() as unknown as Date, updated_by: principal.userId })
      .returning("*")
      .castTo<Wristband>();
    await recordAudit(trx, ctx, {
      action: "wristband.blocked",
      entityType: "wristband",
      entityId: band.id,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      before: { status: current.status },
      after: { status: "blocked", reason: "lost" },
    });
    return wristbandDto(row, String(await balanceOf(trx, row.account_id)));
  });
}

/**
 * Moves a (lost) band's whole balance to a new band of the same edition, which is linked to
 * the owner. The old band is blocked first if it was not; its bonus part stays bonus.
 */
export async function moveBand(db: Knex, principal: Principal, ctx: AuditContext, bandId: string, newTagId: string) {
  const { band, edition } = await visibleBand(db, principal, bandId, true);
  const settings = await settingsOf(db, band.edition_id);
  return db.transaction(async (trx) => {
    const old = await Wristband.query(trx).findById(band.id).forUpdate();
    if (!old) throw notFound("wristband", bandId);
    if (old.replaced_by_id) throw new HttpError(409, "band_already_moved", "this band's balance was already moved");
    if (old.blocked_reason && old.blocked_reason !== "lost") throw new HttpError(422, "band_blocked", `this band is blocked (${old.blocked_reason})`);
    if (old.tag_id === newTagId) throw new HttpError(422, "same_band", "the new band must be another band", [{ field: "body.newTagId", message: "same band" }]);
    const target = await ensureBand(trx, settings, newTagId, principal.userId);
    if (target.user_id && target.user_id !== principal.userId) throw new HttpError(409, "band_linked_elsewhere", "the new band belongs to another account");
    if (target.status !== "active") throw new HttpError(422, "band_blocked", "the new band is blocked");
    if (!target.user_id) await Wristband.query(trx).findById(target.id).patch({ user_id: principal.userId, updated_by: principal.userId });
    await Wristband.query(trx)
      .findById(old.id)
      .patch({
        status: "blocked",
        blocked_reason: "lost",
        blocked_at: (old.blocked_at ?? trx.fn.now()) as unknown as Date,
        replaced_by_id: target.id,
        updated_by: principal.userId,
      });
    const balance = await balanceOf(trx, old.account_id);
    let transferId: string | null = null;
    if (balance > 0n) {
      const transfer = await book(trx, {
        editionId: old.edition_id,
        type: "TRANSFER",
        fromAccountId: old.account_id,
        toAccountId: target.account_id,
        amount: balance,
        bonusAmount: await bonusRemaining(trx, old.account_id, balance),
        currency: settings.currency,
        wristbandId: target.id,
        memo: `balance of lost band ${old.tag_id}`,
        createdBy: principal.userId,
      });
      transferId = transfer.id;
    }
    await recordAudit(trx, ctx, {
      action: "wristband.moved",
      entityType: "wristband",
      entityId: old.id,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      before: { status: old.status },
      after: { status: "blocked", replacedById: target.id, moved: String(balance), transferId },
    });
    const fresh = await Wristband.query(trx).findById(target.id);
    return { from: old.id, to: wristbandDto(fresh!, String(await balanceOf(trx, target.account_id))), moved: Number(balance), transferId };
  });
}

/**
 * After the edition has ended the owner asks for the remaining balance back: no minimum, no
 * fee, bonus credit excluded (bonus is spent last, so what is refunded is the balance minus
 * the bonus still on it). The refund is owed through refunds_payable (paid out by bank); the
 * bonus left goes back to the bonus account; the band is blocked (refunded).
 */
export async function refundBand(db: Knex, principal: Principal, ctx: AuditContext, bandId: string) {
  const { band, edition } = await visibleBand(db, principal, bandId, true);
  if (edition.endsAt.getTime() > Date.now()) throw new HttpError(422, "edition_not_over", "refunds open when the edition has ended");
  const settings = await settingsOf(db, band.edition_id);
  return db.transaction(async (trx) => {
    const payable = await accountFor(trx, band.edition_id, "refunds_payable", null, settings.currency);
    return refundIn(trx, ctx, edition, settings, band.id, { toAccountId: payable, method: "online", shiftId: null, actor: principal.userId });
  });
}

/**
 * A cashier pays a band's remaining balance out in cash at the desk (bonus excluded, as
 * online): from the band to their open drawer shift's account, so the drawer's expected cash
 * goes down by what was paid out.
 */
export async function cashRefund(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, tagId: string) {
  const edition = await assertCashier(db, principal, editionId);
  const settings = await settingsOf(db, editionId);
  return db.transaction(async (trx) => {
    const shift = await DrawerShift.query(trx).where({ edition_id: editionId, cashier_user_id: principal.userId, status: "open" }).first();
    if (!shift) throw new HttpError(422, "no_open_shift", "open a drawer shift before paying cash out");
    const band = await bandByTag(trx, editionId, tagId);
    if (!band) throw new HttpError(422, "unknown_band", "no wristband with this tag id in this edition", [{ field: "body.tagId", message: "unknown band" }]);
    return refundIn(trx, ctx, edition, settings, band.id, { toAccountId: shift.account_id, method: "cash", shiftId: shift.id, actor: principal.userId });
  });
}

/**
 * The band, locked, and what of its balance may be paid back: all of it but the bonus credit
 * still on it. The one place this rule lives: the band refunds here and the card refund of a
 * top-up (card-topups.ts) both use it, so neither pays back bonus or what the other paid back.
 */
export async function lockRefundable(trx: Knex.Transaction, bandId: string) {
  const band = await Wristband.query(trx).findById(bandId).forUpdate();
  if (!band) throw notFound("wristband", bandId);
  if (band.blocked_reason === "refunded") throw new HttpError(409, "already_refunded", "this band was already refunded");
  if (band.blocked_reason === "debt") throw new HttpError(422, "band_in_debt", "this band has an unsettled offline debt");
  if (band.replaced_by_id) throw new HttpError(422, "band_moved", "this band's balance was moved to another band");
  const balance = await balanceOf(trx, band.account_id);
  const bonus = await bonusRemaining(trx, band.account_id, balance);
  return { band, balance, bonus, refundable: balance - bonus };
}

async function refundIn(
  trx: Knex.Transaction,
  ctx: AuditContext,
  edition: { organizationId: string; festivalId: string },
  settings: CashlessSettings,
  bandId: string,
  to: { toAccountId: string; method: "online" | "cash"; shiftId: string | null; actor: string },
) {
  const { band: current, balance, bonus, refundable } = await lockRefundable(trx, bandId);
  let refundTransferId: string | null = null;
  if (refundable > 0n) {
    const t = await book(trx, {
      editionId: current.edition_id,
      type: "REFUND",
      fromAccountId: current.account_id,
      toAccountId: to.toAccountId,
      amount: refundable,
      currency: settings.currency,
      wristbandId: current.id,
      drawerShiftId: to.shiftId,
      method: to.method,
      createdBy: to.actor,
    });
    refundTransferId = t.id;
  }
  if (bonus > 0n) {
    await book(trx, {
      editionId: current.edition_id,
      type: "CORRECTION",
      fromAccountId: current.account_id,
      toAccountId: await accountFor(trx, current.edition_id, "bonus", null, settings.currency),
      amount: bonus,
      bonusAmount: bonus,
      currency: settings.currency,
      wristbandId: current.id,
      memo: "bonus credit expires at refund",
      createdBy: to.actor,
    });
  }
  await Wristband.query(trx)
    .findById(current.id)
    .patch({ status: "blocked", blocked_reason: "refunded", blocked_at: trx.fn.now() as unknown as Date, updated_by: to.actor });
  await recordAudit(trx, ctx, {
    action: "wristband.refunded",
    entityType: "wristband",
    entityId: current.id,
    organizationId: edition.organizationId,
    festivalId: edition.festivalId,
    before: { balance: String(balance) },
    after: { refunded: String(refundable), bonusExpired: String(bonus), method: to.method, transferId: refundTransferId },
  });
  return { wristbandId: current.id, refunded: Number(refundable), bonusExcluded: Number(bonus), currency: settings.currency, transferId: refundTransferId };
}

// ------------------------------------------------------------------ drawer shifts

export async function openShift(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, body: { desk: string; openingFloat: number }) {
  const edition = await assertCashier(db, principal, editionId);
  const settings = await settingsOf(db, editionId);
  return db.transaction(async (trx) => {
    const id = newId();
    const accountId = await accountFor(trx, editionId, "cash_drawer", id, settings.currency);
    const [row] = await withConstraintErrors(
      () =>
        trx(DrawerShift.tableName)
          .insert({
            id,
            edition_id: editionId,
            cashier_user_id: principal.userId,
            desk: body.desk,
            opening_float: String(body.openingFloat),
            account_id: accountId,
            created_by: principal.userId,
            updated_by: principal.userId,
          })
          .returning("*"),
      { uq_cashless_drawer_shifts_one_open: () => new HttpError(409, "shift_already_open", "you already have an open drawer shift in this edition") },
    );
    await recordAudit(trx, ctx, {
      action: "drawer_shift.opened",
      entityType: "drawer_shift",
      entityId: id,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      after: { desk: body.desk, openingFloat: body.openingFloat },
    });
    return shiftDto(DrawerShift.fromDatabaseJson(row));
  });
}

/**
 * Closes a drawer shift with the counted cash. Expected = opening float + cash taken in (the
 * drawer account gives out what the bands receive, so its balance is minus the cash taken).
 * The difference (counted - expected) is booked against the edition's imbalance account, so
 * afterwards the drawer account says exactly what was counted.
 */
export async function closeShift(db: Knex, principal: Principal, ctx: AuditContext, shiftId: string, countedCash: number) {
  const shift = await DrawerShift.query(db).findById(shiftId);
  if (!shift) throw notFound("drawer_shift", shiftId);
  const edition = await assertCashier(db, principal, shift.edition_id);
  const access = await festivalAccess(db, principal, edition.festivalId);
  const manager = access !== null && satisfies(access, { level: "manager", scope: "editions" });
  if (shift.cashier_user_id !== principal.userId && !manager) throw notFound("drawer_shift", shiftId);
  const settings = await settingsOf(db, shift.edition_id);
  return db.transaction(async (trx) => {
    const current = await DrawerShift.query(trx).findById(shiftId).forUpdate();
    if (!current || current.status !== "open") throw new HttpError(409, "shift_closed", "this drawer shift is already closed");
    const balance = await balanceOf(trx, current.account_id);
    const expected = BigInt(current.opening_float) - balance;
    const difference = BigInt(countedCash) - expected;
    if (difference !== 0n) {
      const imbalance = await accountFor(trx, current.edition_id, "imbalance", null, settings.currency);
      const over = difference > 0n;
      await book(trx, {
        editionId: current.edition_id,
        type: "IMBALANCE",
        fromAccountId: over ? current.account_id : imbalance,
        toAccountId: over ? imbalance : current.account_id,
        amount: over ? difference : -difference,
        currency: settings.currency,
        drawerShiftId: current.id,
        method: "cash",
        memo: over ? "cash over at drawer close" : "cash short at drawer close",
        createdBy: principal.userId,
      });
    }
    const row = await DrawerShift.query(trx)
      .findById(shiftId)
      .patch({
        status: "closed",
        closed_at: trx.fn.now() as unknown as Date,
        expected_cash: String(expected),
        counted_cash: String(countedCash),
        difference: String(difference),
        updated_by: principal.userId,
      })
      .returning("*")
      .castTo<DrawerShift>();
    await recordAudit(trx, ctx, {
      action: "drawer_shift.closed",
      entityType: "drawer_shift",
      entityId: shiftId,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      before: { status: "open" },
      after: { status: "closed", expected: String(expected), counted: String(countedCash), difference: String(difference) },
    });
    return shiftDto(row);
  });
}

// ------------------------------------------------------------------ the ledger for organizers

/** The edition's accounts by kind, summed over owners and shards. */
export async function ledgerSummary(db: Knex, principal: Principal, editionId: string) {
  await assertEditionAccess(db, principal, editionId, { level: "viewer" });
  const rows = await db(LedgerAccount.tableName)
    .where("edition_id", editionId)
    .groupBy("kind")
    .select("kind", db.raw("sum(balance)::text as balance"), db.raw("count(*)::int as accounts"));
  return {
    editionId,
    accounts: rows.map((r: { kind: string; balance: string; accounts: number }) => ({ kind: r.kind, balance: Number(r.balance), accounts: r.accounts })),
    total: rows.reduce((sum: number, r: { balance: string }) => sum + Number(r.balance), 0),
  };
}

/** What a vendor has received in an edition so far (its receivable shards summed). */
export function vendorReceivable(db: Db, editionId: string, vendorId: string): Promise<bigint> {
  return ownerBalance(db, editionId, "vendor_receivable", vendorId);
}

// ------------------------------------------------------------------ sales

export type SalesGrouping = "vendor" | "stand" | "terminal" | "hour" | "operator";

/**
 * Sales of an edition from the ledger, grouped by vendor, stand, terminal or hour (edition
 * time): payments (online and offline, the offline overspend booked to debt included) minus
 * refunds. `operator` groups the cashiers' top-ups by who took them. Product sales come
 * from the vendors module (order lines).
 */
export async function salesReport(db: Knex, principal: Principal, editionId: string, groupBy: SalesGrouping) {
  const edition = await assertEditionAccess(db, principal, editionId, { level: "viewer" });
  const key =
    groupBy === "hour"
      ? db.raw("to_char(date_trunc('hour', created_at at time zone ?), 'YYYY-MM-DD\"T\"HH24:00')", [edition.timezone])
      : db.raw("??::text", [groupBy === "operator" ? "created_by" : `${groupBy}_id`]);
  const q = db(LedgerTransfer.tableName).where("edition_id", editionId);
  if (groupBy === "operator") {
    q.where("type", "TOPUP").select(
      db.raw("? as key", [key]),
      db.raw("count(*)::int as count"),
      db.raw("coalesce(sum(amount), 0)::text as sales"),
      db.raw("0::text as refunds"),
    );
  } else {
    q.whereIn("type", ["PAYMENT", "DEBT", "REFUND"])
      .whereNotNull("vendor_id")
      .select(
        db.raw("? as key", [key]),
        db.raw("(count(*) filter (where type <> 'REFUND'))::int as count"),
        db.raw("coalesce(sum(amount) filter (where type <> 'REFUND'), 0)::text as sales"),
        db.raw("coalesce(sum(amount) filter (where type = 'REFUND'), 0)::text as refunds"),
      );
  }
  const rows: Array<{ key: string | null; count: number; sales: string; refunds: string }> = await q.groupByRaw("1").orderByRaw("1");
  return {
    editionId,
    groupBy,
    items: rows.map((r) => ({ key: r.key, count: r.count, sales: Number(r.sales), refunds: Number(r.refunds), net: Number(r.sales) - Number(r.refunds) })),
  };
}

/** Who wears an active, linked band of an edition (by its NFC tag id), for other modules' check-ins (shifts); null if nobody. */
export async function bandHolder(db: Knex, editionId: string, tagId: string): Promise<string | null> {
  const band = await db("wristbands").where({ edition_id: editionId, tag_id: tagId.toUpperCase(), status: "active" }).whereNotNull("user_id").first("user_id");
  return band?.user_id ?? null;
}
