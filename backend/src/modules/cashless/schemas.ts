import { z } from "../../http/zod.js";

/** Minor units (cents): an integer a JSON number carries exactly. Zero and negatives are a 422 (business rule), not a 400. */
const MinorUnits = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const NonNegative = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** The NFC chip's UID as hex (4 to 16 bytes); stored uppercase. */
export const TagId = z
  .string()
  .regex(/^[0-9A-Fa-f]{8,32}$/, "hex NFC UID, 8 to 32 hex digits")
  .transform((s) => s.toUpperCase());
const Currency = z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code, e.g. EUR");

export const EditionParams = z.object({ editionId: z.uuid() });
export const BandParams = z.object({ bandId: z.uuid() });
export const ShiftParams = z.object({ shiftId: z.uuid() });

export const SettingsBody = z.strictObject({
  currency: Currency,
  balanceCap: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  offlineAllowance: NonNegative.default(0),
  topupMin: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(1),
  topupMax: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  commissionBps: z.number().int().min(0).max(10_000).default(0),
});
export const Settings = z
  .object({
    editionId: z.uuid(),
    currency: z.string(),
    balanceCap: z.number(),
    offlineAllowance: z.number(),
    topupMin: z.number(),
    topupMax: z.number(),
    commissionBps: z.number(),
    updatedAt: z.string(),
  })
  .openapi("CashlessSettings");

export const Band = z
  .object({
    id: z.uuid(),
    editionId: z.uuid(),
    tagId: z.string(),
    userId: z.uuid().nullable(),
    status: z.enum(["active", "blocked"]),
    blockedReason: z.string().nullable(),
    replacedById: z.uuid().nullable(),
    balance: z.number(),
    createdAt: z.string(),
  })
  .openapi("Wristband");
export const LinkBandBody = z.strictObject({ tagId: TagId });
export const MoveBandBody = z.strictObject({ newTagId: TagId });
export const MyBandsQuery = z.object({ editionId: z.uuid().optional() });
export const ActivateBandBody = z
  .strictObject({
    /** The holder's ticket pass as the gate scans it ("FP1.…"). */
    payload: z.string().min(1).max(1000),
    /** The gate zone where it is scanned (its event decides the edition). */
    zoneId: z.uuid(),
    tagId: TagId,
  })
  .openapi("ActivateBandRequest");
export const MoveResult = z.object({ from: z.uuid(), to: Band, moved: z.number(), transferId: z.uuid().nullable() }).openapi("WristbandMove");
export const RefundResult = z
  .object({ wristbandId: z.uuid(), refunded: z.number(), bonusExcluded: z.number(), currency: z.string(), transferId: z.uuid().nullable() })
  .openapi("WristbandRefund");

