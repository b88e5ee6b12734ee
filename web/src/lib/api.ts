import { t } from "../i18n.js";
import { getSession, setSession, type Area } from "./session.js";

/** A failed call, in words: the problem+json `detail` (or title), the fields it names, the stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Array<{ field: string; message: string }> = [],
  ) {
    super(message);
  }
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Bytes to send as they are (a receipt's file), with their own content type. */
  rawBody?: Blob;
  /** Whose session signs the call (default: none). */
  as?: Area;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const refreshing = new Map<Area, Promise<boolean>>();

/**
 * Rotates the area's refresh token once for every call that met the expired access token at the
 * same time: the API revokes a whole session when a spent refresh token comes back.
 */
function refresh(area: Area): Promise<boolean> {
  let pending = refreshing.get(area);
  if (!pending) {
    pending = (async () => {
      const session = getSession(area);
      if (!session) return false;
      try {
        const res = await fetch("/api/v1/auth/refresh", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ refreshToken: session.refreshToken }),
        });
        if (!res.ok) return false;
        const tokens = (await res.json()) as { accessToken: string; refreshToken: string };
        setSession(area, { ...session, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
        return true;
      } catch {
        return false;
      }
    })().finally(() => refreshing.delete(area));
    refreshing.set(area, pending);
  }
  return pending;
}

export async function api<T = unknown>(path: string, opts: CallOptions = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (opts.rawBody) headers["content-type"] = opts.rawBody.type || "application/octet-stream";
  const session = opts.as ? getSession(opts.as) : null;
  if (session) headers.authorization = `Bearer ${session.accessToken}`;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: opts.method ?? (opts.body === undefined && !opts.rawBody ? "GET" : "POST"),
      headers,
      body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      signal: opts.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "network", t("error.network"));
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // a proxy's HTML error page: said in words below
  }
  if (!res.ok) {
    const problem = (json ?? {}) as { detail?: string; title?: string; code?: string; errors?: Array<{ field: string; message: string }> };
    if (res.status === 401 && session && opts.as) {
      if (!retried && (await refresh(opts.as))) return api<T>(path, opts, true);
      setSession(opts.as, null);
      throw new ApiError(401, problem.code ?? "unauthorized", t("error.signInAgain"));
    }
    const message = problem.detail ?? problem.title ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, problem.code ?? `http_${res.status}`, message, problem.errors ?? []);
  }
  return json as T;
}

/** The words to show for any error a page caught. */
export function errorWords(error: unknown): { message: string; fields: string[] } {
  if (error instanceof ApiError) {
    return { message: error.message, fields: error.fields.map((f) => t("error.field", { field: f.field.replace(/^body\./, ""), message: f.message })) };
  }
  const e = error as { shortMessage?: string; message?: string; code?: number | string };
  // wallets (EIP-1193 / ethers) say what happened in shortMessage or message
  return { message: t("error.unexpected", { message: e?.shortMessage ?? e?.message ?? String(error) }), fields: [] };
}
