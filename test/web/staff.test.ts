import assert from "node:assert/strict";
import path from "node:path";
import type { Page } from "playwright-core";
import { newId } from "../../lib/ids.js";
import { hashPassword } from "../../backend/src/modules/auth/passwords.js";
import { expectStatus } from "../support/api-suite.js";
import { createTestOrganization, type TestUser } from "../support/auth.js";
import { buildCompany } from "../backend/backoffice/fixtures.js";
import { buildCashless, fundedBand } from "../backend/cashless/fixtures.js";
import { createSteward, createWebEvent } from "./support/event.js";
import { fundedAccount, SCREENSHOTS, startWebWorld, type WebWorld } from "./support/world.js";

/**
 * The staff side in headless Chromium against the real stack (chain, indexer, API, built pages):
 * - a vendor's owner signs in at the terminal, registers the device, charges a band (approved in
 *   green), then a blocked band (declined in red with the API's reason);
 * - an artist submits an expense with a receipt; an accountant approves it from the queue;
 * - an organizer deploys an event contract from the injected wallet (the real createEvent
 *   transaction) and the link follows;
 * - the organizer's dashboard shows an offline scanner and what the split owes each payee; the
 *   payee claims and finds the claim in the server's history.
 */
async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A 1×1 PNG: a receipt the store accepts. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

