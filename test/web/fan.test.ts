import assert from "node:assert/strict";
import path from "node:path";
import { Logger, runOnce } from "graphile-worker";
import { createWalletClient, http, type Address } from "viem";
import type { Page } from "playwright-core";
import { eventTicketAbi } from "../../lib/abis/EventTicket.js";
import { chainDefinition } from "../../lib/chain.js";
import { custodyAccount } from "../../lib/chain-accounts.js";
import { paymentTasks, pumpWebhookEvents } from "../../backend/src/modules/payments/jobs.js";
import type { Payments } from "../../backend/src/modules/payments/setup.js";
import { TEST_CARDS } from "../../backend/src/modules/payments/test-provider.js";
import { createWebEvent, type WebEvent } from "./support/event.js";
import { fundedAccount, SCREENSHOTS, startWebWorld, type WebWorld } from "./support/world.js";

/**
 * The fan's pages beyond the wallet purchase, in headless Chromium against the real stack:
 * a fan buys by card on the test provider's hosted page and sees the ticket the custody holds
 * for her; she offers it by email to a second fan, who accepts it, claims it into his browser
 * wallet (proving the wallet with SIWE first) and finds the resale cap enforced in the form; a
 * declined card says so in words on the order page; a fan joins a sold-out event's waitlist.
 */
