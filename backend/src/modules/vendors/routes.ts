import { requireAuth, requireTerminal, terminalOf } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import {
  AddStaffBody,
  CreateMenuBody,
  Menu,
  MenuParams,
  MyStands,
  Order,
  OrderEvents,
  OrderParams,
  Pickup,
  PlaceOrderBody,
  ProductSales,
  Settlement,
  TransitionBody,
  CreateStandBody,
  CreateVendorBody,
  EditionParams,
  RegisterTerminalBody,
  RegisteredTerminal,
  Staff,
  Stand,
  StandParams,
  Terminal,
  TerminalParams,
  UpdateVendorBody,
  Vendor,
  VendorParams,
} from "./schemas.js";
import * as orders from "./orders.js";
import * as vendors from "./service.js";
import type { TerminalKeys } from "./terminals.js";

const tags = ["vendors"];

export function vendorRoutes(api: ApiRouter, deps: RouteDeps & { terminalKeys: TerminalKeys }): void {
  const { db, terminalKeys } = deps;
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/vendors",
    summary: "Add a vendor to an edition (organizers)",
    tags,
    access: requireAuth,
    params: EditionParams,
    body: CreateVendorBody,
    response: Vendor,
    handler: ({ principal, audit, params, body }) => vendors.createVendor(db, principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/vendors/{vendorId}",
    summary: "A vendor",
    tags,
    access: requireAuth,
    params: VendorParams,
    response: Vendor,
    handler: ({ principal, params }) => vendors.getVendor(db, principal, params.vendorId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/vendors/{vendorId}",
    summary: "Change a vendor's name, commission or status (organizers)",
    tags,
    access: requireAuth,
    params: VendorParams,
    body: UpdateVendorBody,
    response: Vendor,
    handler: ({ principal, audit, params, body }) => vendors.updateVendor(db, principal, audit, params.vendorId, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/vendors/{vendorId}/staff",
    summary: "Add an owner or staff member to a vendor",
    tags,
    access: requireAuth,
    params: VendorParams,
    body: AddStaffBody,
    response: Staff,
    handler: ({ principal, audit, params, body }) => vendors.addStaff(db, principal, audit, params.vendorId, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/vendors/{vendorId}/stands",
    summary: "Add a stand to a vendor",
    tags,
    access: requireAuth,
    params: VendorParams,
    body: CreateStandBody,
    response: Stand,
    handler: ({ principal, audit, params, body }) => vendors.createStand(db, principal, audit, params.vendorId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/vendors/{vendorId}/stands",
    summary: "A vendor's stands",
    tags,
    access: requireAuth,
    params: VendorParams,
    query: PageQuery,
    response: pageOf(Stand),
    handler: ({ principal, params, query }) => vendors.listStands(db, principal, params.vendorId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/stands/{standId}/terminals",
    summary: "Register a payment terminal to a stand (its key is shown once)",
    tags,
    access: requireAuth,
    params: StandParams,
    body: RegisterTerminalBody,
    response: RegisteredTerminal,
    handler: ({ principal, audit, params, body }) => vendors.registerTerminal(db, principal, audit, params.standId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/stands/{standId}/terminals",
    summary: "A stand's terminals",
    tags,
    access: requireAuth,
    params: StandParams,
    query: PageQuery,
    response: pageOf(Terminal),
    handler: ({ principal, params, query }) => vendors.listTerminals(db, principal, params.standId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/terminals/{terminalId}/revoke",
    summary: "Revoke a terminal's key",
    tags,
    access: requireAuth,
    params: TerminalParams,
    handler: ({ principal, audit, params }) => vendors.revokeTerminal(db, principal, audit, params.terminalId, terminalKeys),
  });

  // ---------------------------------------------------------------- menus
  api.route({
    method: "post",
    path: "/api/v1/stands/{standId}/menus",
    summary: "Create a new (draft) version of a stand's menu",
    tags,
    access: requireAuth,
    params: StandParams,
    body: CreateMenuBody,
    response: Menu,
    handler: ({ principal, audit, params, body }) => orders.createMenu(db, principal, audit, params.standId, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/menus/{menuId}/publish",
    summary: "Publish a draft menu version (the previous one is retired: its prices expire)",
    tags,
    access: requireAuth,
    params: MenuParams,
    response: Menu,
    status: 200,
    handler: ({ principal, audit, params }) => orders.publishMenu(db, principal, audit, params.menuId),
  });
  api.route({
    method: "get",
    path: "/api/v1/stands/{standId}/menu",
    summary: "A stand's current menu",
    tags,
    access: "public",
    params: StandParams,
    response: Menu,
    handler: ({ params }) => orders.currentMenu(db, params.standId),
  });

  // ---------------------------------------------------------------- orders
  api.route({
    method: "post",
    path: "/api/v1/terminal/orders",
    summary: "Take an order at the terminal's stand (cashless orders are charged at once)",
    description:
      "Exactly once by `orderId`. 422 menu_price_expired when the menu version is no longer published; 403 terminal_wrong_stand for another stand's menu; the payment's own codes (cashless).",
    tags,
    access: requireTerminal(terminalKeys),
    body: PlaceOrderBody,
    response: Order,
    handler: ({ req, audit, body }) => orders.placeOrder(db, terminalOf(req), audit, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/orders/{orderId}",
    summary: "An order",
    tags,
    access: requireAuth,
    params: OrderParams,
    response: Order,
    handler: ({ principal, params }) => orders.getOrder(db, principal, params.orderId),
  });
  api.route({
    method: "post",
    path: "/api/v1/orders/{orderId}/transitions",
    summary: "Move an order one step (CONFIRMED -> PREPARING -> READY -> DELIVERED, CANCELLED, REFUNDED)",
    tags,
    access: requireAuth,
    params: OrderParams,
    body: TransitionBody,
    response: Order,
    status: 200,
    handler: ({ principal, audit, params, body }) => orders.transitionOrder(db, principal, audit, params.orderId, body.to),
  });
  api.route({
    method: "get",
    path: "/api/v1/orders/{orderId}/events",
    summary: "An order's status history",
    tags,
    access: requireAuth,
    params: OrderParams,
    response: OrderEvents,
    handler: ({ principal, params }) => orders.orderEvents(db, principal, params.orderId),
  });
  api.route({
    method: "get",
    path: "/api/v1/stands/{standId}/pickup",
    summary: "The stand's READY orders (pickup screen)",
    tags,
    access: requireAuth,
    params: StandParams,
    query: PageQuery,
    response: Pickup,
    handler: ({ principal, params, query }) => orders.pickupList(db, principal, params.standId, query),
  });

  // ---------------------------------------------------------------- settlements
  api.route({
    method: "post",
    path: "/api/v1/vendors/{vendorId}/settlements",
    summary: "Settle a vendor: gross, commission and net of every ledger entry not settled yet",
    tags,
    access: requireAuth,
    params: VendorParams,
    response: Settlement,
    handler: ({ principal, audit, params }) => orders.createSettlement(db, principal, audit, params.vendorId),
  });
  api.route({
    method: "get",
    path: "/api/v1/vendors/{vendorId}/settlements",
    summary: "A vendor's settlements",
    tags,
    access: requireAuth,
    params: VendorParams,
    query: PageQuery,
    response: pageOf(Settlement),
    handler: ({ principal, params, query }) => orders.listSettlements(db, principal, params.vendorId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/sales/products",
    summary: "Product sales per vendor (orders not cancelled or refunded)",
    tags,
    access: requireAuth,
    params: EditionParams,
    response: ProductSales,
    handler: ({ principal, params }) => orders.productSales(db, principal, params.editionId),
  });
  api.route({
    method: "get",
    path: "/api/v1/me/vendor-stands",
    summary: "The stands you work at (vendor staff and owners), with your role and the cashless currency",
    tags,
    access: requireAuth,
    response: MyStands,
    handler: ({ principal }) => vendors.myStands(db, principal),
  });
}
