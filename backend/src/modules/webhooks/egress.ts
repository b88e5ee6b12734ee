import dns, { type LookupAddress, type LookupOptions } from "node:dns";
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import net from "node:net";

/**
 * The one way a delivery leaves the platform. An endpoint URL is the customer's input, so
 * the request must not reach the platform's own network (SSRF): every address the host
 * resolves to is checked at connect time (the `lookup` hook, so a DNS answer that changes
 * between a check and the connect cannot slip through), an IP literal is checked before
 * the request, redirects are never followed (a 3xx is a failed attempt), the answer is
 * read up to a cap, and the whole attempt has a deadline.
 */
export interface EgressPolicy {
  /** Development and tests only: loopback and private networks allowed. */
  allowPrivate: boolean;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface EgressResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** At most maxResponseBytes of the body, as text. */
  body: string;
}

/** A target the policy refuses, or a network failure: the attempt failed without an HTTP status. */
export class EgressError extends Error {
  constructor(
    message: string,
    readonly refused = false,
  ) {
    super(message);
    this.name = "EgressError";
  }
}

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const)
  blocked.addSubnet(prefix, bits, "ipv4");
for (const [prefix, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
  ["64:ff9b::", 96], // NAT64 reaches IPv4 space
] as const)
  blocked.addSubnet(prefix, bits, "ipv6");

/** Whether an address is loopback, private, link-local or otherwise not the public internet. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, "ipv4");
  const family = net.isIP(address);
  if (family === 0) return true; // not an address at all: refuse
  return blocked.check(address, family === 4 ? "ipv4" : "ipv6");
}

function guardedLookup(hostname: string, options: LookupOptions, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) return callback(new EgressError(`${hostname} resolves to ${refused.address}, a private address`, true), []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(new EgressError(`${hostname} has no address`), []);
    callback(null, first.address, first.family);
  });
}

/**
 * Keep-alive agents, so consecutive deliveries to an endpoint reuse a connection: the guarded
 * ones resolve through guardedLookup when they open a connection (a reused one was checked
 * when it opened).
 */
const agents = {
  guarded: { "http:": new http.Agent({ keepAlive: true, lookup: guardedLookup }), "https:": new https.Agent({ keepAlive: true, lookup: guardedLookup }) },
  open: { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) },
};

/** POSTs `body` to `url` under the policy; resolves with the answer (any status), rejects with EgressError. */
export function postJson(url: string, headers: Record<string, string>, body: string, policy: EgressPolicy): Promise<EgressResponse> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new EgressError(`not a URL: ${url}`, true));
  }
  const host = target.hostname.replace(/^\[|\]$/g, "");
  if (!policy.allowPrivate && net.isIP(host) && isPrivateAddress(host)) return Promise.reject(new EgressError(`${host} is a private address`, true));
  if (!policy.allowPrivate && target.protocol !== "https:") return Promise.reject(new EgressError("only https:// endpoints are delivered to", true));
  const transport = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "festival-platform-webhooks/1", ...headers },
        agent: agents[policy.allowPrivate ? "open" : "guarded"][target.protocol as "http:" | "https:"],
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
        };
        res.on("data", (chunk: Buffer) => {
          if (size >= policy.maxResponseBytes) return;
          chunks.push(chunk.subarray(0, policy.maxResponseBytes - size));
          size += chunk.length;
          if (size >= policy.maxResponseBytes) {
            res.destroy(); // the rest is never read
            done();
          }
        });
        res.on("end", done);
        res.on("error", () => done());
      },
    );
    const timer = setTimeout(() => req.destroy(new EgressError(`no answer within ${policy.timeoutMs} ms`)), policy.timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error instanceof EgressError ? error : new EgressError(error.message));
    });
    req.end(body);
  });
}