describe("staff pages in a real browser", function () {
  this.timeout(240_000);
  let world: WebWorld;

  before(async () => {
    world = await startWebWorld();
  });
  after(async () => {
    await world?.close();
  });

  /** Gives a test user a password, for the pages' email sign-in. */
  async function withPassword(user: TestUser) {
    const password = "a long test passphrase";
    await world.db("user_passwords").insert({ user_id: user.userId, password_hash: await hashPassword(password) });
    const row = await world.db("users").where({ id: user.userId }).first("email");
    return { ...user, email: row.email as string, password };
  }

  async function signIn(page: Page, at: string, user: { email: string; password: string }) {
    await page.goto(at);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  it("a vendor charges a band and sees it approved, then a blocked band declined with the reason", async () => {
    const c = await buildCashless(world.db, world.api);
    const seller = await world.passwordUser({ displayName: "Vera" });
    await expectStatus(world.api, 201, "POST", `/api/v1/vendors/${c.vendorId}/staff`, c.owner, { userId: seller.userId, role: "owner" });
    const band = await fundedBand(world.api, c, 5_000);
    const lost = await fundedBand(world.api, c, 5_000);
    // lost: as the fan's "block this wristband" leaves it
    await world.db("wristbands").where({ id: lost.bandId }).update({ status: "blocked", blocked_reason: "lost", blocked_at: new Date() });

    const { page } = await world.page();
    await signIn(page, "/vendor", seller);
    await page.getByTestId("stand").filter({ hasText: "Frites north" }).click();
    await page.getByTestId("register-terminal").click();
    const charge = page.getByTestId("charge");
    await charge.getByLabel("Amount (EUR)").fill("12.50");
    await charge.getByLabel(/Wristband id/).fill(band.tagId);
    await page.screenshot({ path: path.join(SCREENSHOTS, "vendor-terminal.png") });
    await charge.getByRole("button", { name: "Charge 12.50 EUR" }).click();
    const result = page.getByTestId("charge-result");
    await result.waitFor();
    assert.equal(await result.getAttribute("data-ok"), "true", (await result.textContent()) ?? "");
    assert.match((await result.textContent()) ?? "", /Approved.*12\.50 EUR.*Balance left: 37\.50 EUR/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "vendor-approved.png") });
    const booked = await world.db("wristbands").where({ id: band.bandId }).first();
    assert.ok(booked, "the band exists");

    // the next customer: a blocked band is declined, in words from the API's problem detail
    await page.getByRole("button", { name: "Next customer" }).click();
    await charge.getByLabel("Amount (EUR)").fill("3");
    await charge.getByLabel(/Wristband id/).fill(lost.tagId);
    await charge.getByRole("button", { name: "Charge 3.00 EUR" }).click();
    await result.waitFor();
    assert.equal(await result.getAttribute("data-ok"), "false");
    const reason = (await page.getByTestId("decline-reason").textContent()) ?? "";
    assert.match(reason, /block/i);
    await page.screenshot({ path: path.join(SCREENSHOTS, "vendor-declined.png") });

    // the pickup screen answers for the stand (no order is ready)
    await page.getByRole("button", { name: "Next customer" }).click();
    await page.getByRole("link", { name: "Pickup screen" }).click();
    await page.getByText("Nothing ready right now.").waitFor();
  });

  it("an artist submits an expense with a receipt and a finance user approves it", async () => {
    const company = await buildCompany(world.db, world.api);
    const artist = await withPassword(company.artist);
    const accountant = await withPassword(company.accountant);

    const { page } = await world.page({ viewport: { width: 412, height: 1400 } });
    await signIn(page, "/office", artist);
    const form = page.getByTestId("new-expense");
    await form.waitFor();
    await form.getByLabel("Category").selectOption("travel");
    await form.getByLabel("What for").fill("Train to Nantes");
    await form.getByLabel("Amount", { exact: true }).fill("250");
    await form.getByLabel("Receipt").setInputFiles({ name: "ticket.png", mimeType: "image/png", buffer: PNG });
    await form.getByRole("button", { name: "Submit the expense" }).click();
    const mine = page.getByTestId("my-expense").filter({ hasText: "Train to Nantes" });
    await mine.waitFor();
    assert.match((await mine.getByTestId("expense-status").textContent()) ?? "", /submitted/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "office-expense-submitted.png"), fullPage: true });

    const { page: finance } = await world.page({ viewport: { width: 412, height: 1200 } });
    await signIn(finance, "/office", accountant);
    const queued = finance.getByTestId("queued-expense").filter({ hasText: "Train to Nantes" });
    await queued.waitFor();
    assert.match((await queued.textContent()) ?? "", /250\.00 EUR.*0 of 1 approvals/);
    await finance.screenshot({ path: path.join(SCREENSHOTS, "office-approval-queue.png"), fullPage: true });
    await queued.getByRole("button", { name: "Approve" }).click();
    await queued.waitFor({ state: "detached" });
    const row = await world.db("expenses").where({ description: "Train to Nantes" }).first("status");
    assert.equal(row.status, "approved");

    // the artist sees it approved
    await page.reload();
    await mine.waitFor();
    assert.match((await mine.getByTestId("expense-status").textContent()) ?? "", /approved/);
  });

  it("an organizer deploys an event contract from the browser wallet", async () => {
    const account = await fundedAccount(world, "1");
    const organizer = await world.passwordUser({ roles: ["organizer"], organizerVerified: true, displayName: "Wanda" });
    const address = account.address.toLowerCase();
    await world.db("wallets").insert({ id: newId(), user_id: organizer.userId, network: "evm", address, is_primary: true, verified_at: new Date() });
    const { organizationId } = await createTestOrganization(world.db, [[organizer, "owner"]], "Wallet Events");
    const festival = await expectStatus(world.api, 201, "POST", `/api/v1/organizations/${organizationId}/festivals`, organizer, {
      name: "Festival du Portefeuille",
      slug: `wallet-${Date.now().toString(36)}`,
    });

    const { page } = await world.page({ account, viewport: { width: 412, height: 1400 } });
    await page.goto(`/organizer/festivals/${festival.id}`);
    await page.getByTestId("wallet-sign-in").click();
    await page.getByText("Link a new event contract").click();
    const form = page.locator("details.card").filter({ hasText: "Link a new event contract" }).locator("form");
    await form.getByLabel("Name", { exact: true }).fill("Portefeuille 2027");
    await form.getByLabel("Symbol").fill("PTF27");
    await form.getByLabel("Deploy from my wallet").check();
    await form.getByRole("button", { name: "Create" }).click();
    await until("the event contract to be linked", 60_000, async () => {
      const row = await world.db("event_contracts").where({ festival_id: festival.id }).first("status");
      return row?.status === "linked";
    });
    const row = await world.db("event_contracts").where({ festival_id: festival.id }).first();
    assert.equal(row.organizer_address, address);
    const tx = await world.client.getTransaction({ hash: row.deploy_tx_hash });
    assert.equal(tx.from.toLowerCase(), address, "the organizer's own wallet sent createEvent");
    await page.reload();
    await page.getByText("Status: linked").waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, "organizer-wallet-deployed.png"), fullPage: true });
  });

  it("the dashboard shows an offline scanner and per-payee revenue; the payee's claim is in the server's history", async () => {
    const payee = await fundedAccount(world, "1");
    const event = await createWebEvent(world, { name: "Festival des Tableaux", payees: [{ account: payee.address, shareBps: 4000 }] });
    // a scanner device reports it works from its snapshot with scans queued
    const steward = await createSteward(world, event);
    const report = await world.api.request("PUT", `/api/v1/gate/event-contracts/${event.eventContractId}/devices/gate-north-1`, {
      headers: steward.headers,
      body: { mode: "offline", queuedScans: 3, zoneId: event.gateZoneId, snapshotIssuedAt: new Date().toISOString() },
    });
    assert.equal(report.status, 200, JSON.stringify(report.body));

    // a sale, then the event ends and settles: the split receives the revenue (this test is last: the chain's clock moves on)
    const buyer = await fundedAccount(world, "1");
    const { createWalletClient, http } = await import("viem");
    const { chainDefinition } = await import("../../lib/chain.js");
    const { eventTicketAbi } = await import("../../lib/abis/EventTicket.js");
    const wallet = createWalletClient({ account: buyer, chain: chainDefinition(world.chainId, world.chain.url), transport: http(world.chain.url) });
    await world.client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: event.ticketAddress,
        abi: eventTicketAbi,
        functionName: "purchase",
        args: [1n, 1n, buyer.address],
        value: event.price,
      }),
    });
    await world.client.request({ method: "evm_increaseTime", params: [40 * 86_400] } as never);
    await world.client.request({ method: "evm_mine", params: [] } as never);
    await world.client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: event.ticketAddress,
        abi: eventTicketAbi,
        functionName: "settle",
        args: ["0x0000000000000000000000000000000000000000"],
      }),
    });
    await until("the split's balances in the mirror", 30_000, async () =>
      Boolean(
        await world
          .db("chain_split_balances")
          .where({ split_address: event.splitAddress.toLowerCase(), account: payee.address.toLowerCase() })
          .where("entitled", ">", 0)
          .first(),
      ),
    );

    const { page } = await world.page({ viewport: { width: 412, height: 2200 } });
    await signIn(page, `/organizer/festivals/${event.festivalId}`, event.organizer);
    const offline = page.getByTestId("offline-scanner");
    await offline.waitFor({ timeout: 20_000 });
    assert.match((await offline.textContent()) ?? "", /gate-north-1.*Main gate.*Offline mode.*3/);
    assert.match((await page.getByTestId("offline-scanners").textContent()) ?? "", /1 of 1 scanner devices offline/);
    const row = page.getByTestId("payee").filter({ hasText: "Share: 40 %" });
    await row.waitFor();
    // 40 % of 0.05 ETH, none claimed yet
    assert.match((await row.textContent()) ?? "", /0\.02 ETH.*0 ETH.*0\.02 ETH/);
    await page.getByTestId("payees").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, "organizer-dashboard-staff.png"), fullPage: true });

    // the payee claims; the history comes from the mirror, not from this browser
    const { page: payout } = await world.page({ account: payee });
    await payout.goto("/payouts");
    await payout.getByTestId("wallet-sign-in").click();
    await payout.getByText("No claim yet.").waitFor();
    await payout.getByTestId("claim").click();
    await payout.getByTestId("claimed").waitFor({ timeout: 30_000 });
    await until("the claim in the history", 30_000, async () => {
      if (await payout.getByTestId("claim-entry").count()) return true;
      await payout.reload();
      await payout.getByTestId("payout").first().waitFor();
      return false;
    });
    assert.match((await payout.getByTestId("claim-entry").first().textContent()) ?? "", /Festival des Tableaux 2027.*0\.02 ETH/);
    await payout.screenshot({ path: path.join(SCREENSHOTS, "payouts-history.png") });
  });
});
