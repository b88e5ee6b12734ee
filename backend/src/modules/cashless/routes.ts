import { requireAuth, requireRole, requireTerminal, terminalOf, type TerminalResolver } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { verifyLedger } from "./ledger.js";
import { uploadJournal } from "./offline.js";
import { PaymentBatcher } from "./payments.js";
import {
  ActivateBandBody,
  AssignCashierBody,
  Band,
  BandParams,
  BonusBody,
  CashRefundBody,
  Booking,
  Cashier,
  Charge,
  ChargeBody,
  CloseShiftBody,
  EditionParams,
  HistoryEntry,
  JournalBody,
  JournalResult,
  LedgerSummary,
  LedgerVerification,
  LinkBandBody,
  MoveBandBody,
  MoveResult,
  MyBandsQuery,
  OpenShiftBody,
  RefundResult,
  SalesQuery,
  SalesReport,
  Settings,
  SettingsBody,
  Shift,
  ShiftParams,
  TopupBody,
} from "./schemas.js";
import * as cashless from "./service.js";

const tags = ["cashless"];

/** The gate's check of a pass shown at a zone (the gate module's passHolder), for binding bands at the gate. */
export type PassCheck = Parameters<typeof cashless.activateBandByPass>[4];

export function cashlessRoutes(api: ApiRouter, { db, terminals, checkPass }: RouteDeps & { terminals: TerminalResolver; checkPass: PassCheck }): void {
  const payments = new PaymentBatcher(db);
  // ---------------------------------------------------------------- organizers
  api.route({
    method: "put",
    path: "/api/v1/editions/{editionId}/cashless-settings",
    summary: "Set an edition's cashless settings (currency, cap, offline allowance, top-up limits, default commission)",
    tags,
    access: requireAuth,
    params: EditionParams,
    body: SettingsBody,
    response: Settings,
    handler: ({ principal, audit, params, body }) => cashless.putSettings(db, principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/cashless-settings",
    summary: "An edition's cashless settings",
    tags,
    access: requireAuth,
    params: EditionParams,
    response: Settings,
    handler: ({ principal, params }) => cashless.getSettings(db, principal, params.editionId),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/cashiers",
    summary: "Make a user a cashier of the edition",
    tags,
    access: requireAuth,
    params: EditionParams,
    body: AssignCashierBody,
    response: Cashier,
    handler: ({ principal, audit, params, body }) => cashless.assignCashier(db, principal, audit, params.editionId, body.userId),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/bonuses",
    summary: "Grant bonus credit to a band (spendable, never refunded)",
    tags,
    access: requireAuth,
    params: EditionParams,
    body: BonusBody,
    response: Booking,
    handler: ({ principal, audit, params, body }) => cashless.grantBonus(db, principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/ledger",
    summary: "The edition's ledger accounts by kind (their sum is always 0)",
    tags,
    access: requireAuth,
    params: EditionParams,
    response: LedgerSummary,
    handler: ({ principal, params }) => cashless.ledgerSummary(db, principal, params.editionId),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/sales",
    summary: "Sales by vendor, stand, terminal or hour (payments minus refunds); top-ups by operator",
    tags,
    access: requireAuth,
    params: EditionParams,
    query: SalesQuery,
    response: SalesReport,
    handler: ({ principal, params, query }) => cashless.salesReport(db, principal, params.editionId, query.groupBy),
  });
  api.route({
    method: "get",
    path: "/api/v1/admin/ledger/verify",
    summary: "Recompute every ledger balance from the transfers and list the differences",
    tags,
    access: requireRole("admin"),
    response: LedgerVerification,
    handler: async () => {
      const differences = await verifyLedger(db);
      return { ok: differences.length === 0, differences };
    },
  });

  // ---------------------------------------------------------------- fans
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/wristbands/link",
    summary: "Link a wristband (its NFC tag id) to my account for this edition",
    tags,
    access: requireAuth,
    params: EditionParams,
    body: LinkBandBody,
    response: Band,
    status: 200,
    handler: ({ principal, audit, params, body }) => cashless.linkBand(db, principal, audit, params.editionId, body.tagId),
  });
  api.route({
    method: "post",
    path: "/api/v1/wristbands/activate",
    summary: "Activate a band at the gate by scanning the holder's ticket pass (binds it to the ticket holder)",
    description:
      "Caller: a scanner of the zone's festival. The pass is checked as a scan checks it (signature, expiry, event, holder, refund, cancellation) without admitting it; the band is bound to the account of the wallet that holds the ticket, for the event's edition. 422 codes: the scan's refusal verdicts, event_without_edition, holder_without_account, band_blocked; 409 band_linked_elsewhere.",
    tags,
    access: requireAuth,
    body: ActivateBandBody,
    response: Band,
    status: 200,
    handler: ({ principal, audit, body }) => cashless.activateBandByPass(db, principal, audit, body, checkPass),
  });
  api.route({
    method: "get",
    path: "/api/v1/me/wristbands",
    summary: "My wristbands and their balances",
    tags,
    access: requireAuth,
    query: PageQuery.extend(MyBandsQuery.shape),
    response: pageOf(Band),
    handler: ({ principal, query }) => cashless.myBands(db, principal, query.editionId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/wristbands/{bandId}",
    summary: "A wristband and its balance (its owner, or the festival's team)",
    tags,
    access: requireAuth,
    params: BandParams,
    response: Band,
    handler: ({ principal, params }) => cashless.getBand(db, principal, params.bandId),
  });
  api.route({
    method: "get",
    path: "/api/v1/wristbands/{bandId}/history",
    summary: "A wristband's ledger history, newest first",
    tags,
    access: requireAuth,
    params: BandParams,
    query: PageQuery,
    response: pageOf(HistoryEntry),
    handler: ({ principal, params, query }) => cashless.bandHistory(db, principal, params.bandId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/wristbands/{bandId}/block",
    summary: "Block my lost wristband",
    tags,
    access: requireAuth,
    params: BandParams,
    response: Band,
    status: 200,
    handler: ({ principal, audit, params }) => cashless.blockBand(db, principal, audit, params.bandId),
  });
  api.route({
    method: "post",
    path: "/api/v1/wristbands/{bandId}/move",
    summary: "Move my (lost) wristband's balance to a new band",
    tags,
    access: requireAuth,
    params: BandParams,
    body: MoveBandBody,
    response: MoveResult,
    status: 200,
    handler: ({ principal, audit, params, body }) => cashless.moveBand(db, principal, audit, params.bandId, body.newTagId),
  });
  api.route({
    method: "post",
    path: "/api/v1/wristbands/{bandId}/refund",
    summary: "After the edition: refund my wristband's remaining balance (bonus excluded)",
    tags,
    access: requireAuth,
    params: BandParams,
    response: RefundResult,
    status: 200,
    handler: ({ principal, audit, params }) => cashless.refundBand(db, principal, audit, params.bandId),
  });

  // ---------------------------------------------------------------- cashiers
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/topups",
    summary: "Top up a band at a cash desk (cash or card)",
    description: "Exactly once by `transferId`: a replay returns the first result (`replayed: true`), other content with the same id is a 409.",
    tags,
    access: requireAuth,
    params: EditionParams,
    body: TopupBody,
    response: Booking,
    handler: ({ principal, audit, params, body }) => cashless.topUp(db, principal, audit, params.editionId, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/cash-refunds",
    summary: "Pay a band's remaining balance out in cash at the desk (bonus excluded)",
    tags,
    access: requireAuth,
    params: EditionParams,
    body: CashRefundBody,
    response: RefundResult,
    status: 200,
    handler: ({ principal, audit, params, body }) => cashless.cashRefund(db, principal, audit, params.editionId, body.tagId),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/drawer-shifts",
    summary: "Open my drawer shift at a desk",
    tags,
    access: requireAuth,
    params: EditionParams,
    body: OpenShiftBody,
    response: Shift,
    handler: ({ principal, audit, params, body }) => cashless.openShift(db, principal, audit, params.editionId, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/drawer-shifts/{shiftId}/close",
    summary: "Close a drawer shift with the counted cash (difference booked to imbalance)",
    tags,
    access: requireAuth,
    params: ShiftParams,
    body: CloseShiftBody,
    response: Shift,
    status: 200,
    handler: ({ principal, audit, params, body }) => cashless.closeShift(db, principal, audit, params.shiftId, body.countedCash),
  });

  // ---------------------------------------------------------------- terminals
  api.route({
    method: "post",
    path: "/api/v1/terminal/payments",
    summary: "Charge a band (terminal)",
    description:
      "Exactly once by `transferId`. 422 codes: unknown_band, band_blocked, insufficient_balance, amount_not_positive, currency_mismatch; 403 terminal_wrong_stand; 409 transfer_id_conflict. Nothing is booked on any error.",
    tags,
    access: requireTerminal(terminals),
    body: ChargeBody,
    response: Charge,
    handler: ({ req, body }) => payments.charge(terminalOf(req), body),
  });
  api.route({
    method: "post",
    path: "/api/v1/terminal/journal",
    summary: "Upload the terminal's offline journal (signed, hash-chained)",
    description:
      "Idempotent by seq and transfer id. The whole upload is refused (422) if the chain or a signature is wrong, 409 journal_fork if an entry differs from one uploaded before. A band overspent across terminals is booked to its debt account, blocked, and reported in `conflicts`.",
    tags,
    access: requireTerminal(terminals),
    body: JournalBody,
    response: JournalResult,
    status: 200,
    handler: ({ req, body }) => uploadJournal(db, terminalOf(req), body.entries),
  });
}
