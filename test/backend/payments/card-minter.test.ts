import assert from "node:assert/strict";
import { parseEther, parseEventLogs, zeroAddress, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { eventFactoryAbi } from "../../../lib/abis/EventFactory.js";
import { eventTicketAbi } from "../../../lib/abis/EventTicket.js";
import { HARDHAT_MNEMONIC } from "../../../lib/chain-accounts.js";
import { newId } from "../../../lib/ids.js";
import { MINTER_ROLE } from "../../../backend/src/modules/payments/minter-role.js";
import { createTestUser } from "../../support/auth.js";
import { checkoutHelpers } from "./checkout-helpers.js";
import { startWorld, type World } from "./world.js";

const CUSTODY = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 17 }).address.toLowerCase() as Address;

describe("payments: the organizer grants (and revokes) the custody minter MINTER_ROLE from their own wallet", function () {
  this.timeout(300_000);
  let w: World;
  let h: ReturnType<typeof checkoutHelpers>;
  let eventContractId: string;
  let ticket: Address;

  before(async () => {
    w = await startWorld();
    h = checkoutHelpers(w);
    // a second event, created by the organizer's wallet through the factory: nobody granted the custody anything
    const now = Math.floor(Date.now() / 1000);
    const startsAt = now + 30 * 86_400;
    const org = w.organizerWallet;
    const hash = await org.writeContract({
      address: w.config.chain.factoryAddress as Address,
      abi: eventFactoryAbi,
      functionName: "createEvent",
      args: [
        {
          name: "Own Wallet Fest",
          symbol: "OWN",
          baseURI: "",
          contractURI: "",
          startsAt,
          endsAt: startsAt + 86_400,
          refundWindow: 7 * 86_400,
          transferPolicy: 0,
          resaleCapBps: 1000,
          royaltyBps: 500,
        },
        [
          {
            name: "GA",
            price: parseEther("0.01"),
            currency: zeroAddress,
            supply: 10,
            maxPerBuyer: 0,
            saleStart: now - 60,
            saleEnd: startsAt,
            transferable: true,
          },
        ],
        [],
      ],
      account: org.account!,
      chain: org.chain,
    });
    const receipt = await w.client.waitForTransactionReceipt({ hash });
    const [created] = parseEventLogs({ abi: eventFactoryAbi, eventName: "EventCreated", logs: receipt.logs });
    ticket = created!.args.ticket.toLowerCase() as Address;
    eventContractId = newId();
    await w.db("event_contracts").insert({
      id: eventContractId,
      festival_id: w.festivalId,
      chain_id: w.chainId,
      factory_address: String(w.config.chain.factoryAddress).toLowerCase(),
      organizer_address: org.account!.address.toLowerCase(),
      status: "linked",
      name: "Own Wallet Fest",
      config: JSON.stringify({ eventConfig: {}, tiers: [], payees: [] }),
      ticket_address: ticket,
      split_address: created!.args.split.toLowerCase(),
      linked_at: new Date(),
    });
  });
  after(async () => {
    await w?.close();
  });

  const base = () => `/api/v1/event-contracts/${eventContractId}`;
  const setPrice = () => h.call("PUT", `${base()}/tiers/1/card-price`, w.organizer, { amount: 2_000, currency: "EUR" });
  const status = async () => (await h.call("GET", `${base()}/card-minter`, w.organizer)).body;
  /** Sends the API's unsigned call from `walletIndex` (1: the organizer, the event's admin). */
  async function send(call: { to: string; data: string; chainId: number }, walletIndex = 1) {
    const wallet = w.wallet(walletIndex);
    assert.equal(call.chainId, w.chainId);
    const hash = await wallet.sendTransaction({ to: call.to as Address, data: call.data as Hex, account: wallet.account!, chain: wallet.chain });
    return w.client.waitForTransactionReceipt({ hash });
  }
  const onChain = () => w.client.readContract({ address: ticket, abi: eventTicketAbi, functionName: "hasRole", args: [MINTER_ROLE, CUSTODY] });

  it("refuses a card price while the minter role is missing: 409 with a clear detail, nothing stored", async () => {
    const res = await setPrice();
    assert.equal(res.status, 409);
    assert.equal(res.body.code, "minter_role_missing");
    assert.match(res.body.detail, /MINTER_ROLE/);
    assert.equal((await w.db("payment_card_prices").where({ event_contract_id: eventContractId })).length, 0);
    const s = await status();
    assert.deepEqual(
      { granted: s.granted, minter: s.minter, contract: s.contract, admin: s.admin },
      { granted: false, minter: CUSTODY, contract: ticket, admin: w.organizerWallet.account!.address.toLowerCase() },
    );
  });

  it("grant: the organizer's wallet sends the returned call; the status reads the role on-chain; card prices are accepted", async () => {
    const call = await h.call("POST", `${base()}/card-minter/grant`, w.organizer);
    assert.equal(call.status, 200, JSON.stringify(call.body));
    assert.equal(call.body.to, ticket);
    assert.equal(call.body.from, w.organizerWallet.account!.address.toLowerCase());
    assert.equal(call.body.granted, false);
    // anyone else's wallet cannot grant it (the event admin only)
    await assert.rejects(send(call.body, 3), /AccessControlUnauthorizedAccount/);
    assert.equal(await onChain(), false);
    const receipt = await send(call.body);
    assert.equal(receipt.status, "success");
    assert.equal(await onChain(), true);
    assert.equal((await status()).granted, true);
    const price = await setPrice();
    assert.equal(price.status, 200, JSON.stringify(price.body));
  });

  it("revoke: after the organizer sends it, the status says so and a card price is refused again", async () => {
    const call = await h.call("POST", `${base()}/card-minter/revoke`, w.organizer);
    assert.equal(call.status, 200);
    assert.equal(call.body.granted, true);
    await send(call.body);
    assert.equal(await onChain(), false);
    assert.equal((await status()).granted, false);
    assert.equal((await setPrice()).body.code, "minter_role_missing");
  });

  it("only the event's managers: another user gets 404; no auth 401; a malformed id 400", async () => {
    const stranger = await createTestUser(w.db, { roles: ["organizer"] });
    for (const [method, path] of [
      ["GET", `${base()}/card-minter`],
      ["POST", `${base()}/card-minter/grant`],
      ["POST", `${base()}/card-minter/revoke`],
    ] as const) {
      const res = await h.call(method, path, stranger);
      assert.ok([403, 404].includes(res.status), `${method} ${path}: ${res.status}`);
      assert.equal((await h.call(method, path, undefined)).status, 401);
    }
    assert.equal((await h.call("GET", "/api/v1/event-contracts/not-a-uuid/card-minter", w.organizer)).status, 400);
    assert.equal((await h.call("GET", `/api/v1/event-contracts/${newId()}/card-minter`, w.organizer)).status, 404);
  });
});
