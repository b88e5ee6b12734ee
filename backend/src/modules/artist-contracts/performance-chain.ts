import type { Knex } from "knex";
import { encodeFunctionData, keccak256, type Address, type Hex, type LocalAccount, type PublicClient, type TransactionReceipt } from "viem";
import { revenueSplitAbi } from "../../../../lib/abis/RevenueSplit.js";
import { newId } from "../../../../lib/ids.js";
import { systemAuditContext } from "../audit/service.js";
import { splitOfEdition } from "../event-contracts/splits.js";
import { editionOfEngagement } from "../schedule/engagement-edition.js";
import { auditCompanyChange, withTenant } from "../organizations/tenant.js";

/**
 * Paid on performance, on-chain: a decided performance (service.ts `decide`, the one place a
 * performance is confirmed or cancelled) queues performance_chain_send { companyId,
 * contractId, action } with job key `performance_chain_send:<contract>:<action>`; the job
 * sends confirmPerformance / cancelPerformance to the event's RevenueSplit with the
 * performance confirmer account (the organizer names it with setPerformanceConfirmer; the
 * contract accepts the organizer or that account) and records the outcome in
 * performance_chain_sends. The indexer's mirror (chain_split_performances) then shows it.
 *
 * Exactly once: the decision is made once under the contract's row lock; the job reads the
 * chain first (already confirmed or cancelled: `already_done`, nothing sent); a signed
 * transaction is stored before it is broadcast and a retry re-sends those bytes or, once its
 * nonce is used by another, decides afresh from the chain. The contract itself refuses a
 * second decision (RevenueSplitPerformanceNotPending), so even a lost row cannot pay twice.
 */
export const PERFORMANCE_SEND_TASK = "performance_chain_send";
export type PerformanceAction = "confirm" | "cancel";
export const performanceSendKey = (contractId: string, action: PerformanceAction) => `${PERFORMANCE_SEND_TASK}:${contractId}:${action}`;

/** performanceStatus() of RevenueSplit. */
const NONE = 0;
const PENDING = 1;
const DONE: Record<PerformanceAction, number> = { confirm: 2, cancel: 3 };
const RECEIPT_TIMEOUT_MS = 60_000;

export type SendOutcome = "mined" | "already_done" | "failed" | "missing";

/** Queues the send in the caller's tenant transaction (its row and its job commit with the decision). */
export async function queuePerformanceSend(
  trx: Knex.Transaction,
  p: { companyId: string; contractId: string; payee: string; action: PerformanceAction; userId: string | null },
): Promise<void> {
  await trx("performance_chain_sends").insert({
    id: newId(),
    company_id: p.companyId,
    contract_id: p.contractId,
    action: p.action,
    payee_address: p.payee.toLowerCase(),
    created_by: p.userId,
    updated_by: p.userId,
  });
  await trx.raw("select backoffice_enqueue_job(?, json_build_object('companyId', ?::text, 'contractId', ?::text, 'action', ?::text), ?)", [
    PERFORMANCE_SEND_TASK,
    p.companyId,
    p.contractId,
    p.action,
    performanceSendKey(p.contractId, p.action),
  ]);
}

export interface PerformanceChainDeps {
  db: Knex;
  chain?: { client: PublicClient; chainId: number };
  /** The performance confirmer (lib/chain-accounts.ts); undefined: no account on this chain. */
  account?: LocalAccount;
}

interface SendRow {
  id: string;
  contract_id: string;
  action: PerformanceAction;
  payee_address: Address;
  split_address: Address | null;
  from_address: Address | null;
  nonce: string | null;
  tx_hash: Hex | null;
  raw_tx: Hex | null;
  status: string;
  engagement_id: string | null;
}

