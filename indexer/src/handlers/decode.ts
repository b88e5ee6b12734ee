import { decodeAbiParameters, toEventSelector, type Abi, type AbiParameter, type Hex } from "viem";
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
  const events = new Map<Hex, { name: string; topics: Field[]; data: AbiParameter[]; words: Field[] | undefined }>();
  for (const item of abi) {
    if (item.type !== "event" || item.anonymous) continue;
    const data = item.inputs.filter((i) => !i.indexed);
    const words = data.map((i) => wordDecoder(i) && ([i.name!, wordDecoder(i)!] as Field));
    events.set(toEventSelector(item), {
      name: item.name,
      topics: item.inputs
        .filter((i) => i.indexed)
        // dynamic indexed values are hashed: keep the topic itself
        .map((i) => [i.name!, isDynamic(i) ? (w) => `0x${w}` : (wordDecoder(i) ?? ((w) => lower(decodeAbiParameters([i], `0x${w}`)[0])))]),
      data,
      words: words.every(Boolean) ? (words as Field[]) : undefined,
    });
  }
  return (log) => {
    const entry = log.topics[0] && events.get(log.topics[0]);
    if (!entry || log.topics.length !== entry.topics.length + 1) return undefined; // e.g. ERC-20 vs ERC-721 Transfer
    const args: Record<string, unknown> = {};
    entry.topics.forEach(([name, decode], i) => (args[name] = decode(log.topics[i + 1]!.slice(2))));
    if (entry.words && log.data.length === 2 + 64 * entry.words.length) {
      entry.words.forEach(([name, decode], i) => (args[name] = decode(log.data.slice(2 + 64 * i, 66 + 64 * i))));
    } else if (entry.data.length) {
      const values = decodeAbiParameters(entry.data, log.data);
      entry.data.forEach((input, i) => (args[input.name!] = lower(values[i])));
    }
    return { eventName: entry.name, args };
  };
}

type Field = [name: string, decode: WordDecoder];

/** Decodes one 32-byte ABI word (64 hex digits) of a static elementary type, as viem would (addresses lowercase). */
type WordDecoder = (word: string) => unknown;

const wordDecoders = new Map<string, WordDecoder | undefined>();

/**
 * Static elementary types read straight from the hex word: viem's general decoder (bytes,
 * cursor, checksummed addresses) was most of the indexer's decoding time. Other types: undefined.
 */
function wordDecoder(input: AbiParameter): WordDecoder | undefined {
  if (wordDecoders.has(input.type)) return wordDecoders.get(input.type);
  let decode: WordDecoder | undefined;
  const int = /^(u?)int(\d*)$/.exec(input.type);
  const bytes = /^bytes(\d+)$/.exec(input.type);
  if (input.type === "address") decode = (w) => `0x${w.slice(24).toLowerCase()}`;
  else if (input.type === "bool") decode = decodeBool;
  else if (int) {
    const size = Number(int[2] || 256);
    const signed = int[1] === "";
    decode = (w) => {
      let value = BigInt(`0x${w}`);
      if (signed && value >= 2n ** 255n) value -= 2n ** 256n;
      return size > 48 ? value : Number(value); // viem: numbers up to 48 bits, bigints above
    };
  } else if (bytes) {
    const length = Number(bytes[1]) * 2;
    decode = (w) => `0x${w.slice(0, length).toLowerCase()}`;
  }
  wordDecoders.set(input.type, decode);
  return decode;
}

function decodeBool(word: string): boolean {
  if (/^0{63}[01]$/.test(word)) return word.endsWith("1");
  throw new Error(`invalid ABI bool word 0x${word}`);
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
