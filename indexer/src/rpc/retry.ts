import { BaseError, HttpRequestError, RpcRequestError, TimeoutError } from "viem";
import { PlatformError } from "../../../lib/errors.js";

/**
 * Retry with exponential backoff and jitter, forever for retryable errors: the indexer
 * never skips a block because an endpoint was down, it waits and catches up.
 * Non-retryable errors (a malformed request, a method the node lacks) surface at once.
 */
export interface RetryOptions {
  label: string;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Gives up after this many attempts (default: never). */
  maxAttempts?: number;
  onRetry?: (info: { label: string; attempt: number; delayMs: number; error: unknown }) => void;
  signal?: AbortSignal;
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const base = opts.baseDelayMs ?? 100;
  const max = opts.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error) || (opts.maxAttempts !== undefined && attempt >= opts.maxAttempts)) throw error;
      if (opts.signal?.aborted) throw error;
      const delayMs = Math.min(max, base * 2 ** Math.min(attempt - 1, 16)) * (0.75 + Math.random() * 0.5);
      opts.onRetry?.({ label: opts.label, attempt, delayMs: Math.round(delayMs), error });
      await sleep(delayMs, opts.signal);
    }
  }
}

/** JSON-RPC codes that mean "the request itself is wrong": retrying cannot help. */
const PERMANENT_RPC_CODES = new Set([-32600, -32601, -32602, -32700]);

export function isRetryable(error: unknown): boolean {
  if (error instanceof PlatformError) return error.retryable;
  if (error instanceof BaseError) {
    const http = error.walk((e) => e instanceof HttpRequestError) as HttpRequestError | null;
    if (http) return http.status === undefined || http.status >= 500 || http.status === 429 || http.status === 408;
    if (error.walk((e) => e instanceof TimeoutError)) return true;
    const rpc = error.walk((e) => e instanceof RpcRequestError) as RpcRequestError | null;
    if (rpc) return !PERMANENT_RPC_CODES.has(rpc.code);
    return true; // transport-level failures (socket closed, fetch failed) are BaseErrors too
  }
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "ETIMEDOUT";
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
