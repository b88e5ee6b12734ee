import { promisify } from "node:util";
import { brotliCompress, constants, gzipSync } from "node:zlib";
import Negotiator from "negotiator";

const brotli = promisify(brotliCompress);

export type ContentEncoding = "br" | "gzip" | "identity";
/** Smallest first. */
const COMPRESSED = ["br", "gzip"] as const;

/**
 * An immutable response body with its compressed copies, made once at the highest levels.
 * gzip 9 is made at once (tens of ms for a megabyte of JSON, so every client that accepts
 * gzip gets it from the first request); brotli 11 takes about two seconds for that much, so
 * it is made on libuv's thread pool and sent once ready (about a quarter smaller than gzip).
 */
export class PrecompressedBody {
  private readonly copies: Partial<Record<(typeof COMPRESSED)[number], Buffer>> = {};
  private started = false;

  constructor(readonly identity: Buffer) {}

  /** Starts making the compressed copies (once; small bodies are not worth it). */
  prepare(): void {
    if (this.started || this.identity.length <= 1024) return;
    this.started = true;
    this.copies.gzip = gzipSync(this.identity, { level: 9 });
    const params = { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: this.identity.length };
    // a failure only leaves brotli out: gzip is sent instead
    void brotli(this.identity, { params }).then(
      (b) => (this.copies.br = b),
      () => {},
    );
  }

  /** The smallest ready copy the client's Accept-Encoding allows (any q > 0; "*" counts), else the body itself. */
  pick(acceptEncoding: string | undefined): { encoding: ContentEncoding; bytes: Buffer } {
    this.prepare();
    const accepted = new Negotiator({ headers: { "accept-encoding": acceptEncoding } }).encodings([...COMPRESSED]);
    for (const encoding of COMPRESSED) {
      const copy = this.copies[encoding];
      if (copy && accepted.includes(encoding)) return { encoding, bytes: copy };
    }
    return { encoding: "identity", bytes: this.identity };
  }
}
