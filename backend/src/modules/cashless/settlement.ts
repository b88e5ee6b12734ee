import type { Knex } from "knex";
import { HttpError } from "../../http/errors.js";
import { accountFor, book } from "./ledger.js";
import { LedgerAccount, LedgerTransfer } from "./models.js";

/**
 * What the vendors module asks of the ledger: refunding a cashless order's payment, and
 * settling a vendor. Both run inside the caller's transaction.
 */

/** Books the reversal of a cashless payment (vendor receivable shard -> the band's account). */
export async function refundPayment(trx: Knex.Transaction, paymentTransferId: string, actorUserId: string | null, orderId: string | null): Promise<string> {
  const payment = await LedgerTransfer.query(trx).findById(paymentTransferId);
  if (!payment || payment.type !== "PAYMENT") throw new HttpError(422, "not_a_payment", "this order has no cashless payment to refund");
  const prior = await LedgerTransfer.query(trx).where({ reverses_transfer_id: payment.id, type: "REFUND" }).first();
  if (prior) throw new HttpError(409, "already_refunded", "this payment was already refunded");
  const refund = await book(trx, {
    editionId: payment.edition_id,
    type: "REFUND",
    fromAccountId: payment.to_account_id,
    toAccountId: payment.from_account_id,
    amount: BigInt(payment.amount),
    currency: payment.currency,
    reversesTransferId: payment.id,
    wristbandId: payment.wristband_id,
    vendorId: payment.vendor_id,
    standId: payment.stand_id,
    orderId,
    method: "cashless",
    createdBy: actorUserId,
  });
  return refund.id;
}

export interface VendorSettlementSums {
  entries: number;
  payments: bigint;
  refunds: bigint;
  gross: bigint;
  commission: bigint;
  net: bigint;
  currency: string;
}

/** Commission in minor units, rounded half away from zero. */
export function commissionOf(gross: bigint, bps: number): bigint {
  const sign = gross < 0n ? -1n : 1n;
  return sign * ((sign * gross * BigInt(bps) + 5_000n) / 10_000n);
}

/**
 * Settles a vendor: claims every unsettled ledger entry of the vendor (settlement_id set
 * once, guarded by the database), moves exactly what those entries left on each receivable
 * shard to the vendor's payable account, and books the commission from payable to the
 * edition's commission account. Those settlement transfers belong to the same settlement.
 * The caller holds the vendor's row lock, so one vendor settles one settlement at a time;
 * a payment committed meanwhile is not claimed and lands in the next settlement.
 */
export async function settleVendor(
  trx: Knex.Transaction,
  s: { editionId: string; vendorId: string; settlementId: string; commissionBps: number; currency: string; actorUserId: string | null },
): Promise<VendorSettlementSums> {
  const { rows } = await trx.raw<{ rows: Array<{ account_id: string; entries: number; incoming: string; outgoing: string }> }>(
    `with claimed as (
       update ledger_transfers set settlement_id = ?
        where vendor_id = ? and edition_id = ? and settlement_id is null
       returning id, amount, from_account_id, to_account_id
     )
     select a.id as account_id, count(*)::int as entries,
            coalesce(sum(c.amount) filter (where c.to_account_id = a.id), 0)::text as incoming,
            coalesce(sum(c.amount) filter (where c.from_account_id = a.id), 0)::text as outgoing
       from claimed c
       join ledger_accounts a on a.id in (c.from_account_id, c.to_account_id) and a.kind = 'vendor_receivable' and a.owner_id = ?
      group by a.id
      order by a.id`,
    [s.settlementId, s.vendorId, s.editionId, s.vendorId],
  );
  const payable = await accountFor(trx, s.editionId, "vendor_payable", s.vendorId, s.currency);
  let payments = 0n;
  let refunds = 0n;
  let entries = 0;
  const common = { editionId: s.editionId, currency: s.currency, vendorId: s.vendorId, settlementId: s.settlementId, createdBy: s.actorUserId };
  for (const r of rows) {
    entries += r.entries;
    payments += BigInt(r.incoming);
    refunds += BigInt(r.outgoing);
    const net = BigInt(r.incoming) - BigInt(r.outgoing);
    if (net === 0n) continue;
    await book(trx, {
      ...common,
      type: "SETTLEMENT",
      fromAccountId: net > 0n ? r.account_id : payable,
      toAccountId: net > 0n ? payable : r.account_id,
      amount: net > 0n ? net : -net,
    });
  }
  const gross = payments - refunds;
  const commission = commissionOf(gross, s.commissionBps);
  if (commission !== 0n) {
    const commissionAccount = await accountFor(trx, s.editionId, "commission", null, s.currency);
    await book(trx, {
      ...common,
      type: "COMMISSION",
      fromAccountId: commission > 0n ? payable : commissionAccount,
      toAccountId: commission > 0n ? commissionAccount : payable,
      amount: commission > 0n ? commission : -commission,
    });
  }
  return { entries, payments, refunds, gross, commission, net: gross - commission, currency: s.currency };
}

/** Sum of a vendor's receivable shards: what is not settled yet. */
export async function unsettledOf(db: Knex | Knex.Transaction, editionId: string, vendorId: string): Promise<bigint> {
  const row = await db(LedgerAccount.tableName)
    .where({ edition_id: editionId, kind: "vendor_receivable", owner_id: vendorId })
    .first(db.raw("coalesce(sum(balance), 0)::text as total"));
  return BigInt((row as { total?: string } | undefined)?.total ?? 0);
}
