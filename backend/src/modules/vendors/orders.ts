import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal, TerminalPrincipal } from "../../http/auth.js";
import { HttpError, notFound } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { recordAudit } from "../audit/service.js";
import { charge } from "../cashless/payments.js";
import { settingsOf } from "../cashless/service.js";
import { refundPayment, settleVendor } from "../cashless/settlement.js";
import { assertEditionAccess, editionContext } from "../festivals/service.js";
import {
  Vendor,
  VendorMenu,
  VendorMenuItem,
  VendorOrder,
  VendorOrderEvent,
  VendorOrderLine,
  VendorSettlement,
  menuDto,
  orderDto,
  settlementDto,
  type OrderStatus,
} from "./models.js";
import { assertVendorAccess, standContext } from "./service.js";

/**
 * Menus (versioned per stand), orders and settlements. Where the rules live: the allowed
 * order steps and frozen menus are enforced by the database (migrations/611_vendor_orders.ts);
 * the money by the cashless ledger (cashless/payments.ts, cashless/settlement.ts), always in
 * the same transaction as the order row, so an order and its payment commit together or not at all.
 */

// ------------------------------------------------------------------ menus

export async function createMenu(
  db: Knex,
  principal: Principal,
  ctx: AuditContext,
  standId: string,
  body: { items: Array<{ name: string; price: number; vatRateBps: number }> },
) {
  const { stand, edition } = await standContext(db, principal, standId, "owner");
  return db.transaction(async (trx) => {
    await trx.raw("select id from vendor_stands where id = ? for update", [standId]);
    const last = await VendorMenu.query(trx).where("stand_id", standId).max("version as version").first();
    const version = Number((last as unknown as { version: number | null })?.version ?? 0) + 1;
    const id = newId();
    const [menu] = await trx(VendorMenu.tableName)
      .insert({ id, stand_id: stand.id, version, created_by: principal.userId, updated_by: principal.userId })
      .returning("*");
    const items = await trx(VendorMenuItem.tableName)
      .insert(
        body.items.map((item, i) => ({
          id: newId(),
          menu_id: id,
          name: item.name,
          price: String(item.price),
          vat_rate_bps: item.vatRateBps,
          sort_order: i,
          created_by: principal.userId,
          updated_by: principal.userId,
        })),
      )
      .returning("*");
    await recordAudit(trx, ctx, {
      action: "vendor_menu.created",
      entityType: "vendor_menu",
      entityId: id,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      after: { standId, version, items: body.items },
    });
    return menuDto(
      VendorMenu.fromDatabaseJson(menu),
      items.map((r: object) => VendorMenuItem.fromDatabaseJson(r)),
    );
  });
}

/** Publishes a draft version; the version published before it is retired (its prices expire). */
export async function publishMenu(db: Knex, principal: Principal, ctx: AuditContext, menuId: string) {
  const menu = await VendorMenu.query(db).findById(menuId);
  if (!menu) throw notFound("menu", menuId);
  const { edition } = await standContext(db, principal, menu.stand_id, "owner");
  return db.transaction(async (trx) => {
    const current = await VendorMenu.query(trx).findById(menuId).forUpdate();
    if (!current || current.status !== "draft") throw new HttpError(409, "menu_not_draft", "only a draft menu version can be published");
    await VendorMenu.query(trx)
      .where({ stand_id: menu.stand_id, status: "published" })
      .patch({ status: "retired", retired_at: trx.fn.now() as unknown as Date, updated_by: principal.userId });
    const row = await VendorMenu.query(trx)
      .findById(menuId)
      .patch({ status: "published", published_at: trx.fn.now() as unknown as Date, updated_by: principal.userId })
      .returning("*")
      .castTo<VendorMenu>();
    await recordAudit(trx, ctx, {
      action: "vendor_menu.published",
      entityType: "vendor_menu",
      entityId: menuId,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      before: { status: "draft" },
      after: { status: "published", version: row.version },
    });
    const items = await VendorMenuItem.query(trx).where("menu_id", menuId).orderBy("sort_order");
    return menuDto(row, items);
  });
}

