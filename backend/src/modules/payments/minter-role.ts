import type { Knex } from "knex";
import { encodeFunctionData, keccak256, stringToBytes, type Address, type Hex } from "viem";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import type { EventContractAccess } from "../gate/zones.js";
import type { CustodyChain } from "./custody-chain.js";

/** EventTicket's MINTER_ROLE (contracts/EventTicket.sol): what the custody mints card-sold tickets with (grantComps). */
export const MINTER_ROLE = keccak256(stringToBytes("MINTER_ROLE"));

/**
 * Card sales need the platform's custody to hold MINTER_ROLE on the event's contract. Only the
 * event's admin (the organizer's wallet that created it through the factory, `defaultAdmin()`) can grant it, so
 * the API hands out the unsigned call (to, data, chainId) for that wallet to send, and reads
 * the role on-chain (hasRole) whenever it matters: the status endpoint, and setting a card
 * price (409 minter_role_missing without it). The role is read live, never cached, so a revoke
 * is seen at once; the state machine's mint simulation (machine.ts) is the last check.
 */
export class MinterRoleService {
  constructor(
    private readonly db: Knex,
    private readonly chain: CustodyChain | undefined,
    private readonly eventContracts: EventContractAccess,
  ) {}

  private async linked(principal: Principal, eventContractId: string) {
    await this.eventContracts.load(principal, eventContractId, { level: "manager", scope: "editions" });
    const chain = this.chain;
    if (!chain) throw new HttpError(503, "custody_unavailable", "no chain or custody account is configured for card sales");
    const link = await this.db("event_contract_links").where({ id: eventContractId }).first("id", "chain_id", "status", "ticket_address");
    if (!link || link.status !== "linked" || !link.ticket_address || Number(link.chain_id) !== chain.chainId)
      throw new HttpError(409, "event_not_linked", "this event is not on the chain yet");
    const contract = link.ticket_address as Address;
    // who may grant: the event's admin now (AccessControlDefaultAdminRules), read on-chain rather than who deployed it
    const admin = await chain.client.readContract({ address: contract, abi: eventTicketAbi, functionName: "defaultAdmin" });
    return { chain, contract, admin: admin.toLowerCase() as Address };
  }

  /** Whether the custody holds MINTER_ROLE on `contract`, read on-chain now. */
  async granted(contract: Address): Promise<boolean> {
    if (!this.chain) return false;
    return this.chain.client.readContract({ address: contract, abi: eventTicketAbi, functionName: "hasRole", args: [MINTER_ROLE, this.chain.address] });
  }

  async status(principal: Principal, eventContractId: string) {
    const { chain, contract, admin } = await this.linked(principal, eventContractId);
    const granted = await this.granted(contract);
    return { eventContractId, chainId: chain.chainId, contract, minter: chain.address, admin, granted };
  }

  /** The unsigned grantRole (or revokeRole) call for the event admin's wallet to send. */
  async call(principal: Principal, eventContractId: string, action: "grant" | "revoke") {
    const { chain, contract, admin } = await this.linked(principal, eventContractId);
    const data: Hex = encodeFunctionData({
      abi: eventTicketAbi,
      functionName: action === "grant" ? "grantRole" : "revokeRole",
      args: [MINTER_ROLE, chain.address],
    });
    return { chainId: chain.chainId, from: admin, to: contract, data, value: "0", minter: chain.address, granted: await this.granted(contract) };
  }

  /** Refuses card sales on a contract where the custody cannot mint. */
  async assertGranted(contract: Address): Promise<void> {
    if (await this.granted(contract)) return;
    throw new HttpError(
      409,
      "minter_role_missing",
      `the platform's custody minter ${this.chain?.address ?? "(none)"} does not hold MINTER_ROLE on ${contract}: send the grant call (POST .../card-minter/grant) from the event admin's wallet first`,
      undefined,
      { minter: this.chain?.address ?? null, contract },
    );
  }
}
