import { decodeAbiParameters, toEventSelector, type Abi, type AbiEvent, type AbiParameter, type Hex } from "viem";
import type { RawLog } from "../rpc/client.js";

/**
 * A decoder per ABI, built once: topic0 → event, then indexed arguments from the topics and
 * the rest from data. (viem's decodeEventLog hashes every event signature of the ABI on
 * each call; at thousands of logs per second that matters.) Addresses come out lowercase.
 */
export interface DecodedLog {
  eventName: string;
  args: Record<string, unknown>;
}

export function createDecoder(abi: Abi): (log: RawLog) => DecodedLog | undefined {
  const events = new Map<Hex, { event: AbiEvent; indexed: AbiParameter[]; data: AbiParameter[] }>();
  for (const item of abi) {
    if (item.type !== "event" || item.anonymous) continue;
    events.set(toEventSelector(item), {
      event: item,
      indexed: item.inputs.filter((i) => i.indexed),
      data: item.inputs.filter((i) => !i.indexed),
    });
  }
  return (log) => {
    const entry = log.topics[0] && events.get(log.topics[0]);
    if (!entry || log.topics.length !== entry.indexed.length + 1) return undefined; // e.g. ERC-20 vs ERC-721 Transfer
    const args: Record<string, unknown> = {};
    entry.indexed.forEach((input, i) => {
      const topic = log.topics[i + 1]!;
      // dynamic indexed values are hashed: keep the topic itself
      args[input.name!] = isDynamic(input) ? topic : lower(decodeAbiParameters([input], topic)[0]);
    });
    if (entry.data.length) {
      const values = decodeAbiParameters(entry.data, log.data);
      entry.data.forEach((input, i) => (args[input.name!] = lower(values[i])));
    }
    return { eventName: entry.event.name, args };
  };
}

function isDynamic(input: AbiParameter): boolean {
  return input.type === "string" || input.type === "bytes" || input.type.endsWith("]") || input.type === "tuple";
}

/** Lowercases every address inside a decoded value (checksummed by viem). */
function lower(value: unknown): unknown {
  if (typeof value === "string") return value.length === 42 && value.startsWith("0x") ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map(lower);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lower(v)]));
  }
  return value;
}
