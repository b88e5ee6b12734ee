import assert from "node:assert/strict";
import { network } from "hardhat";
import type { Knex } from "knex";
import type { PublicClient } from "viem";
import { createSiweMessage } from "viem/siwe";
import { loadConfig } from "../../../lib/config.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";

describe("SIWE with a smart-contract wallet (EIP-1271, through the chain)", () => {
  let db: Knex;
  let api: TestApi;
  let viem: Awaited<ReturnType<typeof network.create>>["viem"];
  const config = loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "100000" });

  before(async () => {
    db = await testDatabase();
    ({ viem } = await network.create());
    const client = (await viem.getPublicClient()) as unknown as PublicClient;
    api = await startTestApi(db, { config, chain: { client, chainId: await client.getChainId() } });
  });
  after(() => api.close());

  async function attempt(address: `0x${string}`, sign: (message: string) => Promise<`0x${string}`>) {
    const nonce = (await api.post("/api/v1/auth/siwe/nonce")).body.nonce;
    const message = createSiweMessage({
      domain: config.auth.siwe.domain,
      uri: config.auth.siwe.uri,
      address,
      chainId: 31337,
      nonce,
      version: "1",
      issuedAt: new Date(),
    });
    return api.post("/api/v1/auth/siwe/verify", { message, signature: await sign(message) });
  }

  it("accepts the owner's signature for the wallet contract, refuses anyone else's", async () => {
    const [owner, stranger] = await viem.getWalletClients();
    const wallet = await viem.deployContract("ERC1271Wallet", [owner!.account.address]);

    const ok = await attempt(wallet.address, (message) => owner!.signMessage({ message }));
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const row = await db("wallets").where({ address: wallet.address.toLowerCase() }).first();
    assert.equal(row.user_id, ok.body.userId);

    const refused = await attempt(wallet.address, (message) => stranger!.signMessage({ message }));
    assert.equal(refused.status, 401);
    // an EOA still signs in through the chain path
    const eoa = await attempt(stranger!.account.address, (message) => stranger!.signMessage({ message }));
    assert.equal(eoa.status, 201);
  });
});
