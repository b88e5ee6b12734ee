import assert from "node:assert/strict";
import { EgressError, isPrivateAddress, postJson } from "../../../backend/src/modules/webhooks/egress.js";
import { startReceiver } from "./receiver.js";

describe("webhooks: egress guard", () => {
  it("knows private, loopback, link-local and mapped addresses from public ones", () => {
    for (const a of [
      "127.0.0.1",
      "10.0.0.8",
      "172.16.4.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fd12::1",
      "::ffff:127.0.0.1",
      "::ffff:10.1.1.1",
      "not-an-ip",
    ])
      assert.equal(isPrivateAddress(a), true, a);
    for (const a of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) assert.equal(isPrivateAddress(a), false, a);
  });

  it("refuses a loopback target by IP literal and by a name that resolves to one, and never connects", async () => {
    const receiver = await startReceiver();
    const policy = { allowPrivate: false, timeoutMs: 1000, maxResponseBytes: 1024 };
    try {
      const port = new URL(receiver.url).port;
      for (const url of [`https://127.0.0.1:${port}/x`, `https://localhost:${port}/x`, `https://[::1]:${port}/x`]) {
        await assert.rejects(postJson(url, {}, "{}", policy), (e: unknown) => e instanceof EgressError, url);
      }
      await assert.rejects(postJson("http://hooks.example.com/x", {}, "{}", policy), /https/, "plain http is refused outside development");
      assert.equal(receiver.received.length, 0);
      const allowed = await postJson(`${receiver.url}/x`, {}, "{}", { ...policy, allowPrivate: true });
      assert.equal(allowed.status, 200, "the development setting allows it");
    } finally {
      await receiver.close();
    }
  });
});
