import { Model } from "objection";
import { AuditedModel } from "../audit/audited-model.js";

/** The vendors module's tables as objection Models (bigint columns come back as strings). */

export class Vendor extends AuditedModel {
  static override tableName = "vendors";
  declare edition_id: string;
  declare name: string;
  /** basis points; null = the edition's default commission */
  declare commission_bps: number | null;
  declare status: "active" | "suspended";
}

export class VendorStaff extends AuditedModel {
  static override tableName = "vendor_staff";
  declare vendor_id: string;
  declare user_id: string;
  declare role: "owner" | "staff";
}

export class VendorStand extends AuditedModel {
  static override tableName = "vendor_stands";
  declare vendor_id: string;
  declare edition_id: string;
  declare name: string;
  declare location: string | null;
}

export class VendorTerminal extends AuditedModel {
  static override tableName = "vendor_terminals";
  declare stand_id: string;
  declare vendor_id: string;
  declare edition_id: string;
  declare name: string;
  declare key_prefix: string;
  declare key_hash: string;
  declare signing_public_key: string | null;
  declare revoked_at: Date | null;
}

export function vendorDto(v: Vendor) {
  return { id: v.id, editionId: v.edition_id, name: v.name, commissionBps: v.commission_bps, status: v.status, createdAt: v.created_at.toISOString() };
}

export function standDto(s: VendorStand) {
  return { id: s.id, vendorId: s.vendor_id, editionId: s.edition_id, name: s.name, location: s.location };
}

export function terminalDto(t: VendorTerminal) {
  return {
    id: t.id,
    standId: t.stand_id,
    vendorId: t.vendor_id,
    name: t.name,
    keyPrefix: t.key_prefix,
    signingPublicKey: t.signing_public_key,
    revokedAt: t.revoked_at?.toISOString() ?? null,
    createdAt: t.created_at.toISOString(),
  };
}

export type OrderStatus = "PENDING" | "CONFIRMED" | "PREPARING" | "READY" | "DELIVERED" | "CANCELLED" | "REFUNDED";

export class VendorMenu extends AuditedModel {
  static override tableName = "vendor_menus";
  declare stand_id: string;
  declare version: number;
  declare status: "draft" | "published" | "retired";
  declare published_at: Date | null;
  declare retired_at: Date | null;
}

export class VendorMenuItem extends AuditedModel {
  static override tableName = "vendor_menu_items";
  declare menu_id: string;
  declare name: string;
  declare price: string;
  declare vat_rate_bps: number;
  declare sort_order: number;
}

export class VendorOrder extends AuditedModel {
  static override tableName = "vendor_orders";
  declare vendor_id: string;
  declare stand_id: string;
  declare edition_id: string;
  declare menu_id: string;
  declare terminal_id: string | null;
  declare pickup_number: number;
  declare status: OrderStatus;
  declare payment_method: "cashless" | "card" | "cash";
  declare total: string;
  declare vat_total: string;
  declare currency: string;
  declare payment_transfer_id: string | null;
  declare refund_transfer_id: string | null;
}

export class VendorOrderLine extends Model {
  static override tableName = "vendor_order_lines";
  static override idColumn = "id";
  declare id: string;
  declare order_id: string;
  declare menu_item_id: string;
  declare name: string;
  declare quantity: number;
  declare unit_price: string;
  declare vat_rate_bps: number;
  declare line_total: string;
}

export class VendorOrderEvent extends Model {
  static override tableName = "vendor_order_events";
  static override idColumn = "id";
  declare id: string;
  declare order_id: string;
  declare from_status: OrderStatus | null;
  declare to_status: OrderStatus;
  declare actor_user_id: string | null;
  declare terminal_id: string | null;
  declare created_at: Date;
}

export class VendorSettlement extends AuditedModel {
  static override tableName = "vendor_settlements";
  declare vendor_id: string;
  declare edition_id: string;
  declare currency: string;
  declare entries: number;
  declare payments: string;
  declare refunds: string;
  declare gross: string;
  declare commission_bps: number;
  declare commission: string;
  declare net: string;
}

export function menuDto(m: VendorMenu, items: VendorMenuItem[]) {
  return {
    id: m.id,
    standId: m.stand_id,
    version: m.version,
    status: m.status,
    publishedAt: m.published_at?.toISOString() ?? null,
    items: items.map((i) => ({ id: i.id, name: i.name, price: Number(i.price), vatRateBps: i.vat_rate_bps })),
  };
}

export function orderDto(o: VendorOrder, lines: VendorOrderLine[], replayed = false) {
  return {
    id: o.id,
    vendorId: o.vendor_id,
    standId: o.stand_id,
    menuId: o.menu_id,
    pickupNumber: o.pickup_number,
    status: o.status,
    paymentMethod: o.payment_method,
    total: Number(o.total),
    vatTotal: Number(o.vat_total),
    currency: o.currency,
    paymentTransferId: o.payment_transfer_id,
    refundTransferId: o.refund_transfer_id,
    lines: lines.map((l) => ({
      menuItemId: l.menu_item_id,
      name: l.name,
      quantity: l.quantity,
      unitPrice: Number(l.unit_price),
      lineTotal: Number(l.line_total),
    })),
    createdAt: o.created_at.toISOString(),
    replayed,
  };
}

export function settlementDto(s: VendorSettlement) {
  return {
    id: s.id,
    vendorId: s.vendor_id,
    editionId: s.edition_id,
    currency: s.currency,
    entries: s.entries,
    payments: Number(s.payments),
    refunds: Number(s.refunds),
    gross: Number(s.gross),
    commissionBps: s.commission_bps,
    commission: Number(s.commission),
    net: Number(s.net),
    createdAt: s.created_at.toISOString(),
  };
}