/** The stand's published menu (anyone may read it). */
export async function currentMenu(db: Knex, standId: string) {
  const menu = await VendorMenu.query(db).where({ stand_id: standId, status: "published" }).first();
  if (!menu) throw notFound("menu", standId);
  const items = await VendorMenuItem.query(db).where("menu_id", menu.id).orderBy("sort_order");
  return menuDto(menu, items);
}

// ------------------------------------------------------------------ orders

export interface TerminalOrderInput {
  orderId: string;
  menuId: string;
  lines: Array<{ itemId: string; quantity: number }>;
  paymentMethod: "cashless" | "card" | "cash";
  tagId?: string;
  transferId?: string;
}

async function linesOf(db: Knex | Knex.Transaction, orderId: string) {
  return VendorOrderLine.query(db).where("order_id", orderId).orderBy("id");
}

/**
 * A terminal takes an order at its own stand, priced from the stand's published menu: a
 * menu version that is no longer published is `menu_price_expired`, another stand's menu is
 * `terminal_wrong_stand`. Cashless orders are charged in the same transaction and confirmed;
 * card and cash orders are paid at the counter and confirmed at once. Exactly once by the
 * client's order id (and transfer id for the payment).
 */
export async function placeOrder(db: Knex, terminal: TerminalPrincipal, ctx: AuditContext, input: TerminalOrderInput) {
  const existing = await VendorOrder.query(db).findById(input.orderId);
  if (existing) {
    if (existing.terminal_id !== terminal.terminalId || existing.menu_id !== input.menuId || existing.payment_method !== input.paymentMethod) {
      throw new HttpError(409, "order_id_conflict", "this order id was already used for another order");
    }
    return orderDto(existing, await linesOf(db, existing.id), true);
  }
  const menu = await VendorMenu.query(db).findById(input.menuId);
  if (!menu) throw new HttpError(422, "unknown_menu", "no such menu", [{ field: "body.menuId", message: "unknown menu" }]);
  if (menu.stand_id !== terminal.standId) throw new HttpError(403, "terminal_wrong_stand", "this menu belongs to another stand");
  if (menu.status !== "published") throw new HttpError(422, "menu_price_expired", "this menu version is no longer current; reload the menu");
  if (input.paymentMethod === "cashless" && (!input.tagId || !input.transferId)) {
    throw new HttpError(400, "invalid_input", "a cashless order needs tagId and transferId", [{ field: "body.tagId", message: "required for cashless" }]);
  }
  const items = new Map((await VendorMenuItem.query(db).where("menu_id", menu.id)).map((i) => [i.id, i]));
  const lines = input.lines.map((l, i) => {
    const item = items.get(l.itemId);
    if (!item)
      throw new HttpError(422, "menu_price_expired", "an item is not on the current menu", [{ field: `body.lines.${i}.itemId`, message: "not on this menu" }]);
    const lineTotal = BigInt(item.price) * BigInt(l.quantity);
    return { item, quantity: l.quantity, lineTotal, vat: (lineTotal * BigInt(item.vat_rate_bps)) / BigInt(10_000 + item.vat_rate_bps) };
  });
  const total = lines.reduce((s, l) => s + l.lineTotal, 0n);
  const vatTotal = lines.reduce((s, l) => s + l.vat, 0n);
  const settings = await settingsOf(db, terminal.editionId);
  const edition = await editionContext(db, terminal.editionId);

  return db.transaction(async (trx) => {
    const [inserted] = await trx(VendorOrder.tableName)
      .insert({
        id: input.orderId,
        vendor_id: terminal.vendorId,
        stand_id: terminal.standId,
        edition_id: terminal.editionId,
        menu_id: menu.id,
        terminal_id: terminal.terminalId,
        payment_method: input.paymentMethod,
        total: String(total),
        vat_total: String(vatTotal),
        currency: settings.currency,
      })
      .onConflict("id")
      .ignore()
      .returning("*");
    if (!inserted) throw new HttpError(409, "order_in_progress", "an order with this id is being placed; retry");
    await trx(VendorOrderLine.tableName).insert(
      lines.map((l) => ({
        id: newId(),
        order_id: input.orderId,
        menu_item_id: l.item.id,
        name: l.item.name,
        quantity: l.quantity,
        unit_price: l.item.price,
        vat_rate_bps: l.item.vat_rate_bps,
        line_total: String(l.lineTotal),
      })),
    );
    await trx(VendorOrderEvent.tableName).insert({
      id: newId(),
      order_id: input.orderId,
      from_status: null,
      to_status: "PENDING",
      terminal_id: terminal.terminalId,
    });
    let paymentTransferId: string | null = null;
    if (input.paymentMethod === "cashless") {
      const paid = await charge(trx, terminal, {
        transferId: input.transferId!,
        tagId: input.tagId!,
        amount: Number(total),
        currency: settings.currency,
        orderId: input.orderId,
      });
      if (paid.replayed) throw new HttpError(409, "transfer_id_conflict", "this transfer id already paid for something else");
      paymentTransferId = paid.transferId;
    }
    const [confirmed] = await trx(VendorOrder.tableName)
      .where("id", input.orderId)
      .update({ status: "CONFIRMED", payment_transfer_id: paymentTransferId, updated_at: trx.fn.now() })
      .returning("*");
    await trx(VendorOrderEvent.tableName).insert({
      id: newId(),
      order_id: input.orderId,
      from_status: "PENDING",
      to_status: "CONFIRMED",
      terminal_id: terminal.terminalId,
    });
    await recordAudit(
      trx,
      { ...ctx, actorType: "system" },
      {
        action: "vendor_order.placed",
        entityType: "vendor_order",
        entityId: input.orderId,
        organizationId: edition?.organizationId,
        festivalId: edition?.festivalId,
        after: { terminalId: terminal.terminalId, total: String(total), paymentMethod: input.paymentMethod, paymentTransferId },
      },
    );
    return orderDto(VendorOrder.fromDatabaseJson(confirmed), await linesOf(trx, input.orderId));
  });
}

