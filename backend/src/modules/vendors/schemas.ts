import { z } from "../../http/zod.js";

export const EditionParams = z.object({ editionId: z.uuid() });
export const VendorParams = z.object({ vendorId: z.uuid() });
export const StandParams = z.object({ standId: z.uuid() });
export const TerminalParams = z.object({ terminalId: z.uuid() });

const Commission = z.number().int().min(0).max(10_000).describe("basis points (100 = 1 %); null = the edition's default");

export const CreateVendorBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  commissionBps: Commission.nullable().optional(),
  ownerUserId: z.uuid().optional(),
});
export const UpdateVendorBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  commissionBps: Commission.nullable().optional(),
  status: z.enum(["active", "suspended"]).optional(),
});
export const Vendor = z
  .object({ id: z.uuid(), editionId: z.uuid(), name: z.string(), commissionBps: z.number().nullable(), status: z.string(), createdAt: z.string() })
  .openapi("Vendor");

export const AddStaffBody = z.strictObject({ userId: z.uuid(), role: z.enum(["owner", "staff"]) });
export const Staff = z.object({ vendorId: z.uuid(), userId: z.uuid(), role: z.string() }).openapi("VendorStaff");

export const CreateStandBody = z.strictObject({ name: z.string().trim().min(1).max(200), location: z.string().trim().max(200).nullable().optional() });
export const Stand = z
  .object({ id: z.uuid(), vendorId: z.uuid(), editionId: z.uuid(), name: z.string(), location: z.string().nullable() })
  .openapi("VendorStand");

export const RegisterTerminalBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  signingPublicKey: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, "raw Ed25519 public key, 32 bytes hex")
    .nullable()
    .optional()
    .describe("signs the terminal's offline journal"),
});
export const Terminal = z
  .object({
    id: z.uuid(),
    standId: z.uuid(),
    vendorId: z.uuid(),
    name: z.string(),
    keyPrefix: z.string(),
    signingPublicKey: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Terminal");
export const RegisteredTerminal = Terminal.extend({ key: z.string().describe("shown once: send it as X-Terminal-Key") }).openapi("RegisteredTerminal");

export const MenuParams = z.object({ menuId: z.uuid() });
export const OrderParams = z.object({ orderId: z.uuid() });

export const CreateMenuBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).max(200),
        price: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe("minor units, VAT included"),
        vatRateBps: z.number().int().min(0).max(10_000).describe("basis points: 900 = 9 %"),
      }),
    )
    .min(1)
    .max(200),
});
export const Menu = z
  .object({
    id: z.uuid(),
    standId: z.uuid(),
    version: z.number(),
    status: z.string(),
    publishedAt: z.string().nullable(),
    items: z.array(z.object({ id: z.uuid(), name: z.string(), price: z.number(), vatRateBps: z.number() })),
  })
  .openapi("VendorMenu");

export const ORDER_STATUSES = ["PENDING", "CONFIRMED", "PREPARING", "READY", "DELIVERED", "CANCELLED", "REFUNDED"] as const;
export const PlaceOrderBody = z.strictObject({
  orderId: z.uuid().describe("client-generated: a replay returns the first order"),
  menuId: z.uuid(),
  lines: z
    .array(z.strictObject({ itemId: z.uuid(), quantity: z.number().int().min(1).max(100) }))
    .min(1)
    .max(50),
  paymentMethod: z.enum(["cashless", "card", "cash"]),
  tagId: z
    .string()
    .regex(/^[0-9A-Fa-f]{8,32}$/)
    .transform((s) => s.toUpperCase())
    .optional(),
  transferId: z.uuid().optional(),
});
export const Order = z
  .object({
    id: z.uuid(),
    vendorId: z.uuid(),
    standId: z.uuid(),
    menuId: z.uuid(),
    pickupNumber: z.number(),
    status: z.enum(ORDER_STATUSES),
    paymentMethod: z.string(),
    total: z.number(),
    vatTotal: z.number(),
    currency: z.string(),
    paymentTransferId: z.uuid().nullable(),
    refundTransferId: z.uuid().nullable(),
    lines: z.array(z.object({ menuItemId: z.uuid(), name: z.string(), quantity: z.number(), unitPrice: z.number(), lineTotal: z.number() })),
    createdAt: z.string(),
    replayed: z.boolean(),
  })
  .openapi("VendorOrder");
export const TransitionBody = z.strictObject({ to: z.enum(ORDER_STATUSES) });
export const OrderEvents = z.object({
  items: z.array(z.object({ from: z.string().nullable(), to: z.string(), actorUserId: z.uuid().nullable(), terminalId: z.uuid().nullable(), at: z.string() })),
});
export const Pickup = z
  .object({ items: z.array(z.object({ id: z.uuid(), pickupNumber: z.number(), readySince: z.string() })), nextCursor: z.string().nullable() })
  .openapi("PickupList");

export const Settlement = z
  .object({
    id: z.uuid(),
    vendorId: z.uuid(),
    editionId: z.uuid(),
    currency: z.string(),
    entries: z.number(),
    payments: z.number(),
    refunds: z.number(),
    gross: z.number(),
    commissionBps: z.number(),
    commission: z.number(),
    net: z.number(),
    createdAt: z.string(),
  })
  .openapi("VendorSettlement");
export const ProductSales = z
  .object({ items: z.array(z.object({ vendorId: z.uuid(), product: z.string(), quantity: z.number(), revenue: z.number() })) })
  .openapi("ProductSales");

export const MyStands = z
  .object({
    items: z.array(
      z.object({
        id: z.uuid(),
        vendorId: z.uuid(),
        editionId: z.uuid(),
        name: z.string(),
        location: z.string().nullable(),
        vendorName: z.string(),
        role: z.enum(["owner", "staff"]),
        currency: z.string().nullable(),
      }),
    ),
  })
  .openapi("MyVendorStands");
