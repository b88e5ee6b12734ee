import assert from "node:assert/strict";
import { Logger, runOnce } from "graphile-worker";
import { parseEther, type Address } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { eventTicketAbi } from "../../../lib/abis/EventTicket.js";
import { HARDHAT_MNEMONIC } from "../../../lib/chain-accounts.js";
import { newId } from "../../../lib/ids.js";
import { OrderMachine } from "../../../backend/src/modules/payments/machine.js";
import { paymentTasks, pumpWebhookEvents, sweepOrders } from "../../../backend/src/modules/payments/jobs.js";
import type { Payments } from "../../../backend/src/modules/payments/setup.js";
import { TEST_CARDS, TestPaymentProvider } from "../../../backend/src/modules/payments/test-provider.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { CAPPED, createFan, eventually, LOCKED, OPEN, PRICE, SMALL, startWorld, type World } from "./world.js";

const CUSTODY = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 17 }).address.toLowerCase() as Address;

describe("payments: card orders, custody, refunds (real chain, indexer, API)", function () {
  this.timeout(300_000);
  let w: World;
  let p: Payments;
  let provider: TestPaymentProvider;

  before(async () => {
    w = await startWorld();
    p = w.api.app.locals.payments;
    provider = p.payments.deps.provider as TestPaymentProvider;
  });
  after(async () => {
    await w?.close();
  });

  const call = (method: string, path: string, user: TestUser | undefined, body?: unknown, headers: Record<string, string> = {}) =>
    w.api.request(method, path, { headers: { ...(user?.headers ?? {}), ...headers }, body });

  /** Runs every queued payment job now (the worker's tasks, on the real queue). */
  const quiet = new Logger(() => () => {});
  const drain = async () => {
    await pumpWebhookEvents(w.db);
    await runOnce({ connectionString: w.dbUrl, logger: quiet, taskList: paymentTasks(w.db, p.payments.machine!, p.payments) });
  };

  async function order(user: TestUser, tierId = OPEN, quantity = 1, extra: Record<string, unknown> = {}) {
    const res = await call("POST", "/api/v1/card-orders", user, { eventContractId: w.eventContractId, tierId, quantity, ...extra });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; amount: number; currency: string; status: string; payment: { providerPaymentId: string; checkoutUrl: string } };
  }

  /** Pays on the hosted page (as its form would) and waits for the provider's webhook to be stored. */
  async function pay(o: { id: string; payment: { checkoutUrl: string } }, card: string = TEST_CARDS.success) {
    const before = await w.db("payment_webhook_events").where({ order_id: o.id }).count<{ count: string }[]>();
    const res = await call("POST", `${o.payment.checkoutUrl}/confirm`, undefined, { cardNumber: card });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await eventually(
      async () => Number((await w.db("payment_webhook_events").where({ order_id: o.id }).count<{ count: string }[]>())[0]!.count) > Number(before[0]!.count),
    );
    return res.body;
  }

  const orderRow = (id: string) => w.db("payment_orders").where({ id }).first();
  const intent = (id: string) => w.db("payment_test_intents").where({ id }).first();
  const ownerOf = (tokenId: bigint) =>
    w.client.readContract({ address: w.ticket, abi: eventTicketAbi, functionName: "ownerOf", args: [tokenId] }).then((a) => a.toLowerCase());
  const tokens = async (orderId: string) =>
    (await w.db("payment_tickets").where({ order_id: orderId }).orderBy("token_id")).map((t) => ({ ...t, tokenId: BigInt(t.token_id) }));

  async function completedOrder(user: TestUser, tierId = OPEN, quantity = 1) {
    const o = await order(user, tierId, quantity);
    await pay(o);
    await drain();
    assert.equal((await orderRow(o.id)).status, "completed");
    return o;
  }

  describe("the happy path: order, hosted checkout, webhook, mint to custody, capture, mirror, gate, claim", () => {
    it("mints to the custody after authorization, captures only after, shows the ticket and admits it at the gate", async () => {
      const { user: fan, address: wallet } = await createFan(w.db, 5);
      const o = await order(fan, OPEN, 2);
      assert.equal(o.status, "reserved");
      assert.equal(o.amount, 2 * PRICE);
      // the hosted page is plain HTML
      const page = await fetch(w.api.base + o.payment.checkoutUrl);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Test checkout: 90\.00 EUR/);

      await pay(o);
      assert.equal((await intent(o.payment.providerPaymentId)).status, "requires_capture");
      await drain();
      const row = await orderRow(o.id);
      assert.equal(row.status, "completed");
      assert.equal((await intent(o.payment.providerPaymentId)).status, "succeeded");
      assert.equal((await w.db("payments").where({ order_id: o.id }).first()).status, "completed");
      const ts = await tokens(o.id);
      assert.equal(ts.length, 2);
      for (const t of ts) {
        assert.equal(t.status, "custody");
        assert.equal(await ownerOf(t.tokenId), CUSTODY);
        assert.equal(await w.client.readContract({ address: w.ticket, abi: eventTicketAbi, functionName: "isComp", args: [t.tokenId] }), true);
      }
      // the fan's view of it: the order with its tickets, and in the list of orders
      const got = await call("GET", `/api/v1/card-orders/${o.id}`, fan);
      assert.equal(got.body.status, "completed");
      assert.equal(got.body.payment.status, "completed");
      assert.deepEqual(
        got.body.tickets.map((t: { status: string }) => t.status),
        ["custody", "custody"],
      );
      const list = await call("GET", "/api/v1/card-orders?limit=1", fan);
      assert.equal(list.body.items[0].id, o.id);
      assert.equal((await call("GET", `/api/v1/card-orders/${o.id}`, await createTestUser(w.db))).status, 404);
      // audited, every step
      const actions = (await w.db("audit_log").where({ entity_id: o.id }).orderBy("created_at").pluck("action")) as string[];
      for (const a of ["payment_order.reserved", "payment_order.authorized", "payment_order.minting", "payment_order.minted", "payment_order.completed"])
        assert.ok(actions.includes(a), a);

      // the mirror shows them as the fan's (custodial)
      const mine = await eventually(async () => {
        const res = await call("GET", "/api/v1/me/tickets", fan);
        return res.body.items.length === 2 ? res.body.items : null;
      });
      assert.ok(mine.every((t: { custodial: boolean; owner: string }) => t.custodial && t.owner === CUSTODY));

      // the gate: a platform-signed pass for the beneficial owner, admitted at the entrance
      const scanner = await createTestUser(w.db, { roles: ["security"] });
      await w.db("gate_scanners").insert({ id: newId(), festival_id: w.festivalId, user_id: scanner.userId });
      const zoneId = newId();
      await w
        .db("gate_zones")
        .insert({ id: zoneId, event_contract_id: w.eventContractId, code: "main", name: "MAIN", kind: "entrance", capacity: null, allow_reentry: false });
      const passRes = await call("POST", "/api/v1/gate/passes", fan, { contract: w.ticket, tokenId: ts[0]!.token_id });
      assert.equal(passRes.status, 201, JSON.stringify(passRes.body));
      assert.equal(passRes.body.holder, CUSTODY);
      const scan = await call("POST", "/api/v1/gate/scan", scanner, { payload: passRes.body.payload, zoneId });
      assert.equal(scan.body.verdict, "admitted", JSON.stringify(scan.body));
      // someone else cannot get a pass for it
      const stranger = await createTestUser(w.db);
      assert.equal((await call("POST", "/api/v1/gate/passes", stranger, { contract: w.ticket, tokenId: ts[0]!.token_id })).status, 404);

      // claim into the linked wallet, in one request: an ordinary NFT from then on
      const claim = await call("POST", "/api/v1/me/custodial-tickets/claim", fan, { wallet });
      assert.equal(claim.status, 200, JSON.stringify(claim.body));
      assert.deepEqual(
        claim.body.items.map((t: { status: string }) => t.status),
        ["claimed", "claimed"],
      );
      for (const t of ts) assert.equal(await ownerOf(t.tokenId), wallet);
      await eventually(async () => {
        const res = await call("GET", "/api/v1/me/tickets", fan);
        return res.body.items.every((t: { owner: string; custodial: boolean }) => t.owner === wallet && !t.custodial) ? true : null;
      });
      // a claimed ticket must come back before a card refund
      const refund = await call("POST", `/api/v1/card-orders/${o.id}/refund`, w.organizer);
      assert.equal(refund.status, 409);
      assert.equal(refund.body.code, "ticket_not_returned");
      assert.equal((await orderRow(o.id)).status, "completed");
      // not sent back yet: refused
      assert.equal((await call("POST", `/api/v1/me/custodial-tickets/${ts[0]!.id}/returned`, fan)).body.code, "not_returned");
      // the fan sends both back to the custody on-chain, says so, and the refund goes through
      const fanWallet = w.wallet(5);
      for (const t of ts) {
        await w.client.waitForTransactionReceipt({
          hash: await fanWallet.writeContract({
            address: w.ticket,
            abi: eventTicketAbi,
            functionName: "transferFrom",
            args: [wallet!, CUSTODY, t.tokenId],
            account: fanWallet.account!,
            chain: fanWallet.chain,
          }),
        });
        const back = await call("POST", `/api/v1/me/custodial-tickets/${t.id}/returned`, fan);
        assert.equal(back.body.status, "custody", JSON.stringify(back.body));
      }
      assert.equal((await call("POST", `/api/v1/card-orders/${o.id}/refund`, w.organizer)).status, 202);
      await drain();
      assert.equal((await orderRow(o.id)).status, "refunded");
      for (const t of ts) await assert.rejects(ownerOf(t.tokenId), /ERC721NonexistentToken/);
    });

    it("mints straight into a linked wallet when asked", async () => {
      const { user: fan, address } = await createFan(w.db, 6);
      const o = await order(fan, OPEN, 1, { deliverTo: address });
      await pay(o);
      await drain();
      const [t] = await tokens(o.id);
      assert.equal(t!.status, "claimed");
      assert.equal(await ownerOf(t!.tokenId), address);
    });
  });

  describe("the card", () => {
    it("declined: nothing minted, nothing captured; the fan may try again within the reservation", async () => {
      const { user: fan } = await createFan(w.db);
      const o = await order(fan);
      await pay(o, TEST_CARDS.decline);
      await drain();
      assert.equal((await orderRow(o.id)).status, "reserved");
      assert.equal((await w.db("payments").where({ order_id: o.id }).first()).status, "failed");
      assert.equal((await tokens(o.id)).length, 0);
      await pay(o, TEST_CARDS.success);
      await drain();
      assert.equal((await orderRow(o.id)).status, "completed");
    });

    it("3-D Secure: pending until authenticated, then minted", async () => {
      const { user: fan } = await createFan(w.db);
      const o = await order(fan);
      await pay(o, TEST_CARDS.threeDSecure);
      await drain();
      assert.equal((await orderRow(o.id)).status, "reserved");
      assert.equal((await w.db("payments").where({ order_id: o.id }).first()).status, "processing");
      const auth = await call("POST", `${o.payment.checkoutUrl}/authenticate`, undefined, {});
      assert.equal(auth.body.status, "authorized");
      await eventually(async () => Number((await w.db("payment_webhook_events").where({ order_id: o.id }).count<{ count: string }[]>())[0]!.count) >= 2);
      await drain();
      assert.equal((await orderRow(o.id)).status, "completed");
    });
  });

  describe("reservations", () => {
    it("sold out: a reservation holds the tier's last tickets; its expiry frees them; a late authorization is cancelled", async () => {
      const { user: a } = await createFan(w.db);
      const { user: b } = await createFan(w.db);
      const first = await order(a, SMALL, 2);
      const before = await w.db("payment_orders").count<{ count: string }[]>();
      const soldOut = await call("POST", "/api/v1/card-orders", b, { eventContractId: w.eventContractId, tierId: SMALL, quantity: 1 });
      assert.equal(soldOut.status, 409);
      assert.equal(soldOut.body.code, "sold_out");
      assert.deepEqual((await w.db("payment_orders").count<{ count: string }[]>())[0], before[0]);
      // ten minutes later
      await w
        .db("payment_orders")
        .where({ id: first.id })
        .update({ expires_at: new Date(Date.now() - 1000) });
      const second = await order(b, SMALL, 2);
      // the sweep expires the first; its card arrives late: the authorization is released, nothing minted
      await pay(first);
      assert.ok((await sweepOrders(w.db, p.payments)) >= 1);
      await drain();
      const row = await orderRow(first.id);
      assert.equal(row.status, "expired");
      assert.equal((await intent(first.payment.providerPaymentId)).status, "canceled");
      assert.equal((await tokens(first.id)).length, 0);
      await pay(second);
      await drain();
      assert.equal((await orderRow(second.id)).status, "completed");
    });

    it("an Idempotency-Key replay returns the first order, reserving nothing more", async () => {
      const { user: fan } = await createFan(w.db);
      const body = { eventContractId: w.eventContractId, tierId: OPEN, quantity: 1 };
      const key = { "idempotency-key": `order-${newId()}` };
      const first = await call("POST", "/api/v1/card-orders", fan, body, key);
      const again = await call("POST", "/api/v1/card-orders", fan, body, key);
      assert.equal(first.status, 201);
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.equal((await w.db("payment_orders").where({ user_id: fan.userId })).length, 1);
    });

    it("over the per-buyer cap: 422 and nothing changes", async () => {
      const { user: fan } = await createFan(w.db);
      await order(fan, CAPPED, 2);
      const count = await w.db("payment_orders").where({ user_id: fan.userId }).count<{ count: string }[]>();
      const res = await call("POST", "/api/v1/card-orders", fan, { eventContractId: w.eventContractId, tierId: CAPPED, quantity: 1 });
      assert.equal(res.status, 422);
      assert.equal(res.body.code, "buyer_limit_exceeded");
      assert.equal(res.body.errors[0].field, "body.quantity");
      assert.deepEqual(await w.db("payment_orders").where({ user_id: fan.userId }).count<{ count: string }[]>(), count);
    });

    it("refuses a wallet that is not proven for direct delivery, and bad input", async () => {
      const { user: fan } = await createFan(w.db);
      const res = await call("POST", "/api/v1/card-orders", fan, {
        eventContractId: w.eventContractId,
        tierId: OPEN,
        quantity: 1,
        deliverTo: "0x" + "12".repeat(20),
      });
      assert.equal(res.status, 422);
      assert.equal(res.body.code, "wallet_not_proven");
      const bad = await call("POST", "/api/v1/card-orders", fan, { eventContractId: w.eventContractId, tierId: OPEN, quantity: 0 });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.errors[0].field, "body.quantity");
    });
  });

  describe("webhooks", () => {
    const post = (raw: string, signature: string) =>
      fetch(`${w.api.base}/api/v1/payments/webhooks/test`, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": signature },
        body: raw,
      });

    it("replayed 5 times and delivered out of order: minted exactly once", async () => {
      const { user: fan } = await createFan(w.db);
      const o = await order(fan);
      // authorize without the page's own webhook, then deliver events ourselves
      provider.sender = undefined;
      await provider.confirm(o.payment.providerPaymentId, TEST_CARDS.success);
      const current = await provider.retrieve(o.payment.providerPaymentId);
      const authorized = provider.signedEvent("payment_intent.amount_capturable_updated", current);
      const succeededLater = provider.signedEvent("payment_intent.succeeded", { ...current, status: "captured" });
      // out of order: the "succeeded" event first, then the authorization five times
      const answers: Array<{ duplicate: boolean }> = [];
      answers.push((await (await post(succeededLater.rawBody, succeededLater.signature)).json()) as { duplicate: boolean });
      for (let i = 0; i < 5; i++) answers.push((await (await post(authorized.rawBody, authorized.signature)).json()) as { duplicate: boolean });
      assert.deepEqual(
        answers.map((a) => a.duplicate),
        [false, false, true, true, true, true],
      );
      await Promise.all([drain(), drain()]);
      await drain();
      assert.equal((await orderRow(o.id)).status, "completed");
      assert.equal((await tokens(o.id)).length, 1);
      const mints = await w.db("audit_log").where({ entity_id: o.id, action: "payment_order.minted" }).count<{ count: string }[]>();
      assert.equal(Number(mints[0]!.count), 1);
    });

    it("forged or stale signature: 401, nothing stored", async () => {
      const { user: fan } = await createFan(w.db);
      const o = await order(fan);
      const current = await provider.retrieve(o.payment.providerPaymentId);
      const good = provider.signedEvent("payment_intent.amount_capturable_updated", { ...current, status: "authorized" });
      const forged = new TestPaymentProvider(w.db, "whsec_not_the_secret").signedEvent("payment_intent.amount_capturable_updated", {
        ...current,
        status: "authorized",
      });
      const stale = provider.signedEvent(
        "payment_intent.amount_capturable_updated",
        { ...current, status: "authorized" },
        { timestamp: Math.floor(Date.now() / 1000) - 301 },
      );
      const tampered = good.rawBody.replace(`"amount":${PRICE}`, `"amount":${PRICE + 1}`);
      for (const [raw, sig] of [
        [forged.rawBody, forged.signature],
        [stale.rawBody, stale.signature],
        [tampered, good.signature],
        [good.rawBody, ""],
      ] as const) {
        const res = await post(raw, sig);
        assert.equal(res.status, 401);
        assert.equal(((await res.json()) as { code: string }).code, "invalid_signature");
      }
      assert.equal((await w.db("payment_webhook_events").where({ order_id: o.id })).length, 0);
      assert.equal((await orderRow(o.id)).status, "reserved");
    });

    it("an unknown payment (404) and an amount or currency other than the order's (422): nothing stored", async () => {
      const { user: fan } = await createFan(w.db);
      const o = await order(fan);
      const current = await provider.retrieve(o.payment.providerPaymentId);
      const unknown = provider.signedEvent("payment_intent.amount_capturable_updated", { ...current, id: "tpi_nobody", status: "authorized" });
      const res = await post(unknown.rawBody, unknown.signature);
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { code: string }).code, "unknown_payment");
      for (const wrong of [{ amount: PRICE - 1 }, { currency: "USD" }]) {
        const e = provider.signedEvent("payment_intent.amount_capturable_updated", { ...current, ...wrong, status: "authorized" });
        const r = await post(e.rawBody, e.signature);
        assert.equal(r.status, 422);
        assert.equal(((await r.json()) as { code: string }).code, "amount_mismatch");
      }
      assert.equal((await w.db("payment_webhook_events").whereIn("provider_payment_id", [o.payment.providerPaymentId, "tpi_nobody"])).length, 0);
      assert.equal((await orderRow(o.id)).status, "reserved");
    });
  });

  describe("failures and restarts", () => {
    it("a mint that fails cancels the authorization: nobody is charged for a ticket that was not minted", async () => {
      const { user: fan } = await createFan(w.db);
      const o = await order(fan);
      await w.client.waitForTransactionReceipt({
        hash: await w.organizerWallet.writeContract({
          address: w.ticket,
          abi: eventTicketAbi,
          functionName: "pause",
          account: w.organizerWallet.account!,
          chain: w.organizerWallet.chain,
        }),
      });
      try {
        await pay(o);
        await drain();
      } finally {
        await w.client.waitForTransactionReceipt({
          hash: await w.organizerWallet.writeContract({
            address: w.ticket,
            abi: eventTicketAbi,
            functionName: "unpause",
            account: w.organizerWallet.account!,
            chain: w.organizerWallet.chain,
          }),
        });
      }
      const row = await orderRow(o.id);
      assert.equal(row.status, "cancelled");
      assert.match(row.status_reason, /^mint_failed:EnforcedPause/);
      assert.equal((await intent(o.payment.providerPaymentId)).status, "canceled");
      assert.equal((await tokens(o.id)).length, 0);
    });

    for (const point of ["after_sign", "after_broadcast", "after_mint"] as const) {
      it(`killed ${point.replace("_", " ")}: a restart finishes the order, one mint, one capture`, async () => {
        const { user: fan } = await createFan(w.db);
        const o = await order(fan);
        provider.sender = undefined;
        await provider.confirm(o.payment.providerPaymentId, TEST_CARDS.success);
        const dying = new OrderMachine({
          db: w.db,
          provider,
          seal: p.payments.seal,
          chain: p.chain,
          fault: (at) => {
            if (at === point) throw new Error(`killed ${at}`);
          },
        });
        await assert.rejects(dying.advance(o.id), /killed/);
        const mid = await orderRow(o.id);
        assert.equal(mid.status, point === "after_mint" ? "minted" : "minting");
        assert.equal((await intent(o.payment.providerPaymentId)).status, "requires_capture");
        // the restart: a fresh machine, driven by the recovery sweep
        assert.ok((await sweepOrders(w.db, p.payments)) >= 1);
        await drain();
        assert.equal((await orderRow(o.id)).status, "completed");
        assert.equal((await intent(o.payment.providerPaymentId)).status, "succeeded");
        const ts = await tokens(o.id);
        assert.equal(ts.length, 1);
        // exactly one mint on-chain for this order: the token after ours is not the custody's from this order
        const minted = await w.client.readContract({ address: w.ticket, abi: eventTicketAbi, functionName: "tier", args: [BigInt(OPEN)] });
        const later = await w
          .db("payment_tickets")
          .where("token_id", ">", ts[0]!.token_id)
          .andWhere("token_id", "<", 2_000_000)
          .andWhere({ contract_address: w.ticket });
        assert.equal(later.length, 0);
        assert.equal(BigInt(ts[0]!.token_id) % 1_000_000n, BigInt(minted.minted));
      });
    }
  });

  describe("refunds", () => {
    it("refunds by card exactly once; the refunded ticket is burned on-chain: no pass, no entry, no resale", async () => {
      const { user: fan } = await createFan(w.db);
      const o = await completedOrder(fan);
      const [t] = await tokens(o.id);
      const res = await call("POST", `/api/v1/card-orders/${o.id}/refund`, w.organizer);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      await drain();
      assert.equal((await orderRow(o.id)).status, "refunded");
      assert.equal((await intent(o.payment.providerPaymentId)).status, "refunded");
      assert.equal((await w.db("payment_tickets").where({ id: t!.id }).first()).status, "voided");
      await assert.rejects(ownerOf(t!.tokenId), /ERC721NonexistentToken/);
      const again = await call("POST", `/api/v1/card-orders/${o.id}/refund`, w.organizer);
      assert.equal(again.status, 409);
      assert.equal(again.body.code, "already_refunded");
      await eventually(async () => ((await w.db("chain_tickets").where({ contract_address: w.ticket, token_id: t!.token_id }).first())?.burned ? true : null));
      assert.equal((await call("POST", "/api/v1/gate/passes", fan, { contract: w.ticket, tokenId: t!.token_id })).status, 404);
      // a stranger (not a manager of the festival) cannot refund
      const { user: other } = await createFan(w.db);
      const o2 = await completedOrder(other);
      assert.equal((await call("POST", `/api/v1/card-orders/${o2.id}/refund`, other)).status, 404);
    });
  });

  describe("transfer offers (custodial tickets, by email, with consent)", () => {
    it("accepted, declined, withdrawn; priced above the on-chain cap refused; not for a non-transferable tier", async () => {
      const { user: alice } = await createFan(w.db);
      const { user: bob } = await createFan(w.db);
      const o = await completedOrder(alice, OPEN, 3);
      const [t1, t2, t3] = await tokens(o.id);
      const offer = (id: string, body: unknown, user = alice) => call("POST", `/api/v1/me/custodial-tickets/${id}/offers`, user, body);

      const tooDear = await offer(t1!.id, { email: bob.email, price: Math.floor(PRICE * 1.1) + 1 });
      assert.equal(tooDear.status, 422);
      assert.equal(tooDear.body.code, "resale_price_too_high");
      // at the cap is allowed (a priced offer is paid by card on accept: resale-offers.test.ts); withdrawn here
      const atCap = await offer(t1!.id, { email: bob.email, price: Math.floor(PRICE * 1.1) });
      assert.equal(atCap.status, 201, JSON.stringify(atCap.body));
      assert.equal((await offer(t1!.id, { email: bob.email })).body.code, "offer_pending");
      assert.equal((await call("POST", `/api/v1/transfer-offers/${atCap.body.id}/withdraw`, alice)).body.status, "withdrawn");
      const accepted = await offer(t1!.id, { email: bob.email });
      assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
      // nothing moves until bob accepts
      assert.equal((await w.db("payment_tickets").where({ id: t1!.id }).first()).user_id, alice.userId);
      assert.equal((await call("POST", `/api/v1/transfer-offers/${accepted.body.id}/accept`, alice)).status, 404); // not hers to accept
      const ok = await call("POST", `/api/v1/transfer-offers/${accepted.body.id}/accept`, bob);
      assert.equal(ok.body.status, "accepted");
      assert.equal((await w.db("payment_tickets").where({ id: t1!.id }).first()).user_id, bob.userId);
      await eventually(async () => (await w.db("chain_tickets").where({ contract_address: w.ticket, token_id: t1!.token_id }).first()) ?? null);
      assert.equal((await call("POST", "/api/v1/gate/passes", bob, { contract: w.ticket, tokenId: t1!.token_id })).status, 201);
      assert.equal((await call("POST", "/api/v1/gate/passes", alice, { contract: w.ticket, tokenId: t1!.token_id })).status, 404);

      const declined = await offer(t2!.id, { email: bob.email });
      assert.equal((await call("POST", `/api/v1/transfer-offers/${declined.body.id}/decline`, bob)).body.status, "declined");
      assert.equal((await w.db("payment_tickets").where({ id: t2!.id }).first()).user_id, alice.userId);

      const withdrawn = await offer(t3!.id, { email: bob.email });
      assert.equal((await call("POST", `/api/v1/transfer-offers/${withdrawn.body.id}/withdraw`, bob)).status, 404); // only the sender
      assert.equal((await call("POST", `/api/v1/transfer-offers/${withdrawn.body.id}/withdraw`, alice)).body.status, "withdrawn");
      const late = await call("POST", `/api/v1/transfer-offers/${withdrawn.body.id}/accept`, bob);
      assert.equal(late.status, 409);
      assert.equal((await w.db("payment_tickets").where({ id: t3!.id }).first()).user_id, alice.userId);

      const locked = await completedOrder(alice, LOCKED, 1);
      const [lt] = await tokens(locked.id);
      assert.equal((await offer(lt!.id, { email: bob.email })).body.code, "transfer_not_allowed");
    });

    it("a holding rewritten in the database (without the server's key) moves nowhere: no claim, no offer, no pass", async () => {
      const { user: fan } = await createFan(w.db);
      const { user: thief, address: thiefWallet } = await createFan(w.db, 7);
      const o = await completedOrder(fan);
      const [t] = await tokens(o.id);
      await eventually(async () => (await w.db("chain_tickets").where({ contract_address: w.ticket, token_id: t!.token_id }).first()) ?? null);
      await w.db("payment_tickets").where({ id: t!.id }).update({ user_id: thief.userId });
      const claim = await call("POST", "/api/v1/me/custodial-tickets/claim", thief, { wallet: thiefWallet });
      assert.equal(claim.status, 409);
      assert.equal(claim.body.code, "holding_unverified");
      assert.equal((await call("POST", `/api/v1/me/custodial-tickets/${t!.id}/offers`, thief, { email: fan.email })).body.code, "holding_unverified");
      assert.equal((await call("POST", "/api/v1/gate/passes", thief, { contract: w.ticket, tokenId: t!.token_id })).status, 404);
      assert.equal(await ownerOf(t!.tokenId), CUSTODY);
      // put back, the holding verifies again
      await w.db("payment_tickets").where({ id: t!.id }).update({ user_id: fan.userId });
      assert.equal((await call("POST", "/api/v1/gate/passes", fan, { contract: w.ticket, tokenId: t!.token_id })).status, 201);
    });

    it("claim to a wallet that is not proven: 422, nothing moves", async () => {
      const { user: fan } = await createFan(w.db);
      const o = await completedOrder(fan);
      const [t] = await tokens(o.id);
      const res = await call("POST", "/api/v1/me/custodial-tickets/claim", fan, { wallet: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 9 }).address });
      assert.equal(res.status, 422);
      assert.equal(res.body.code, "wallet_not_proven");
      assert.equal(await ownerOf(t!.tokenId), CUSTODY);
      assert.equal((await w.db("payment_tickets").where({ id: t!.id }).first()).status, "custody");
    });
  });

  describe("event cancellation (last: it ends the event)", () => {
    it("refunds card buyers through the provider and on-chain buyers on-chain, nobody twice", async () => {
      const { user: card } = await createFan(w.db);
      const o = await completedOrder(card);
      const [t] = await tokens(o.id);
      const buyer = w.wallet(8);
      const buy = await buyer.writeContract({
        address: w.ticket,
        abi: eventTicketAbi,
        functionName: "purchase",
        args: [BigInt(OPEN), 1n, buyer.account!.address],
        value: parseEther("0.01"),
        account: buyer.account!,
        chain: buyer.chain,
      });
      await w.client.waitForTransactionReceipt({ hash: buy });
      // not cancelled yet: the organizer cannot refund the event's card buyers wholesale
      assert.equal((await call("POST", `/api/v1/event-contracts/${w.eventContractId}/card-refunds`, w.organizer)).body.code, "event_not_cancelled");
      await w.client.waitForTransactionReceipt({
        hash: await w.organizerWallet.writeContract({
          address: w.ticket,
          abi: eventTicketAbi,
          functionName: "cancelEvent",
          account: w.organizerWallet.account!,
          chain: w.organizerWallet.chain,
        }),
      });
      const res = await call("POST", `/api/v1/event-contracts/${w.eventContractId}/card-refunds`, w.organizer);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.ok(res.body.refunding >= 1);
      assert.ok(res.body.awaitingReturn >= 1); // the happy path's claimed tickets
      await drain();
      assert.equal((await orderRow(o.id)).status, "refunded");
      assert.equal((await intent(o.payment.providerPaymentId)).status, "refunded");
      await assert.rejects(ownerOf(t!.tokenId), /ERC721NonexistentToken/);
      // the on-chain buyer claims on-chain
      const tier = await w.client.readContract({ address: w.ticket, abi: eventTicketAbi, functionName: "tier", args: [BigInt(OPEN)] });
      const bought = BigInt(OPEN) * 1_000_000n + BigInt(tier.minted);
      await w.client.waitForTransactionReceipt({
        hash: await buyer.writeContract({
          address: w.ticket,
          abi: eventTicketAbi,
          functionName: "claimRefunds",
          args: [[bought], buyer.account!.address],
          account: buyer.account!,
          chain: buyer.chain,
        }),
      });
      // a claimed card ticket refunds nothing on-chain (a comp): its refund is the card's
      const claimed = await w.db("payment_tickets").where({ status: "claimed" }).first();
      const holder = (await ownerOf(BigInt(claimed.token_id))) as Address;
      const index = [5, 6].find((i) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i }).address.toLowerCase() === holder)!;
      const h = w.wallet(index);
      await assert.rejects(
        h.writeContract({
          address: w.ticket,
          abi: eventTicketAbi,
          functionName: "claimRefunds",
          args: [[BigInt(claimed.token_id)], holder],
          account: h.account!,
          chain: h.chain,
        }),
        /EventTicketNothingToRefund/,
      );
      // asked again: nobody is refunded twice
      const again = await call("POST", `/api/v1/event-contracts/${w.eventContractId}/card-refunds`, w.organizer);
      assert.equal(again.body.refunding, 0);
      assert.ok(again.body.alreadyRefunded >= 1);
    });
  });
});
