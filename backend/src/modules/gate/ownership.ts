import type { Knex } from "knex";
import { BaseError, ContractFunctionRevertedError, type Address } from "viem";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import type { MirrorChain } from "../chain-mirror/freshness.js";
import type { ScanIdentity, TicketFacts } from "./admission-policy.js";
import type { ScanResult } from "./verdicts.js";

export interface TicketState extends TicketFacts {
  holderDisplayName: string | null;
}

/**
 * Knex/SQL, not objection Models: part of the scan's measured hot path.
 *
 * Who holds a ticket: the mirror's answer, or, when the mirror lags, the chain's (`ownerOf`).
 * Only the contract's own "no such token" revert (ERC721NonexistentToken: never minted, or
 * burned by a refund) means the ticket is gone; any other failure (timeout, node down, a
 * contract the chain does not have, another revert) says nothing about the ticket, so the
 * mirror's answer stands, marked `mirror_stale`.
 */
export type ChainOwner = { kind: "owner"; owner: string } | { kind: "nonexistent" } | { kind: "unavailable" };

export async function ownerOnChain(chain: MirrorChain, contract: Address, tokenId: bigint): Promise<ChainOwner> {
  try {
    const owner = await chain.client.readContract({ address: contract, abi: eventTicketAbi, functionName: "ownerOf", args: [tokenId] });
    return { kind: "owner", owner: owner.toLowerCase() };
  } catch (error) {
    // viem wraps every failure (timeouts too) in ContractFunctionExecutionError: find the decoded revert in its cause chain
    const revert = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    const data = revert instanceof ContractFunctionRevertedError ? revert.data : undefined;
    if (data?.errorName === "ERC721NonexistentToken" && data.args?.[0] === tokenId) return { kind: "nonexistent" };
    return { kind: "unavailable" };
  }
}

/** The holder's display name: the identity module's evm_wallet_holders view. */
export async function holderDisplayName(db: Knex, address: string): Promise<string | null> {
  const row = await db<{ address: string; display_name: string | null }>("evm_wallet_holders").where({ address }).first("display_name");
  return row?.display_name ?? null;
}

/**
 * The mirror's row of a ticket with its event, holder's name and gate check-in, in one
 * indexed query (the holder comes from the identity module's view, so this stays one round trip).
 */
export async function mirroredTicket(db: Knex, chainId: number, contract: string, tokenId: bigint): Promise<TicketState | null> {
  const rows = await db.raw(
    `select t.owner_address, t.burned, t.refund_state, t.checked_in, e.cancelled, h.display_name,
            g.id as check_in_id, g.pass_nonce::text as check_in_nonce, g.scanner_user_id as check_in_scanner,
            g.zone_id as check_in_zone, g.device_id as check_in_device
       from chain_tickets t
       join chain_events e on e.chain_id = t.chain_id and e.ticket_address = t.contract_address
       left join evm_wallet_holders h on h.address = t.owner_address
       left join gate_check_ins g on g.chain_id = t.chain_id and g.contract_address = t.contract_address and g.token_id = t.token_id
      where t.chain_id = ? and t.contract_address = ? and t.token_id = ?`,
    [chainId, contract, tokenId.toString()],
  );
  const r = rows.rows[0];
  if (!r) return null;
  const checkIn: ScanIdentity | null = r.check_in_id
    ? { passNonce: r.check_in_nonce, scannerUserId: r.check_in_scanner, zoneId: r.check_in_zone, deviceId: r.check_in_device }
    : null;
  return {
    owner: r.owner_address,
    burned: r.burned,
    refundState: r.refund_state,
    checkedIn: r.checked_in,
    cancelled: r.cancelled,
    checkIn,
    holderDisplayName: r.display_name ?? null,
  };
}

/** The mirror's ticket corrected by the chain's owner (the mirror lags). */
export async function withChainOwner(
  db: Knex,
  mirrored: TicketState | null,
  chainOwner: ChainOwner,
): Promise<{ state: TicketState | null; ownership: ScanResult["ownership"] }> {
  if (chainOwner.kind === "unavailable") return { state: mirrored, ownership: "mirror_stale" };
  if (chainOwner.kind === "nonexistent") {
    return { state: mirrored ? { ...mirrored, owner: null, burned: true, refundState: "refunded" } : null, ownership: "chain" };
  }
  const owner = chainOwner.owner;
  return {
    state: {
      owner,
      burned: false,
      refundState: mirrored?.refundState === "refunded" ? "none" : (mirrored?.refundState ?? "none"),
      checkedIn: mirrored?.checkedIn ?? false,
      cancelled: mirrored?.cancelled ?? false,
      checkIn: mirrored?.checkIn ?? null,
      holderDisplayName: mirrored?.owner === owner ? mirrored.holderDisplayName : await holderDisplayName(db, owner),
    },
    ownership: "chain",
  };
}