describe("fan pages in a real browser: card purchase, custody, transfer offers, claim, waitlist", function () {
  this.timeout(300_000);
  let world: WebWorld;
  let event: WebEvent;
  let stopJobs: () => Promise<void>;
  const CARD_PRICE = 4500;

  before(async () => {
    world = await startWebWorld();
    event = await createWebEvent(world);
    // the card sale's custody mints, so the event's admin grants it MINTER_ROLE (as an organizer does before selling by card)
    const custody = custodyAccount(world.config, world.chainId)!.address;
    const admin = (await world.client.readContract({ address: event.ticketAddress, abi: eventTicketAbi, functionName: "defaultAdmin" })) as Address;
    await world.client.request({ method: "hardhat_impersonateAccount", params: [admin] } as never);
    await world.fund(admin, "1");
    const asAdmin = createWalletClient({ account: admin, chain: chainDefinition(world.chainId, world.chain.url), transport: http(world.chain.url) });
    const minter = await world.client.readContract({ address: event.ticketAddress, abi: eventTicketAbi, functionName: "MINTER_ROLE" });
    await world.client.waitForTransactionReceipt({
      hash: await asAdmin.writeContract({ address: event.ticketAddress, abi: eventTicketAbi, functionName: "grantRole", args: [minter, custody] }),
    });
    const price = await world.api.request("PUT", `/api/v1/event-contracts/${event.eventContractId}/tiers/1/card-price`, {
      headers: event.organizer.headers,
      body: { amount: CARD_PRICE, currency: "EUR" },
    });
    assert.equal(price.status, 200, JSON.stringify(price.body));

    // the payment jobs (webhook pump, mint, capture) on the real queue, as the API process's worker runs them
    const payments = world.api.app.locals.payments as Payments;
    const quiet = new Logger(() => () => {});
    let running = true;
    const loop = (async () => {
      while (running) {
        await pumpWebhookEvents(world.db).catch(() => {});
        await runOnce({ connectionString: world.dbUrl, logger: quiet, taskList: paymentTasks(world.db, payments.payments.machine!, payments.payments) }).catch(
          () => {},
        );
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    stopJobs = async () => {
      running = false;
      await loop;
    };
  });
  after(async () => {
    await stopJobs?.();
    await world?.close();
  });

  async function signInByEmail(page: Page, user: { email: string; password: string }) {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByTestId("email-sign-in").getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "My tickets" }).waitFor();
  }

  /** From the tier view to the hosted checkout, pays with `card`, and back to the order page. */
  async function buyByCard(page: Page, card: string) {
    await page.goto(`/editions/${event.editionId}`);
    await page.getByText("By card: €45.00").first().waitFor();
    await page.getByTestId("card-buy-STANDARD").click();
    await page.getByRole("heading", { name: "Test checkout: 45.00 EUR" }).waitFor();
    await page.getByLabel("Card number").fill(card);
    await page.getByRole("button", { name: "Pay 45.00 EUR" }).click();
    await page.getByRole("link", { name: "Back to the shop" }).click();
    await page.getByTestId("order").waitFor();
  }

  it("buys by card, offers the custodial ticket to a second fan who accepts and claims it into his wallet", async () => {
    const alice = await world.passwordUser({ displayName: "Alice" });
    const { page } = await world.page();
    await signInByEmail(page, alice);

    await buyByCard(page, TEST_CARDS.success);
    // minted to the custody (the capture follows): the page stops asking there
    const done = page.locator("[data-testid=order][data-status=minted], [data-testid=order][data-status=completed]");
    await done.waitFor({ timeout: 120_000 }).catch(async (error) => {
      throw new Error(`${(error as Error).message}; the page says: ${await page.getByTestId("order").textContent()}`);
    });
    assert.match((await page.getByTestId("order").textContent()) ?? "", /€45\.00.*[Yy]our ticket is ready/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "fan-card-order.png") });

    await page.getByRole("link", { name: "My tickets" }).last().click();
    const held = page.getByTestId("custodial-ticket");
    await held.first().waitFor();
    assert.match((await held.first().textContent()) ?? "", /Held for you/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "fan-custodial-ticket.png"), fullPage: true });

    // the offer, by email
    const bob = await world.passwordUser({ displayName: "Bob" });
    await held.first().getByText("Offer to someone").click();
    const offer = held.first().getByTestId("offer");
    await offer.getByLabel("Their email").fill(bob.email);
    await offer.getByRole("button", { name: "Send the offer" }).click();
    await page.getByTestId("offer-made").filter({ hasText: bob.email }).waitFor();

    // Bob accepts it and claims it into his browser wallet
    const bobWallet = await fundedAccount(world, "1");
    const { page: bobPage } = await world.page({ account: bobWallet });
    await signInByEmail(bobPage, bob);
    const received = bobPage.getByTestId("offer-received");
    await received.waitFor();
    assert.match((await received.textContent()) ?? "", /A ticket is offered to you.*A gift/);
    await bobPage.screenshot({ path: path.join(SCREENSHOTS, "fan-offer-received.png"), fullPage: true });
    await received.getByTestId("accept").click();
    await bobPage.locator("[data-testid=offer-received][data-status=accepted]").waitFor();
    const bobHeld = bobPage.getByTestId("custodial-ticket");
    await bobHeld.first().waitFor();
    const custodial = await world.db("payment_tickets").where({ user_id: bob.userId }).first();
    assert.ok(custodial, "the ticket is Bob's now");

    await bobHeld.first().getByTestId("claim").click(); // links the wallet (SIWE) first, then claims
    await bobPage.getByText("No tickets held for you.").waitFor({ timeout: 60_000 });
    const owner = await world.client.readContract({
      address: event.ticketAddress,
      abi: eventTicketAbi,
      functionName: "ownerOf",
      args: [BigInt(custodial.token_id)],
    });
    assert.equal(owner.toLowerCase(), bobWallet.address.toLowerCase(), "on-chain, the ticket is in Bob's wallet");
    assert.ok(await world.db("wallets").where({ user_id: bob.userId, address: bobWallet.address.toLowerCase() }).first(), "the wallet was proven and linked");

    // once mirrored it is a wallet ticket; a card-bought ticket's face value is 0, so the contract's cap is 0 and the form refuses more
    const ticket = bobPage.getByTestId("ticket");
    await ticket.first().waitFor({ timeout: 30_000 });
    await ticket.first().getByText("Transfer or resell").click();
    await ticket.first().getByTestId("resale-cap").filter({ hasText: "at most 0 ETH" }).waitFor();
    await ticket.first().getByLabel("Price (ETH)").fill("0.01");
    await ticket.first().getByRole("button", { name: "List for resale" }).click();
    await ticket.first().getByText("This price is above the event's resale cap.").waitFor();
    await bobPage.screenshot({ path: path.join(SCREENSHOTS, "fan-claimed-resale-cap.png"), fullPage: true });
  });

  it("a declined card shows the failure in words on the order page", async () => {
    const carol = await world.passwordUser({ displayName: "Carol" });
    const { page } = await world.page();
    await signInByEmail(page, carol);
    await buyByCard(page, TEST_CARDS.decline);
    const failed = page.getByTestId("order-failed");
    await failed.waitFor({ timeout: 30_000 });
    assert.match((await failed.textContent()) ?? "", /The payment did not go through.*Your card was declined\./);
    await page.getByRole("link", { name: "Try another card" }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "fan-card-declined.png") });
  });

  it("joins a sold-out event's waitlist, confirms with the mailed code and sees the place in the queue", async () => {
    // the festival's event this contract sells, sold out
    const res = await world.api.request("POST", `/api/v1/festivals/${event.festivalId}/events`, {
      headers: event.organizer.headers,
      body: { name: "Soirée d'ouverture", slug: `ouverture-${Date.now()}`, status: "published", soldOut: true },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await world.db("event_contracts").where({ id: event.eventContractId }).update({ event_id: res.body.id });

    const dan = await world.passwordUser({ displayName: "Dan" });
    const { page } = await world.page();
    await signInByEmail(page, dan);
    await page.goto(`/editions/${event.editionId}`);
    await page.getByText("Sold out? Join the waitlist").click();
    const join = page.getByTestId("waitlist-join");
    await join.getByLabel("Email").fill(dan.email);
    await join.getByRole("button", { name: "Join the waitlist" }).click();
    await page.getByTestId("waitlist-joined").waitFor();

    await page.getByRole("link", { name: "Waitlists" }).first().click();
    await page.locator("[data-testid=waitlist-entry][data-status=pending]").waitFor();
    const mail = await world.db("outbound_emails").where({ to_address: dan.email, template: "waitlist_confirmation" }).first();
    await page.getByTestId("waitlist-confirm").getByLabel("Code").fill(mail.data.token);
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.locator("[data-testid=waitlist-entry][data-status=confirmed]").waitFor();
    assert.match((await page.getByTestId("waitlist-position").textContent()) ?? "", /Your place: 1/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "fan-waitlist.png") });
  });
});
