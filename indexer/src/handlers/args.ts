import type { Abi, ContractEventName, DecodeEventLogReturnType } from "viem";

/** The decoded arguments of event `N` of `abi`, as viem infers them from lib/abis. */
export type EventArgs<A extends Abi, N extends ContractEventName<A>> = DecodeEventLogReturnType<A, N>["args"];

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
