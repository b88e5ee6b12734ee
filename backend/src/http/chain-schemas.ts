import { z } from "./zod.js";

/** Request and response fields for on-chain values, shared by every chain-facing module. */
export const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address")
  .transform((v) => v.toLowerCase() as `0x${string}`)
  .openapi({ example: "0x5fbdb2315678afecb367f032d93f642f64180aa3" });
export const TxHash = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex transaction hash")
  .transform((v) => v.toLowerCase() as `0x${string}`);
/** On-chain amounts: decimal strings of base units (wei), never floats. */
export const Amount = z
  .string()
  .regex(/^\d{1,30}$/, "must be a decimal integer string (base units)")
  .openapi({ example: "10000000000000000" });