async function orderContext(db: Knex, principal: Principal, orderId: string) {
  const order = await VendorOrder.query(db).findById(orderId);
  if (!order) throw notFound("order", orderId);
  try {
    return { order, ...(await assertVendorAccess(db, principal, order.vendor_id, "staff")) };
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw notFound("order", orderId);
    throw error;
  }
}

export async function getOrder(db: Knex, principal: Principal, orderId: string) {
  const { order } = await orderContext(db, principal, orderId);
  return orderDto(order, await linesOf(db, orderId));
}

/**
 * One step of an order, by the vendor's staff. The database refuses a step that is not
 * allowed (409 invalid_order_transition). REFUNDED gives a cashless payment back to the band
 * in the same transaction; a card or cash refund happens at the counter.
 */
export async function transitionOrder(db: Knex, principal: Principal, ctx: AuditContext, orderId: string, to: OrderStatus) {
  const { edition } = await orderContext(db, principal, orderId);
  return db.transaction(async (trx) => {
    const current = await VendorOrder.query(trx).findById(orderId).forUpdate();
    if (!current) throw notFound("order", orderId);
    if (current.status === to) {
      throw new HttpError(409, "invalid_order_transition", `the order is already ${to}`, [{ field: "body.to", message: `already ${to}` }]);
    }
    let refundTransferId: string | null = current.refund_transfer_id;
    if (to === "REFUNDED" && current.payment_transfer_id) {
      refundTransferId = await refundPayment(trx, current.payment_transfer_id, principal.userId, orderId);
    }
    const [row] = await withConstraintErrors(
      () =>
        trx(VendorOrder.tableName)
          .where("id", orderId)
          .update({ status: to, refund_transfer_id: refundTransferId, updated_by: principal.userId })
          .returning("*"),
      {
        ck_vendor_orders_transition: () =>
          new HttpError(409, "invalid_order_transition", `an order cannot go from ${current.status} to ${to}`, [
            { field: "body.to", message: `not allowed from ${current.status}` },
          ]),
      },
    );
    await trx(VendorOrderEvent.tableName).insert({
      id: newId(),
      order_id: orderId,
      from_status: current.status,
      to_status: to,
      actor_user_id: principal.userId,
    });
    await recordAudit(trx, ctx, {
      action: "vendor_order.status_changed",
      entityType: "vendor_order",
      entityId: orderId,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      before: { status: current.status },
      after: { status: to, refundTransferId },
    });
    return orderDto(VendorOrder.fromDatabaseJson(row), await linesOf(trx, orderId));
  });
}

