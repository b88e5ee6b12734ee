import assert from "node:assert/strict";
import QRCode from "qrcode";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { decodePass, encodePass, PassFormatError, recoverPassSigner, signPass, type TicketPass } from "../../../backend/src/modules/gate/pass.js";
import { passSigner } from "../../../backend/src/modules/gate/passes.js";
import { recoveryBackend } from "../../../backend/src/modules/gate/ecrecover.js";

describe("gate: TicketPass", () => {
  const holder = privateKeyToAccount(generatePrivateKey());
  const pass: TicketPass = {
    chainId: 31337,
    contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    tokenId: 123_456n,
    holder: holder.address,
    validUntil: 1_900_000_000,
    nonce: 42n,
  };

  it("round-trips through the compact QR payload and recovers the holder", async () => {
    const signed = await signPass(holder, pass, "holder");
    const payload = encodePass(signed);
    const decoded = decodePass(payload);
    assert.deepEqual(decoded, signed);
    assert.equal(await recoverPassSigner(decoded), holder.address);
  });

  it("fits a QR code of version 10 or lower, even with a full-width token id", async () => {
    const signed = await signPass(holder, { ...pass, tokenId: 2n ** 256n - 1n }, "platform");
    const qr = QRCode.create(encodePass(signed), { errorCorrectionLevel: "M" });
    assert.ok(qr.version <= 10, `QR version ${qr.version}`);
  });

  it("a changed field no longer recovers the holder", async () => {
    const signed = await signPass(holder, pass, "holder");
    const forged = decodePass(encodePass({ ...signed, tokenId: 123_457n }));
    assert.notEqual(await recoverPassSigner(forged), holder.address);
  });

  it("refuses malformed payloads with a format error", () => {
    assert.throws(() => decodePass("hello"), PassFormatError);
    assert.throws(() => decodePass("FP1.AAAA"), PassFormatError);
  });

  it("the fast signer recovery (hand-built EIP-712 digest + libsecp256k1) agrees with viem", async () => {
    for (const tokenId of [0n, 1n, 2_000_003n, 2n ** 256n - 1n]) {
      const signed = await signPass(holder, { ...pass, tokenId, nonce: 2n ** 64n - 1n }, "holder");
      assert.equal(passSigner(signed), (await recoverPassSigner(signed)).toLowerCase());
      assert.equal(passSigner(signed), holder.address.toLowerCase());
    }
    const signed = await signPass(holder, pass, "holder");
    assert.equal(passSigner({ ...signed, signature: `0x${"00".repeat(65)}` }), null);
    assert.notEqual(passSigner({ ...signed, validUntil: signed.validUntil + 1 }), holder.address.toLowerCase());
  });

  it("recovers with the native libsecp256k1 binding where a prebuilt one ships (linux-x64: this project's machines)", function () {
    if (process.platform !== "linux" || process.arch !== "x64") this.skip();
    assert.equal(recoveryBackend, "native");
  });
});
