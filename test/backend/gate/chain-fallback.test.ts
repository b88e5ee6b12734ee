import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import type { Knex } from "knex";
import { createPublicClient, createWalletClient, http, parseEther, parseEventLogs, type Address, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { eventTicketAbi } from "../../../lib/abis/EventTicket.js";
import { chainDefinition } from "../../../lib/chain.js";
import { loadConfig } from "../../../lib/config.js";
import { isolatedTestDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { createEvent, startTestChain, type TestChain } from "../../indexer/support/platform.js";
import { CHAIN_ID, createFan, holderPass, seedEvent, seedTicket, type SeededEvent } from "./fixtures.js";

/**
 * When the mirror lags, the gate asks the chain who holds a ticket. Only the contract's
 * "no such token" revert means burned; a chain that times out or answers something else
 * leaves the mirror's answer, marked mirror_stale. Real parts: a Hardhat node with a ticket
 * refunded (burned) on it, and an HTTP endpoint that accepts connections and never answers.
 */
describe("gate: the chain fallback when the mirror lags", function () {
  this.timeout(180_000);
  const config = loadConfig({});
  let db: Knex;
  let drop: () => Promise<void>;
  let chain: TestChain;
  let silent: Server;
  let silentUrl: string;
  const sockets = new Set<Socket>();
  const apis: TestApi[] = [];

  before(async () => {
    const isolated = await isolatedTestDatabase("festival_gate_fallback"); // a lagging cursor of its own
    db = isolated.db;
    drop = isolated.drop;
    chain = await startTestChain();
    silent = createServer((socket) => {
      sockets.add(socket); // read the request, never answer
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  after(async () => {
    for (const api of apis) await api.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
    await chain?.stop();
    await drop?.();
  });

  const lagMirror = (chainId: number) => db("indexer_cursors").where({ chain_id: chainId }).update({ block_number: 0, head_block_number: 1_000 });

  const scan = async (api: TestApi, event: SeededEvent, payload: string) => {
    const res = await api.post("/api/v1/gate/scan", { payload, zoneId: event.zones.gate }, event.scanner.headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  it("refuses a ticket refunded on-chain as refunded, from the chain's ERC721NonexistentToken revert", async () => {
    const [funder, organizer] = chain.accounts;
    const created = await createEvent(chain, { organizer: organizer! });
    const holder = privateKeyToAccount(generatePrivateKey());
    await chain.client.waitForTransactionReceipt({
      hash: await chain.wallet(funder!).sendTransaction({ account: funder!, chain: chain.client.chain, to: holder.address, value: parseEther("1") }),
    });
    const holderWallet = createWalletClient({ account: holder, chain: chainDefinition(chain.chainId, chain.url), transport: http(chain.url) });
    const bought = await chain.client.waitForTransactionReceipt({
      hash: await holderWallet.writeContract({
        address: created.ticket,
        abi: eventTicketAbi,
        functionName: "purchase",
        args: [1n, 1n, holder.address],
        value: 10n ** 15n,
      }),
    });
    const tokenId = parseEventLogs({ abi: eventTicketAbi, eventName: "TicketPurchased", logs: bought.logs })[0]!.args.firstTokenId;
    const organizerWallet = chain.wallet(organizer!);
    await chain.client.waitForTransactionReceipt({
      hash: await organizerWallet.writeContract({
        account: organizer!,
        chain: chain.client.chain,
        address: created.ticket,
        abi: eventTicketAbi,
        functionName: "cancelEvent",
      }),
    });
    await chain.client.waitForTransactionReceipt({
      hash: await holderWallet.writeContract({ address: created.ticket, abi: eventTicketAbi, functionName: "claimRefunds", args: [[tokenId], holder.address] }),
    });
    await chain.mine(10);

    // the mirror still shows the ticket as it was before the cancellation: valid, held by the fan
    const event = await seedEvent(db, { chainId: chain.chainId, contract: created.ticket });
    const fan = await createFan(db, "Refunded Fan");
    await db("wallets").where({ user_id: fan.user.userId }).update({ address: holder.address.toLowerCase() });
    await seedTicket(db, event, holder.address.toLowerCase() as Address, { chainId: chain.chainId, tokenId });
    await lagMirror(chain.chainId);

    const api = await startTestApi(db, { config, chain: { client: chain.client, chainId: chain.chainId } });
    apis.push(api);
    const refused = await scan(api, event, await holderPass(holder, created.ticket, tokenId, { chainId: chain.chainId }));
    assert.equal(refused.verdict, "refunded", JSON.stringify(refused));
    assert.equal(refused.ownership, "chain");
    assert.equal(await db("gate_check_ins").where({ contract_address: created.ticket, token_id: tokenId.toString() }).first(), undefined);
  });

  it("keeps the mirror's answer, marked mirror_stale, when the chain has no such contract (it answers, but not a revert)", async () => {
    // e.g. a new local chain after a restart: the contract the mirror knows is not deployed on it
    const event = await seedEvent(db, { chainId: chain.chainId });
    const fan = await createFan(db, "Fan on an old chain");
    const tokenId = await seedTicket(db, event, fan.address, { chainId: chain.chainId });
    await lagMirror(chain.chainId);
    const api = await startTestApi(db, { config, chain: { client: chain.client, chainId: chain.chainId } });
    apis.push(api);
    const admitted = await scan(api, event, await holderPass(fan.account, event.contract, tokenId, { chainId: chain.chainId }));
    assert.equal(admitted.verdict, "admitted", JSON.stringify(admitted));
    assert.equal(admitted.ownership, "mirror_stale");
  });

  it("keeps the mirror's answer, marked mirror_stale, when the chain times out; a resent scan answers the same", async () => {
    const event = await seedEvent(db);
    const fan = await createFan(db, "Patient Fan");
    const tokenId = await seedTicket(db, event, fan.address);
    await lagMirror(CHAIN_ID);
    const slow = createPublicClient({ transport: http(silentUrl, { timeout: 300, retryCount: 0 }) }) as PublicClient;
    const api = await startTestApi(db, { config, chain: { client: slow, chainId: CHAIN_ID } });
    apis.push(api);
    const payload = await holderPass(fan.account, event.contract, tokenId);
    const admitted = await scan(api, event, payload);
    assert.equal(admitted.verdict, "admitted", JSON.stringify(admitted));
    assert.equal(admitted.ownership, "mirror_stale");
    assert.equal(admitted.ticket.holderDisplayName, "Patient Fan");
    const resent = await scan(api, event, payload);
    assert.equal(resent.verdict, "admitted", JSON.stringify(resent));
    const checkIns = await db("gate_check_ins").where({ contract_address: event.contract, token_id: tokenId.toString() });
    assert.equal(checkIns.length, 1);
    // a burned ticket in the mirror stays refused whatever the chain does
    const burned = await seedTicket(db, event, null, { burned: true, refundState: "refunded" });
    assert.equal((await scan(api, event, await holderPass(fan.account, event.contract, burned))).verdict, "refunded");
  });

  it("pass issuance asks the chain too when the indexer died (its cursor still shows the head it last saw)", async () => {
    const [funder, organizer] = chain.accounts;
    const created = await createEvent(chain, { organizer: organizer! });
    const seller = privateKeyToAccount(generatePrivateKey());
    const buyer = privateKeyToAccount(generatePrivateKey());
    await chain.client.waitForTransactionReceipt({
      hash: await chain.wallet(funder!).sendTransaction({ account: funder!, chain: chain.client.chain, to: seller.address, value: parseEther("1") }),
    });
    const sellerWallet = createWalletClient({ account: seller, chain: chainDefinition(chain.chainId, chain.url), transport: http(chain.url) });
    const bought = await chain.client.waitForTransactionReceipt({
      hash: await sellerWallet.writeContract({
        address: created.ticket,
        abi: eventTicketAbi,
        functionName: "purchase",
        args: [1n, 1n, seller.address],
        value: 10n ** 15n,
      }),
    });
    const tokenId = parseEventLogs({ abi: eventTicketAbi, eventName: "TicketPurchased", logs: bought.logs })[0]!.args.firstTokenId;
    await chain.client.waitForTransactionReceipt({
      hash: await sellerWallet.writeContract({
        address: created.ticket,
        abi: eventTicketAbi,
        functionName: "transferFrom",
        args: [seller.address, buyer.address, tokenId],
      }),
    });
    await chain.mine(10);

    // the mirror stopped before the transfer; the dead indexer's cursor says it was at the head it saw
    const event = await seedEvent(db, { chainId: chain.chainId, contract: created.ticket });
    await seedTicket(db, event, seller.address.toLowerCase() as Address, { chainId: chain.chainId, tokenId });
    await db("indexer_cursors").where({ chain_id: chain.chainId }).update({ block_number: 1, head_block_number: 1 });
    const sellerFan = await createFan(db, "Seller");
    const buyerFan = await createFan(db, "Buyer");
    await db("wallets").where({ user_id: sellerFan.user.userId }).update({ address: seller.address.toLowerCase() });
    await db("wallets").where({ user_id: buyerFan.user.userId }).update({ address: buyer.address.toLowerCase() });

    const api = await startTestApi(db, { config, chain: { client: chain.client, chainId: chain.chainId } });
    apis.push(api);
    const body = { contract: created.ticket, tokenId: tokenId.toString() };
    const refused = await api.post("/api/v1/gate/passes", body, sellerFan.user.headers);
    assert.equal(refused.status, 404, JSON.stringify(refused.body));
    assert.equal(refused.body.code, "ticket_not_found");
    const issued = await api.post("/api/v1/gate/passes", body, buyerFan.user.headers);
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    assert.equal(issued.body.holder, buyer.address.toLowerCase());
  });
});