/** The stand's READY orders, oldest first: the pickup screen. */
export async function pickupList(db: Knex, principal: Principal, standId: string, page: PageQuery) {
  await standContext(db, principal, standId, "staff");
  return paginate(VendorOrder.query(db).where({ stand_id: standId, status: "READY" }).toKnexQuery(), page, { column: "updated_at", order: "asc" }, (row) => {
    const o = VendorOrder.fromDatabaseJson(row);
    return { id: o.id, pickupNumber: o.pickup_number, readySince: o.updated_at.toISOString() };
  });
}

export async function orderEvents(db: Knex, principal: Principal, orderId: string) {
  await orderContext(db, principal, orderId);
  const rows = await VendorOrderEvent.query(db).where("order_id", orderId).orderBy(["created_at", "id"]);
  return {
    items: rows.map((e) => ({ from: e.from_status, to: e.to_status, actorUserId: e.actor_user_id, terminalId: e.terminal_id, at: e.created_at.toISOString() })),
  };
}

// ------------------------------------------------------------------ settlements

/**
 * Settles a vendor (organizers): every ledger entry of the vendor not yet settled lands in
 * this settlement, exactly once (the database sets ledger_transfers.settlement_id once).
 * Gross = payments - refunds; commission at the vendor's rate (or the edition's default).
 */
export async function createSettlement(db: Knex, principal: Principal, ctx: AuditContext, vendorId: string) {
  const { edition } = await assertVendorAccess(db, principal, vendorId, "organizer");
  return db.transaction(async (trx) => {
    const vendor = await Vendor.query(trx).findById(vendorId).forUpdate();
    if (!vendor) throw notFound("vendor", vendorId);
    const settings = await settingsOf(trx, vendor.edition_id);
    const commissionBps = vendor.commission_bps ?? settings.commission_bps;
    const id = newId();
    const sums = await settleVendor(trx, {
      editionId: vendor.edition_id,
      vendorId,
      settlementId: id,
      commissionBps,
      currency: settings.currency,
      actorUserId: principal.userId,
    });
    const [row] = await trx(VendorSettlement.tableName)
      .insert({
        id,
        vendor_id: vendorId,
        edition_id: vendor.edition_id,
        currency: sums.currency,
        entries: sums.entries,
        payments: String(sums.payments),
        refunds: String(sums.refunds),
        gross: String(sums.gross),
        commission_bps: commissionBps,
        commission: String(sums.commission),
        net: String(sums.net),
        created_by: principal.userId,
        updated_by: principal.userId,
      })
      .returning("*");
    const dto = settlementDto(VendorSettlement.fromDatabaseJson(row));
    await recordAudit(trx, ctx, {
      action: "vendor_settlement.created",
      entityType: "vendor_settlement",
      entityId: id,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      after: dto,
    });
    return dto;
  });
}

export async function listSettlements(db: Knex, principal: Principal, vendorId: string, page: PageQuery) {
  await assertVendorAccess(db, principal, vendorId, "owner");
  return paginate(VendorSettlement.query(db).where("vendor_id", vendorId).toKnexQuery(), page, { column: "created_at", order: "asc" }, (row) =>
    settlementDto(VendorSettlement.fromDatabaseJson(row)),
  );
}

/** Product sales of an edition (organizers): quantity and revenue per vendor and product name, from orders not cancelled or refunded. */
export async function productSales(db: Knex, principal: Principal, editionId: string) {
  await assertEditionAccess(db, principal, editionId, { level: "viewer" });
  const rows: Array<{ vendor_id: string; name: string; quantity: number; revenue: string }> = await db("vendor_order_lines as l")
    .join("vendor_orders as o", "o.id", "l.order_id")
    .where("o.edition_id", editionId)
    .whereNotIn("o.status", ["PENDING", "CANCELLED", "REFUNDED"])
    .groupBy("o.vendor_id", "l.name")
    .orderBy([{ column: "o.vendor_id" }, { column: "l.name" }])
    .select("o.vendor_id", "l.name", db.raw("sum(l.quantity)::int as quantity"), db.raw("sum(l.line_total)::text as revenue"));
  return { items: rows.map((r) => ({ vendorId: r.vendor_id, product: r.name, quantity: r.quantity, revenue: Number(r.revenue) })) };
}