export const HistoryEntry = z
  .object({
    id: z.uuid(),
    type: z.string(),
    amount: z.number().describe("signed: negative leaves the band"),
    currency: z.string(),
    balanceBefore: z.number(),
    balanceAfter: z.number(),
    method: z.string().nullable(),
    vendorId: z.uuid().nullable(),
    standId: z.uuid().nullable(),
    offline: z.boolean(),
    memo: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("WristbandHistoryEntry");

export const TopupBody = z.strictObject({
  transferId: z.uuid().describe("client-generated: a replay returns the first result"),
  tagId: TagId,
  amount: MinorUnits,
  method: z.enum(["cash", "card"]),
});
export const BonusBody = z.strictObject({ transferId: z.uuid(), tagId: TagId, amount: MinorUnits });
export const Booking = z
  .object({
    transferId: z.uuid(),
    clientTransferId: z.uuid().nullable(),
    wristbandId: z.uuid().nullable(),
    type: z.string(),
    amount: z.number(),
    bonusAmount: z.number(),
    currency: z.string(),
    balanceAfter: z.number(),
    bookedAt: z.string(),
    replayed: z.boolean(),
  })
  .openapi("CashlessBooking");

export const AssignCashierBody = z.strictObject({ userId: z.uuid() });
export const Cashier = z.object({ editionId: z.uuid(), userId: z.uuid() }).openapi("Cashier");

export const OpenShiftBody = z.strictObject({ desk: z.string().trim().min(1).max(64), openingFloat: NonNegative.default(0) });
export const CloseShiftBody = z.strictObject({ countedCash: NonNegative });
export const Shift = z
  .object({
    id: z.uuid(),
    editionId: z.uuid(),
    cashierUserId: z.uuid(),
    desk: z.string(),
    status: z.enum(["open", "closed"]),
    openingFloat: z.number(),
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    expectedCash: z.number().nullable(),
    countedCash: z.number().nullable(),
    difference: z.number().nullable(),
  })
  .openapi("DrawerShift");

export const ChargeBody = z.strictObject({
  transferId: z.uuid().describe("client-generated, unique per payment: a replay returns the first result, other content is a 409"),
  tagId: TagId,
  amount: MinorUnits,
  currency: Currency,
  standId: z.uuid().optional().describe("the stand the sale is for; must be the terminal's own"),
});
export const Charge = z
  .object({
    transferId: z.uuid(),
    clientTransferId: z.uuid(),
    wristbandId: z.uuid(),
    amount: z.number(),
    currency: z.string(),
    balanceAfter: z.number(),
    bookedAt: z.string(),
    replayed: z.boolean(),
  })
  .openapi("CashlessCharge");

export const LedgerSummary = z
  .object({
    editionId: z.uuid(),
    accounts: z.array(z.object({ kind: z.string(), balance: z.number(), accounts: z.number() })),
    total: z.number(),
  })
  .openapi("LedgerSummary");

export const LedgerVerification = z
  .object({
    ok: z.boolean(),
    differences: z.array(z.object({ accountId: z.uuid().nullable(), kind: z.string(), storedBalance: z.string(), computedBalance: z.string() })),
  })
  .openapi("LedgerVerification");

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits");
export const JournalBody = z.strictObject({
  entries: z
    .array(
      z.strictObject({
        seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
        transferId: z.uuid(),
        tagId: z.string().regex(/^[0-9A-Fa-f]{8,32}$/),
        amount: MinorUnits,
        currency: Currency,
        chargedAt: z.iso.datetime({ offset: true }),
        prevHash: Hex64,
        hash: Hex64,
        signature: z.string().regex(/^[0-9a-f]{128}$/, "Ed25519 signature, 128 lowercase hex digits"),
      }),
    )
    .min(1)
    .max(1000),
});
export const JournalResult = z
  .object({
    accepted: z.number(),
    conflicts: z.array(
      z.object({
        seq: z.number(),
        transferId: z.uuid(),
        outcome: z.string(),
        conflict: z
          .object({ reason: z.string(), fromBalance: z.number().optional(), toDebt: z.number().optional(), overAllowance: z.boolean().optional() })
          .optional(),
      }),
    ),
    entries: z.array(
      z.object({
        seq: z.number(),
        transferId: z.uuid(),
        outcome: z.string(),
        conflict: z
          .object({ reason: z.string(), fromBalance: z.number().optional(), toDebt: z.number().optional(), overAllowance: z.boolean().optional() })
          .optional(),
      }),
    ),
  })
  .openapi("OfflineJournalResult");

export const SalesQuery = z.object({ groupBy: z.enum(["vendor", "stand", "terminal", "hour", "operator"]).default("vendor") });
export const SalesReport = z
  .object({
    editionId: z.uuid(),
    groupBy: z.string(),
    items: z.array(z.object({ key: z.string().nullable(), count: z.number(), sales: z.number(), refunds: z.number(), net: z.number() })),
  })
  .openapi("CashlessSalesReport");

export const CashRefundBody = z.strictObject({ tagId: TagId });