/** The job: returns the row's final status; throws (so the queue retries) while the outcome is open. */
export async function sendPerformanceDecision(
  deps: PerformanceChainDeps,
  p: { companyId: string; contractId: string; action: PerformanceAction },
): Promise<SendOutcome> {
  const { db } = deps;
  const row: SendRow | undefined = await withTenant(db, p.companyId, (trx) =>
    trx("performance_chain_sends as s")
      .join("artist_contracts as c", "c.id", "s.contract_id")
      .where({ "s.contract_id": p.contractId, "s.action": p.action })
      .first("s.*", "c.engagement_id"),
  );
  if (!row) return "missing";
  if (row.status === "mined" || row.status === "already_done" || row.status === "failed") return row.status;
  const record = (patch: Record<string, unknown>, action?: string) =>
    withTenant(db, p.companyId, async (trx) => {
      const [after] = await trx("performance_chain_sends").where({ id: row.id }).update(patch).returning("*");
      if (action)
        await auditCompanyChange(trx, systemAuditContext(), {
          action,
          entityType: "artist_contract",
          entityId: row.contract_id,
          companyId: p.companyId,
          before: { status: row.status, tx_hash: row.tx_hash },
          after: { status: after.status, tx_hash: after.tx_hash, error: after.error, split_address: after.split_address },
        });
    });
  const fail = async (error: string): Promise<SendOutcome> => {
    await record({ status: "failed", error }, "artist_contract.performance_chain_failed");
    return "failed";
  };
  if (!deps.chain || !deps.account) {
    await record({ error: "chain_not_configured" });
    throw new Error("performance_chain_send: no chain or performance confirmer account configured (the job retries)");
  }
  const { client, chainId } = deps.chain;
  const account = deps.account;

  let split = row.split_address;
  if (!split) {
    const editionId = row.engagement_id ? await editionOfEngagement(db, row.engagement_id) : undefined;
    const found = editionId ? await splitOfEdition(db, editionId, row.payee_address) : undefined;
    if (!found || found.chainId !== chainId) return fail("split_not_found");
    split = found.splitAddress;
    await record({ split_address: split, chain_id: chainId });
  }

  const settle = async (receipt: TransactionReceipt): Promise<SendOutcome> => {
    if (receipt.status === "success") {
      await record({ status: "mined", block_number: receipt.blockNumber.toString(), error: null }, `artist_contract.performance_chain_${p.action}ed`);
      return "mined";
    }
    // reverted: someone (the organizer) decided it first, or it cannot be decided
    const now = await statusOf(client, split, row.payee_address);
    if (now === DONE[p.action]) {
      await record({ status: "already_done", error: null }, "artist_contract.performance_chain_already_done");
      return "already_done";
    }
    return fail("reverted");
  };

  // a stored transaction first: mined, still waiting (the same bytes again), or void (its nonce went to another)
  if (row.tx_hash && row.raw_tx && row.nonce !== null) {
    const receipt = await client.getTransactionReceipt({ hash: row.tx_hash }).catch(() => null);
    if (receipt) return settle(receipt);
    const mined = await client.getTransactionCount({ address: account.address, blockTag: "latest" });
    if (mined <= Number(row.nonce)) {
      await broadcast(client, row.raw_tx);
      return settle(await client.waitForTransactionReceipt({ hash: row.tx_hash, timeout: RECEIPT_TIMEOUT_MS, pollingInterval: 100 }));
    }
  }

  const status = await statusOf(client, split, row.payee_address);
  if (status === DONE[p.action]) {
    await record({ status: "already_done", error: null }, "artist_contract.performance_chain_already_done");
    return "already_done";
  }
  if (status !== PENDING) return fail(status === NONE ? "not_gated_on_chain" : p.action === "confirm" ? "cancelled_on_chain" : "confirmed_on_chain");

  const data = encodeFunctionData({
    abi: revenueSplitAbi,
    functionName: p.action === "confirm" ? "confirmPerformance" : "cancelPerformance",
    args: [row.payee_address],
  });
  const hash = await withTenant(db, p.companyId, async (trx) => {
    // one nonce per transaction across processes: the account is locked from the nonce read to the broadcast
    await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`performance_confirmer:${account.address.toLowerCase()}`]);
    const nonce = await client.getTransactionCount({ address: account.address, blockTag: "pending" });
    const gas = await client.estimateGas({ account: account.address, to: split, data });
    const block = await client.getBlock({ blockTag: "latest" });
    const tip = 1_000_000_000n;
    const raw = await account.signTransaction({
      chainId,
      type: "eip1559",
      to: split,
      data,
      nonce,
      gas: (gas * 12n) / 10n + 10_000n,
      maxFeePerGas: (block.baseFeePerGas ?? 1_000_000_000n) * 3n + tip,
      maxPriorityFeePerGas: tip,
    });
    const txHash = keccak256(raw);
    await trx("performance_chain_sends")
      .where({ id: row.id })
      .update({
        status: "sent",
        from_address: account.address.toLowerCase(),
        nonce,
        tx_hash: txHash,
        raw_tx: raw,
        attempts: trx.raw("attempts + 1"),
        error: null,
      });
    await broadcast(client, raw);
    return txHash;
  });
  // a timeout throws: the retry finds the stored transaction
  return settle(await client.waitForTransactionReceipt({ hash, timeout: RECEIPT_TIMEOUT_MS, pollingInterval: 100 }));
}

async function statusOf(client: PublicClient, split: Address, payee: Address): Promise<number> {
  return Number(await client.readContract({ address: split, abi: revenueSplitAbi, functionName: "performanceStatus", args: [payee] }));
}

/** "already known" / "nonce too low": the bytes are in the pool or mined (the receipt says which). */
async function broadcast(client: PublicClient, raw: Hex): Promise<void> {
  try {
    await client.sendRawTransaction({ serializedTransaction: raw });
  } catch (error) {
    const text = String((error as Error)?.message ?? error).toLowerCase();
    if (text.includes("known") || text.includes("nonce too low") || text.includes("nonce is too low") || text.includes("already")) return;
    throw error;
  }
}

/** The chain side of a contract's performance, for its view. */
export async function performanceSends(trx: Knex.Transaction, contractId: string) {
  const rows = await trx("performance_chain_sends").where({ contract_id: contractId }).orderBy("created_at");
  return rows.map((r) => ({
    action: r.action as PerformanceAction,
    status: r.status as string,
    splitAddress: r.split_address as string | null,
    txHash: r.tx_hash as string | null,
    error: r.error as string | null,
  }));
}
