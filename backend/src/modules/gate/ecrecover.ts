import { createRequire } from "node:module";
import * as wasm from "tiny-secp256k1";

/**
 * secp256k1 public-key recovery for the scan hot path: libsecp256k1 through its native Node
 * binding (the `secp256k1` package, prebuilt for linux-x64, darwin-arm64 and win32-x64; about
 * 55 us), else the same library compiled to WASM (tiny-secp256k1, about 210 us). Both accept
 * and refuse the same signatures.
 *
 * The binding is loaded directly: the package's own entry point would fall back silently to
 * a pure-JS implementation (elliptic) that is many times slower.
 */
interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean, output?: Uint8Array): Uint8Array;
}

function loadNative(): NativeSecp256k1 | null {
  try {
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return null; // no prebuilt binding for this platform (its install script, a compile, is not run)
  }
}

const native = loadNative();

/** The uncompressed public key (65 bytes) that made `signature` (r || s) over `digest`, or null. */
export function recoverPublicKey(digest: Uint8Array, signature: Uint8Array, recid: 0 | 1): Uint8Array | null {
  if (native) {
    try {
      return native.ecdsaRecover(signature, recid, digest, false);
    } catch {
      return null; // unparsable (r or s out of range) or not recoverable
    }
  }
  try {
    return wasm.recover(digest, signature, recid, false);
  } catch {
    return null;
  }
}

/** Which implementation is in use (pass.test.ts checks it is the native one where one ships). */
export const recoveryBackend: "native" | "wasm" = native ? "native" : "wasm";
