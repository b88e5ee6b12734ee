import type { Abi, ContractEventName, DecodeEventLogReturnType } from "viem";

/** The decoded arguments of event `N` of `abi`, as viem infers them from lib/abis. */
export type EventArgs<A extends Abi, N extends ContractEventName<A>> = DecodeEventLogReturnType<A, N>["args"];

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * Token ids encode their tier (IEventTicket): tokenId = tierId * TIER_ID_BASE + serial.
 * (The contract's TIER_ID_BASE; tier 2's third ticket is 2_000_003.)
 */
export const TIER_ID_BASE = 1_000_000n;
