import assert from "node:assert/strict";
import path from "node:path";
import type { Page } from "playwright-core";
import { createSteward, createWebEvent, type WebEvent } from "./support/event.js";
import { fundedAccount, SCREENSHOTS, startWebWorld, type WebWorld } from "./support/world.js";
import { scanOnce } from "./support/scanner.js";
import { writeQrVideo } from "./support/y4m.js";

/**
 * The pages in headless Chromium against the real stack (one chain, indexer, API and build for
 * the whole file: starting them takes most of a minute here).
 *
 * - a fan signs in with her wallet (SIWE), buys a ticket (a real transaction on the local chain,
 *   sent by the injected wallet), shows the rotating pass, which her wallet keeps signing without
 *   a network; the scanner's camera (Chromium's fake camera showing the pass QR) admits it and
 *   refuses the next pass of the same ticket;
 * - an organizer creates a festival, an edition, a venue, a stage and a slot, and publishes;
 * - a payee of the event's split sees what it owes and claims with the wallet.
 */
async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe("web pages in a real browser", function () {
  this.timeout(240_000);
  let world: WebWorld;
  let event: WebEvent;

  before(async () => {
    world = await startWebWorld();
    event = await createWebEvent(world);
  });
  after(async () => {
    await world?.close();
  });

  async function signInSteward(page: Page, steward: { email: string; password: string }) {
    await page.goto("/scan");
    await page.getByLabel("Email").fill(steward.email);
    await page.getByLabel("Password").fill(steward.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("zone").waitFor();
  }

  it("buys, shows the pass (offline too), is admitted once by the camera and refused the second time", async () => {
    const fan = await fundedAccount(world, "1");
    const { context: fanContext, page } = await world.page({ account: fan });

    // browse and sign in with the wallet
    await page.goto("/");
    await page.getByRole("link", { name: /Festival du Soleil/ }).click();
    await page.getByRole("heading", { name: /Festival du Soleil/ }).waitFor();
    await page.goto("/sign-in");
    await page.getByTestId("wallet-sign-in").click();
    await page.getByRole("heading", { name: "My tickets" }).waitFor();

    // buy with the wallet: a real purchase transaction
    await page.goto(`/editions/${event.editionId}`);
    await page.getByTestId("buy-STANDARD").click();
    await page.getByTestId("buy-status").filter({ hasText: "Bought!" }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, "fan-edition-bought.png") });

    // the ticket appears once the indexer has mirrored the purchase
    await page.goto("/tickets");
    await page.getByTestId("ticket").first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, "fan-my-tickets.png") });
    await page.getByTestId("show-pass").first().click();
    const qr = page.getByTestId("pass-qr");
    await qr.waitFor();
    const first = (await qr.getAttribute("data-payload"))!;
    assert.match(first, /^FP1\./);
    await page.screenshot({ path: path.join(SCREENSHOTS, "fan-pass.png") });
    assert.match((await page.textContent("body")) ?? "", /Signed by your wallet/);

    // without a network, the wallet keeps signing fresh passes
    await fanContext.setOffline(true);

    // the gate: the fake camera shows the first pass
    const steward = await createSteward(world, event);
    const video = path.join(world.tmp, "pass.y4m");
    writeQrVideo(video, first);
    const scannerBrowser = await world.cameraBrowser(video);
    const { page: gate } = await world.page({ browser: scannerBrowser });
    await signInSteward(gate, steward);
    const verdict = gate.getByTestId("verdict");
    assert.equal((await scanOnce(gate, { first: true })).verdict, "admitted", (await verdict.textContent()) ?? "");
    assert.match((await verdict.textContent()) ?? "", /Admit.*Tier: STANDARD/);
    await gate.screenshot({ path: path.join(SCREENSHOTS, "scanner-admitted.png") });

    // the pass rotates offline: a new nonce, signed by the wallet in the page
    await until("the pass to rotate", 30_000, async () => (await qr.getAttribute("data-payload")) !== first);
    const second = (await qr.getAttribute("data-payload"))!;
    assert.notEqual(second, first);
    await page.getByText("Offline: your wallet keeps signing fresh passes.").waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "fan-pass-offline.png") });

    // the same ticket again: refused
    writeQrVideo(video, second);
    assert.equal((await scanOnce(gate)).verdict, "already_admitted", (await verdict.textContent()) ?? "");
    await gate.screenshot({ path: path.join(SCREENSHOTS, "scanner-refused.png") });
  });

  it("the scanner goes offline: checks a pass against the signed snapshot, queues the scan, uploads it when back", async () => {
    // a ticket bought straight on the chain, mirrored before the scanner downloads its snapshot
    const holder = await fundedAccount(world, "1");
    const { createWalletClient, http, parseEventLogs } = await import("viem");
    const { chainDefinition } = await import("../../lib/chain.js");
    const { eventTicketAbi } = await import("../../lib/abis/EventTicket.js");
    const { encodePass, signPass } = await import("../../backend/src/modules/gate/pass.js");
    const wallet = createWalletClient({ account: holder, chain: chainDefinition(world.chainId, world.chain.url), transport: http(world.chain.url) });
    const receipt = await world.client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: event.ticketAddress,
        abi: eventTicketAbi,
        functionName: "purchase",
        args: [1n, 1n, holder.address],
        value: event.price,
      }),
    });
    const tokenId = parseEventLogs({ abi: eventTicketAbi, eventName: "TicketPurchased", logs: receipt.logs })[0]!.args.firstTokenId;
    await until("the mirror to have the ticket", 30_000, async () =>
      Boolean(await world.db("chain_tickets").where({ contract_address: event.ticketAddress.toLowerCase(), token_id: tokenId.toString() }).first()),
    );

    const payload = encodePass(
      await signPass(
        holder,
        { chainId: world.chainId, contract: event.ticketAddress, tokenId, holder: holder.address, validUntil: Math.floor(Date.now() / 1000) + 60, nonce: 7n },
        "holder",
      ),
    );
    const video = path.join(world.tmp, "offline.y4m");
    writeQrVideo(video, payload);
    const steward = await createSteward(world, event);
    const { context, page: gate } = await world.page({ browser: await world.cameraBrowser(video) });
    await signInSteward(gate, steward);
    await gate.getByTestId("snapshot").filter({ hasText: "Offline copy of" }).waitFor({ timeout: 20_000 });

    await context.setOffline(true);
    await gate.getByTestId("network").filter({ hasText: "Offline mode" }).waitFor();
    const verdict = gate.locator("[data-testid=verdict][data-verdict]");
    assert.equal((await scanOnce(gate, { first: true })).verdict, "admitted", (await verdict.textContent()) ?? "");
    assert.match((await verdict.textContent()) ?? "", /Tier: STANDARD.*Offline mode/);
    await gate.getByTestId("queued").filter({ hasText: "1 scans waiting to upload" }).waitFor();
    await gate.screenshot({ path: path.join(SCREENSHOTS, "scanner-offline.png") });
    assert.equal(
      await world.db("gate_check_ins").where({ contract_address: event.ticketAddress.toLowerCase(), token_id: tokenId.toString() }).first(),
      undefined,
    );

    // back online: the queue goes up (nonce-keyed) and the admission becomes the ticket's check-in
    await context.setOffline(false);
    await gate.getByTestId("queued").waitFor({ state: "detached", timeout: 20_000 });
    await until("the offline admission as a check-in", 10_000, async () =>
      Boolean(await world.db("gate_check_ins").where({ contract_address: event.ticketAddress.toLowerCase(), token_id: tokenId.toString() }).first()),
    );
    await context.close();
  });

  it("an organizer creates a festival, an edition, a stage and a slot, and publishes the schedule", async () => {
    const { page } = await world.page({ viewport: { width: 412, height: 1400 } });
    await page.goto("/organizer");
    await page.getByLabel("Email").fill(event.organizer.email);
    await page.getByLabel("Password").fill(event.organizer.password);
    await page.getByRole("button", { name: "Sign in" }).click();

    const festival = page.getByTestId("new-festival");
    await festival.getByLabel("Name", { exact: true }).fill("Nuits de la Loire");
    await festival.getByLabel("Short name").fill(`nuits-${Date.now().toString(36)}`);
    await festival.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Nuits de la Loire" }).waitFor();

    const edition = page.getByTestId("new-edition");
    await edition.getByLabel("Name", { exact: true }).fill("2027");
    await edition.getByLabel("Short name").fill("y2027");
    await edition.getByLabel("Starts").fill("2027-08-06T18:00");
    await edition.getByLabel("Ends").fill("2027-08-08T02:00");
    await edition.getByRole("button", { name: "Create" }).click();
    await page.getByTestId("new-venue").waitFor({ state: "attached" });

    await page.getByText("New venue").click();
    const venue = page.getByTestId("new-venue");
    await venue.getByLabel("Name", { exact: true }).fill("Île de Bréhat");
    await venue.getByLabel("City").fill("Nantes");
    await venue.getByRole("button", { name: "Create" }).click();
    const stage = page.getByTestId("new-stage");
    await stage.getByLabel("Name", { exact: true }).fill("Grande scène");
    await stage.getByRole("button", { name: "New stage" }).click();

    const slot = page.getByTestId("new-slot");
    await slot.waitFor();
    await slot.getByLabel("Title").fill("Clara Luciani");
    await slot.getByLabel("Starts").fill("2027-08-06T21:00");
    await slot.getByLabel("Ends").fill("2027-08-06T22:30");
    await slot.getByRole("button", { name: "New slot" }).click();
    await page.getByTestId("pending").filter({ hasText: "1 added" }).waitFor();

    await page.getByTestId("publish").getByRole("button", { name: "Publish the schedule" }).click();
    const published = page.getByTestId("published");
    await published.waitFor();
    assert.match((await published.textContent()) ?? "", /Version 1 published: 1 added.*\+ Clara Luciani/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "organizer-published.png"), fullPage: true });

    // the fan's view of the published programme, in French
    await published.getByRole("link").click();
    await page.getByTestId("slot").filter({ hasText: "Clara Luciani" }).waitFor();
    await page.getByRole("button", { name: "Français" }).click();
    await page.getByRole("heading", { name: "Programmation" }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "fan-programme-fr.png") });
  });

  it("a payee sees what the split owes and claims it with the wallet", async () => {
    const payee = await fundedAccount(world, "1");
    const paid = await createWebEvent(world, { name: "Festival des Payés", payees: [{ account: payee.address, shareBps: 4000 }] });
    // a sale pays the split
    const buyer = await fundedAccount(world, "1");
    const { createWalletClient, http } = await import("viem");
    const { chainDefinition } = await import("../../lib/chain.js");
    const { eventTicketAbi } = await import("../../lib/abis/EventTicket.js");
    const wallet = createWalletClient({ account: buyer, chain: chainDefinition(world.chainId, world.chain.url), transport: http(world.chain.url) });
    await world.client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: paid.ticketAddress,
        abi: eventTicketAbi,
        functionName: "purchase",
        args: [1n, 1n, buyer.address],
        value: paid.price,
      }),
    });
    // the event ends, its refund window closes, and anyone settles: the ticket's revenue goes to the split (this is the last test: the chain's clock moves on)
    await world.client.request({ method: "evm_increaseTime", params: [40 * 86_400] } as never);
    await world.client.request({ method: "evm_mine", params: [] } as never);
    await world.client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: paid.ticketAddress,
        abi: eventTicketAbi,
        functionName: "settle",
        args: ["0x0000000000000000000000000000000000000000"],
      }),
    });

    const { page } = await world.page({ account: payee });
    await page.goto("/payouts");
    await page.getByTestId("wallet-sign-in").click();
    const payout = page.getByTestId("payout").filter({ hasText: "Festival des Payés" });
    await payout.waitFor();
    // the mirror has the split's balance once the indexer saw the sale's block
    await until("something to claim", 30_000, async () => {
      if (await page.getByTestId("claim").count()) return true;
      await page.reload();
      await payout.waitFor();
      return false;
    });
    assert.match((await payout.textContent()) ?? "", /Share: 40 %/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "payouts-claimable.png") });
    const before = await world.client.getBalance({ address: payee.address });
    await page.getByTestId("claim").click();
    await page.getByTestId("claimed").waitFor({ timeout: 30_000 });
    assert.ok((await world.client.getBalance({ address: payee.address })) > before, "the claim paid the payee's wallet");
    await page
      .getByTestId("released")
      .filter({ hasNotText: /^0 ETH$/ })
      .first()
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, "payouts-claimed.png") });
  });
});
