import type { Knex } from "knex";
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeFunctionData,
  keccak256,
  parseEventLogs,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";

/**
 * The custody account's transactions (mints through MINTER_ROLE, claims, voids), sent so a
 * crash can never send one twice: each is signed with a nonce handed out under a row lock
 * (payment_chain_nonces) and stored by the caller before it is broadcast. Re-sending the
 * stored bytes is harmless (same nonce, same hash: it is mined at most once); a stored
 * transaction the chain dropped is known for certain to be void once the account's mined
 * nonce has passed it without a receipt for it (`fate`).
 *
 * The key comes from configuration (PAYMENTS_CUSTODY_PRIVATE_KEY), never from the database:
 * the database holds signed transactions only, each of which can do exactly what it says once.
 */
export interface SignedTx {
  nonce: number;
  hash: Hex;
  raw: Hex;
}

/** A contract revert, decoded (its custom error name), or a failure that says nothing about the call. */
export class ChainCallReverted extends Error {
  constructor(readonly errorName: string) {
    super(`reverted: ${errorName}`);
  }
}

export class CustodyChain {
  private fees: { at: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | undefined;
  private nonceSynced = false;

  constructor(
    readonly client: PublicClient,
    readonly chainId: number,
    readonly account: LocalAccount,
  ) {}

  get address(): Address {
    return this.account.address.toLowerCase() as Address;
  }

  /** The call data of a mint of `quantity` tickets of `tierId` to `to` (one comp each). */
  static mintData(tierId: number, to: Address, quantity: number): Hex {
    return encodeFunctionData({ abi: eventTicketAbi, functionName: "grantComps", args: [BigInt(tierId), Array(quantity).fill(to)] });
  }

  static claimData(from: Address, to: Address, tokenId: bigint): Hex {
    return encodeFunctionData({ abi: eventTicketAbi, functionName: "transferFrom", args: [from, to, tokenId] });
  }

  static voidData(tokenId: bigint): Hex {
    return encodeFunctionData({ abi: eventTicketAbi, functionName: "voidComp", args: [tokenId] });
  }

  /** Estimates the call as the custody; a revert throws ChainCallReverted with the contract's error name. */
  async estimate(to: Address, data: Hex): Promise<bigint> {
    try {
      return await this.client.estimateGas({ account: this.account.address, to, data });
    } catch (error) {
      throw revertOf(error) ?? error;
    }
  }

  /**
   * Signs a call with the next nonce, inside `trx` (the caller stores the result in the same
   * transaction, so a nonce is used iff its transaction is stored).
   */
  async sign(trx: Knex.Transaction, to: Address, data: Hex, gas: bigint): Promise<SignedTx> {
    await this.syncNonce(trx);
    const row = await trx("payment_chain_nonces").where({ chain_id: this.chainId, address: this.address }).increment("next_nonce", 1).returning("next_nonce");
    const nonce = Number(row[0]!.next_nonce) - 1;
    const fees = await this.feeData();
    const raw = await this.account.signTransaction!({
      chainId: this.chainId,
      type: "eip1559",
      to,
      data,
      nonce,
      gas: (gas * 12n) / 10n + 10_000n,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    return { nonce, hash: keccak256(raw), raw };
  }

  /** Sends stored bytes; "already known" / "nonce too low" are fine (it is mined or void: see `fate`). */
  async broadcast(raw: Hex): Promise<void> {
    try {
      await this.client.sendRawTransaction({ serializedTransaction: raw });
    } catch (error) {
      const text = String((error as Error)?.message ?? error).toLowerCase();
      if (text.includes("known") || text.includes("nonce too low") || text.includes("nonce is too low") || text.includes("already")) return;
      throw error;
    }
  }

  /**
   * What became of a stored transaction: mined (its receipt), pending, or void (the account's
   * mined nonce passed it and there is no receipt: it can never be mined).
   */
  async fate(
    tx: { hash: Hex; nonce: number; raw: Hex },
    waitMs: number,
  ): Promise<{ kind: "mined"; receipt: TransactionReceipt } | { kind: "pending" } | { kind: "void" }> {
    const deadline = Date.now() + waitMs;
    // receipts are polled every 25 ms; the nonce check and the re-send once a second (and first), not
    // on every poll: with many orders in flight they were most of the node's load
    for (let i = 0; ; i++) {
      const receipt = await this.client.getTransactionReceipt({ hash: tx.hash }).catch(() => null);
      if (receipt) return { kind: "mined", receipt };
      if (i % 40 === 0) {
        const mined = await this.client.getTransactionCount({ address: this.account.address, blockTag: "latest" });
        if (mined > tx.nonce) {
          // passed without this transaction: but a receipt may have landed between the two reads
          const late = await this.client.getTransactionReceipt({ hash: tx.hash }).catch(() => null);
          return late ? { kind: "mined", receipt: late } : { kind: "void" };
        }
        await this.broadcast(tx.raw);
      }
      if (Date.now() >= deadline) return { kind: "pending" };
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The first token id a mint's CompsGranted names. */
  static mintedFirstTokenId(receipt: TransactionReceipt): bigint | null {
    const [log] = parseEventLogs({ abi: eventTicketAbi, eventName: "CompsGranted", logs: receipt.logs });
    return log ? log.args.firstTokenId : null;
  }

  async tier(contract: Address, tierId: number) {
    return this.client.readContract({ address: contract, abi: eventTicketAbi, functionName: "tier", args: [BigInt(tierId)] });
  }

  async ownerOf(contract: Address, tokenId: bigint): Promise<string | null> {
    try {
      return (await this.client.readContract({ address: contract, abi: eventTicketAbi, functionName: "ownerOf", args: [tokenId] })).toLowerCase();
    } catch (error) {
      const revert = revertOf(error);
      if (revert?.errorName === "ERC721NonexistentToken") return null;
      throw error;
    }
  }

  private async syncNonce(trx: Knex.Transaction): Promise<void> {
    if (this.nonceSynced) {
      // the row exists; lock it for this transaction's increment
      await trx.raw("select 1 from payment_chain_nonces where chain_id = ? and address = ? for update", [this.chainId, this.address]);
      return;
    }
    const pending = await this.client.getTransactionCount({ address: this.account.address, blockTag: "pending" });
    await trx.raw(
      `insert into payment_chain_nonces (chain_id, address, next_nonce) values (?, ?, ?)
       on conflict (chain_id, address) do update set next_nonce = greatest(payment_chain_nonces.next_nonce, excluded.next_nonce), updated_at = now()`,
      [this.chainId, this.address, pending],
    );
    this.nonceSynced = true;
  }

  private async feeData() {
    if (!this.fees || Date.now() - this.fees.at > 5000) {
      const block = await this.client.getBlock({ blockTag: "latest" });
      const base = block.baseFeePerGas ?? 1_000_000_000n;
      const tip = 1_000_000_000n;
      this.fees = { at: Date.now(), maxFeePerGas: base * 3n + tip, maxPriorityFeePerGas: tip };
    }
    return this.fees;
  }
}

/** The contract's custom error in a viem failure, if the call reverted with one. */
export function revertOf(error: unknown): ChainCallReverted | null {
  if (!(error instanceof BaseError)) return null;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (revert instanceof ContractFunctionRevertedError) return new ChainCallReverted(revert.data?.errorName ?? revert.reason ?? "reverted");
  // estimateGas reports raw revert data rather than a decoded error
  const withData = error.walk((e) => typeof (e as { data?: unknown }).data === "string" && (e as { data: string }).data.startsWith("0x"));
  const data = (withData as { data?: Hex } | null)?.data;
  if (data && data.length >= 10) {
    try {
      return new ChainCallReverted(decodeErrorResult({ abi: eventTicketAbi, data }).errorName);
    } catch {
      return new ChainCallReverted("reverted");
    }
  }
  if (/revert/i.test(error.message)) return new ChainCallReverted("reverted");
  return null;
}
