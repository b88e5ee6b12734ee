import assert from "node:assert/strict";
import { network } from "hardhat";
import { encodeFunctionData, getAddress, maxUint256, parseEther, zeroAddress, zeroHash } from "viem";
import { CREW, CREW_PRICE, DAY, FOT, makeEventFixture, NRT, STANDARD, STANDARD_PRICE, TOKEN_PRICE, tokenId, USDC, VIP, VIP_PRICE } from "./fixtures.js";

const { viem, networkHelpers } = await network.create();
const eventFixture = makeEventFixture(viem, networkHelpers);
const load = () => networkHelpers.loadFixture(eventFixture);

/** The fixture plus a few tickets bought: alice STANDARD #1-#2, bob STANDARD #3, carol VIP #1 (USDC). */
async function withSalesFixture() {
  const f = await eventFixture();
  await f.ticket.write.purchase([STANDARD, 2n, f.alice.account.address], { account: f.alice.account, value: 2n * STANDARD_PRICE });
  await f.ticket.write.purchase([STANDARD, 1n, f.bob.account.address], { account: f.bob.account, value: STANDARD_PRICE });
  await f.usdc.write.approve([f.ticket.address, maxUint256], { account: f.carol.account });
  await f.ticket.write.purchase([VIP, 1n, f.carol.account.address], { account: f.carol.account });
  return f;
}
const withSales = () => networkHelpers.loadFixture(withSalesFixture);

describe("EventTicket", () => {
  describe("purchase", () => {
    it("sells ETH tickets: exact price, consecutive ids in the tier's range, event with everything", async () => {
      const { ticket, alice, bob } = await load();
      const hash = ticket.write.purchase([STANDARD, 3n, bob.account.address], { account: alice.account, value: 3n * STANDARD_PRICE });
      await viem.assertions.emitWithArgs(hash, ticket, "TicketPurchased", [
        getAddress(alice.account.address),
        getAddress(bob.account.address),
        STANDARD,
        tokenId(STANDARD, 1n),
        3n,
        STANDARD_PRICE,
        zeroAddress,
      ]);
      for (const serial of [1n, 2n, 3n]) {
        assert.equal(getAddress(await ticket.read.ownerOf([tokenId(STANDARD, serial)])), getAddress(bob.account.address));
      }
      assert.equal(await ticket.read.balanceOf([bob.account.address]), 3n);
      assert.equal(await ticket.read.purchasedBy([STANDARD, alice.account.address]), 3n); // the buyer's count
      assert.equal(await ticket.read.purchasedBy([STANDARD, bob.account.address]), 0n);
      const t = await ticket.read.tier([STANDARD]);
      assert.equal(t.minted, 3);
      assert.equal(t.priceLocked, true);
      assert.equal(await ticket.read.tierOf([tokenId(STANDARD, 3n)]), STANDARD);
      // the next sale continues the range
      await viem.assertions.emitWithArgs(
        ticket.write.purchase([STANDARD, 1n, alice.account.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "Transfer",
        [zeroAddress, getAddress(alice.account.address), tokenId(STANDARD, 4n)],
      );
    });

    it("keeps the revenue in the event", async () => {
      const { ticket, alice } = await load();
      await viem.assertions.balancesHaveChanged(
        ticket.write.purchase([STANDARD, 2n, alice.account.address], { account: alice.account, value: 2n * STANDARD_PRICE }),
        [
          { address: ticket.address, amount: 2n * STANDARD_PRICE },
          { address: alice.account.address, amount: -2n * STANDARD_PRICE },
        ],
      );
    });

    it("sells ERC-20 tickets, pulling exactly the price", async () => {
      const { ticket, usdc, carol } = await load();
      await usdc.write.approve([ticket.address, maxUint256], { account: carol.account });
      await ticket.write.purchase([VIP, 2n, carol.account.address], { account: carol.account });
      assert.equal(await usdc.read.balanceOf([ticket.address]), 2n * VIP_PRICE);
      assert.equal(await usdc.read.balanceOf([carol.account.address]), 1_000n * USDC - 2n * VIP_PRICE);
      assert.equal(await ticket.read.balanceOf([carol.account.address]), 2n);
    });

    it("accepts an ERC-20 without return values (SafeERC20)", async () => {
      const { ticket, nrt, alice } = await load();
      await nrt.write.approve([ticket.address, maxUint256], { account: alice.account });
      await ticket.write.purchase([NRT, 2n, alice.account.address], { account: alice.account });
      assert.equal(await nrt.read.balanceOf([ticket.address]), 2n * TOKEN_PRICE);
      assert.equal(getAddress(await ticket.read.ownerOf([tokenId(NRT, 2n)])), getAddress(alice.account.address));
    });

    it("refuses a fee-on-transfer token that delivers less than the price", async () => {
      const { ticket, fot, alice } = await load();
      await fot.write.approve([ticket.address, maxUint256], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([FOT, 1n, alice.account.address], { account: alice.account }),
        ticket,
        "EventTicketTransferAmountMismatch",
        [getAddress(fot.address), TOKEN_PRICE, TOKEN_PRICE - TOKEN_PRICE / 100n],
      );
    });

    it("enforces the exact payment", async () => {
      const { ticket, alice, usdc } = await load();
      for (const value of [STANDARD_PRICE - 1n, STANDARD_PRICE + 1n, 0n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          ticket.write.purchase([STANDARD, 1n, alice.account.address], { account: alice.account, value }),
          ticket,
          "EventTicketIncorrectPayment",
          [STANDARD_PRICE, value],
        );
      }
      await usdc.write.approve([ticket.address, maxUint256], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([VIP, 1n, alice.account.address], { account: alice.account, value: 1n }),
        ticket,
        "EventTicketIncorrectPayment",
        [0n, 1n],
      );
    });

    it("enforces supply, the per-buyer limit and the quantity", async () => {
      const { ticket, alice, bob, organizer, tiers } = await load();
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([STANDARD, 0n, alice.account.address], { account: alice.account }),
        ticket,
        "EventTicketInvalidQuantity",
        [0n],
      );
      await ticket.write.purchase([STANDARD, 4n, alice.account.address], { account: alice.account, value: 4n * STANDARD_PRICE });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([STANDARD, 2n, bob.account.address], { account: alice.account, value: 2n * STANDARD_PRICE }),
        ticket,
        "EventTicketBuyerLimitExceeded",
        [STANDARD, getAddress(alice.account.address), 5n],
      );
      // the limit counts what a wallet bought, not what it holds
      await ticket.write.purchase([STANDARD, 1n, alice.account.address], { account: alice.account, value: STANDARD_PRICE });
      await ticket.write.transferFrom([alice.account.address, bob.account.address, tokenId(STANDARD, 1n)], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([STANDARD, 1n, alice.account.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketBuyerLimitExceeded",
        [STANDARD, getAddress(alice.account.address), 5n],
      );
      // CREW: supply 10, no per-buyer limit
      await ticket.write.purchase([CREW, 8n, bob.account.address], { account: bob.account, value: 8n * CREW_PRICE });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([CREW, 3n, bob.account.address], { account: bob.account, value: 3n * CREW_PRICE }),
        ticket,
        "EventTicketSoldOut",
        [CREW, 2n],
      );
      await ticket.write.purchase([CREW, 2n, bob.account.address], { account: bob.account, value: 2n * CREW_PRICE });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([CREW, 1n, bob.account.address], { account: bob.account, value: CREW_PRICE }),
        ticket,
        "EventTicketSoldOut",
        [CREW, 0n],
      );
      void organizer;
      void tiers;
    });

    it("enforces the sale window", async () => {
      const { ticket, alice, organizer, tiers, startsAt } = await load();
      const later = { ...tiers[0]!, saleStart: Number(startsAt) - 100, saleEnd: Number(startsAt) };
      await ticket.write.updateTier([STANDARD, later], { account: organizer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([STANDARD, 1n, alice.account.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketSaleNotActive",
        [STANDARD, BigInt(later.saleStart), BigInt(later.saleEnd)],
      );
      await networkHelpers.time.increaseTo(later.saleStart);
      await ticket.write.purchase([STANDARD, 1n, alice.account.address], { account: alice.account, value: STANDARD_PRICE });
      await networkHelpers.time.increaseTo(later.saleEnd);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([STANDARD, 1n, alice.account.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketSaleNotActive",
        [STANDARD, BigInt(later.saleStart), BigInt(later.saleEnd)],
      );
    });

    it("refuses unknown tiers, the zero address, contracts that cannot receive, a paused or cancelled event", async () => {
      const { ticket, alice, organizer } = await load();
      for (const id of [0n, 6n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          ticket.write.purchase([id, 1n, alice.account.address], { account: alice.account, value: STANDARD_PRICE }),
          ticket,
          "EventTicketUnknownTier",
          [id],
        );
      }
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([STANDARD, 1n, zeroAddress], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "ERC721InvalidReceiver",
        [zeroAddress],
      );
      const rejecting = await viem.deployContract("RejectingReceiver");
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([STANDARD, 1n, rejecting.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "ERC721InvalidReceiver",
        [getAddress(rejecting.address)],
      );
      await ticket.write.pause({ account: organizer.account });
      await viem.assertions.revertWithCustomError(
        ticket.write.purchase([STANDARD, 1n, alice.account.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "EnforcedPause",
      );
      await ticket.write.unpause({ account: organizer.account });
      await ticket.write.cancelEvent({ account: organizer.account });
      await viem.assertions.revertWithCustomError(
        ticket.write.purchase([STANDARD, 1n, alice.account.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketEventIsCancelled",
      );
    });

    it("blocks a receiver that re-enters purchase from onERC721Received", async () => {
      const { ticket } = await load();
      const attacker = await viem.deployContract("ReentrantAttacker");
      const reenter = encodeFunctionData({ abi: ticket.abi, functionName: "purchase", args: [STANDARD, 1n, attacker.address] });
      await attacker.write.arm([ticket.address, reenter, STANDARD_PRICE, false]);
      const buy = encodeFunctionData({ abi: ticket.abi, functionName: "purchase", args: [STANDARD, 1n, attacker.address] });
      await viem.assertions.revertWithCustomError(
        attacker.write.execute([ticket.address, buy, STANDARD_PRICE], { value: 2n * STANDARD_PRICE }),
        ticket,
        "ReentrancyGuardReentrantCall",
      );
      // a receiver that swallows the failed re-entry gets exactly one ticket
      await attacker.write.arm([ticket.address, reenter, STANDARD_PRICE, true]);
      await attacker.write.execute([ticket.address, buy, STANDARD_PRICE], { value: 2n * STANDARD_PRICE });
      assert.equal(await ticket.read.balanceOf([attacker.address]), 1n);
      assert.equal(await attacker.read.attempts(), 1n);
    });
  });

  describe("grantComps", () => {
    it("lets a minter grant comps from the tier's supply, marked as comps", async () => {
      const { ticket, minter, alice, bob } = await load();
      const hash = ticket.write.grantComps([CREW, [alice.account.address, bob.account.address]], { account: minter.account });
      await viem.assertions.emitWithArgs(hash, ticket, "CompsGranted", [
        CREW,
        getAddress(minter.account.address),
        tokenId(CREW, 1n),
        [getAddress(alice.account.address), getAddress(bob.account.address)],
      ]);
      assert.equal(getAddress(await ticket.read.ownerOf([tokenId(CREW, 2n)])), getAddress(bob.account.address));
      assert.equal(await ticket.read.isComp([tokenId(CREW, 1n)]), true);
      assert.equal(await ticket.read.isComp([tokenId(CREW, 3n)]), false);
      assert.equal((await ticket.read.tier([CREW])).minted, 2);
      assert.equal((await ticket.read.tier([CREW])).priceLocked, false); // comps are not sales
      assert.equal(await ticket.read.purchasedBy([CREW, alice.account.address]), 0n);
      assert.deepEqual(await ticket.read.refundAmount([tokenId(CREW, 1n)]), [0n, zeroAddress]);
    });

    it("refuses non-minters, empty lists, more than the supply, unknown tiers, paused and cancelled events", async () => {
      const { ticket, minter, alice, organizer, stranger } = await load();
      const MINTER_ROLE = await ticket.read.MINTER_ROLE();
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.grantComps([CREW, [alice.account.address]], { account: stranger.account }),
        ticket,
        "AccessControlUnauthorizedAccount",
        [getAddress(stranger.account.address), MINTER_ROLE],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.grantComps([CREW, []], { account: minter.account }),
        ticket,
        "EventTicketInvalidQuantity",
        [0n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.grantComps([CREW, Array(11).fill(alice.account.address)], { account: minter.account }),
        ticket,
        "EventTicketSoldOut",
        [CREW, 10n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.grantComps([9n, [alice.account.address]], { account: minter.account }),
        ticket,
        "EventTicketUnknownTier",
        [9n],
      );
      await ticket.write.pause({ account: organizer.account });
      await viem.assertions.revertWithCustomError(
        ticket.write.grantComps([CREW, [alice.account.address]], { account: minter.account }),
        ticket,
        "EnforcedPause",
      );
      await ticket.write.unpause({ account: organizer.account });
      await ticket.write.cancelEvent({ account: organizer.account });
      await viem.assertions.revertWithCustomError(
        ticket.write.grantComps([CREW, [alice.account.address]], { account: minter.account }),
        ticket,
        "EventTicketEventIsCancelled",
      );
    });
  });

  describe("voidComp", () => {
    it("lets the holder burn a comp (a card-paid ticket refunded off-chain): gone for the gate, resale and refunds", async () => {
      const { ticket, minter, organizer } = await load();
      await ticket.write.grantComps([STANDARD, [minter.account.address, minter.account.address]], { account: minter.account });
      const id = tokenId(STANDARD, 1n);
      const hash = ticket.write.voidComp([id], { account: minter.account });
      await viem.assertions.emitWithArgs(hash, ticket, "CompVoided", [id, getAddress(minter.account.address)]);
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.read.ownerOf([id]), ticket, "ERC721NonexistentToken", [id]);
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.listForResale([id, 0n], { account: minter.account }), ticket, "ERC721NonexistentToken", [
        id,
      ]);
      // voided twice: the token is gone
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.voidComp([id], { account: minter.account }), ticket, "ERC721NonexistentToken", [id]);
      // the supply is not given back (the serial is burned); a cancelled event refunds nothing for the other comp either
      assert.equal((await ticket.read.tier([STANDARD])).minted, 2);
      await ticket.write.cancelEvent({ account: organizer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.claimRefunds([[tokenId(STANDARD, 2n)], minter.account.address], { account: minter.account }),
        ticket,
        "EventTicketNothingToRefund",
        [tokenId(STANDARD, 2n)],
      );
      // works after cancellation too (the card refund comes later)
      await ticket.write.voidComp([tokenId(STANDARD, 2n)], { account: minter.account });
    });

    it("refuses anyone but the holder, and sold tickets (their refund is owed on-chain)", async () => {
      const { ticket, minter, alice, stranger } = await withSales();
      await ticket.write.grantComps([STANDARD, [alice.account.address]], { account: minter.account });
      const comp = tokenId(STANDARD, 4n);
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.voidComp([comp], { account: stranger.account }), ticket, "ERC721IncorrectOwner", [
        getAddress(stranger.account.address),
        comp,
        getAddress(alice.account.address),
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.voidComp([comp], { account: minter.account }), ticket, "ERC721IncorrectOwner", [
        getAddress(minter.account.address),
        comp,
        getAddress(alice.account.address),
      ]);
      const sold = tokenId(STANDARD, 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.voidComp([sold], { account: alice.account }), ticket, "EventTicketNotComp", [sold]);
      await ticket.write.voidComp([comp], { account: alice.account });
    });
  });

  describe("checkIn", () => {
    it("marks a batch checked in, one event per ticket; works while paused", async () => {
      const { ticket, scanner, organizer } = await withSales();
      await ticket.write.pause({ account: organizer.account });
      const ids = [tokenId(STANDARD, 1n), tokenId(STANDARD, 3n), tokenId(VIP, 1n)];
      const hash = ticket.write.checkIn([ids], { account: scanner.account });
      await viem.assertions.emitWithArgs(hash, ticket, "CheckedIn", [tokenId(VIP, 1n), getAddress(scanner.account.address)]);
      for (const id of ids) assert.equal(await ticket.read.isCheckedIn([id]), true);
      assert.equal(await ticket.read.isCheckedIn([tokenId(STANDARD, 2n)]), false);
    });

    it("refuses non-scanners, tickets already checked in and tickets that do not exist", async () => {
      const { ticket, scanner, stranger } = await withSales();
      const SCANNER_ROLE = await ticket.read.SCANNER_ROLE();
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.checkIn([[tokenId(STANDARD, 1n)]], { account: stranger.account }),
        ticket,
        "AccessControlUnauthorizedAccount",
        [getAddress(stranger.account.address), SCANNER_ROLE],
      );
      await ticket.write.checkIn([[tokenId(STANDARD, 1n)]], { account: scanner.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.checkIn([[tokenId(STANDARD, 2n), tokenId(STANDARD, 1n)]], { account: scanner.account }),
        ticket,
        "EventTicketAlreadyCheckedIn",
        [tokenId(STANDARD, 1n)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.checkIn([[tokenId(STANDARD, 2n), tokenId(STANDARD, 2n)]], { account: scanner.account }),
        ticket,
        "EventTicketAlreadyCheckedIn",
        [tokenId(STANDARD, 2n)],
      );
      for (const id of [tokenId(STANDARD, 0n), tokenId(STANDARD, 4n), tokenId(9n, 1n), 5n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.checkIn([[id]], { account: scanner.account }), ticket, "ERC721NonexistentToken", [id]);
      }
    });

    it("stops when the event has ended or is cancelled", async () => {
      const { ticket, scanner, organizer, endsAt } = await withSales();
      await ticket.write.cancelEvent({ account: organizer.account });
      await viem.assertions.revertWithCustomError(
        ticket.write.checkIn([[tokenId(STANDARD, 1n)]], { account: scanner.account }),
        ticket,
        "EventTicketEventIsCancelled",
      );
      const f = await withSales();
      await networkHelpers.time.increaseTo(endsAt);
      await viem.assertions.revertWithCustomError(
        f.ticket.write.checkIn([[tokenId(STANDARD, 1n)]], { account: f.scanner.account }),
        f.ticket,
        "EventTicketEventEnded",
      );
    });

    it("locks a checked-in ticket with its holder until the event ends", async () => {
      const { ticket, scanner, alice, bob, endsAt } = await withSales();
      const id = tokenId(STANDARD, 1n);
      await ticket.write.checkIn([[id]], { account: scanner.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.transferFrom([alice.account.address, bob.account.address, id], { account: alice.account }),
        ticket,
        "EventTicketCheckedInLocked",
        [id],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.safeTransferFrom([alice.account.address, bob.account.address, id], { account: alice.account }),
        ticket,
        "EventTicketCheckedInLocked",
        [id],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.listForResale([id, STANDARD_PRICE], { account: alice.account }),
        ticket,
        "EventTicketCheckedInLocked",
        [id],
      );
      // the other ticket of the same holder moves freely
      await ticket.write.transferFrom([alice.account.address, bob.account.address, tokenId(STANDARD, 2n)], { account: alice.account });
      await networkHelpers.time.increaseTo(endsAt);
      await ticket.write.transferFrom([alice.account.address, bob.account.address, id], { account: alice.account });
      assert.equal(getAddress(await ticket.read.ownerOf([id])), getAddress(bob.account.address));
    });
  });

  describe("transfer policy", () => {
    it("Free: transferable tiers move, non-transferable tiers do not", async () => {
      const { ticket, alice, bob } = await withSales();
      await ticket.write.transferFrom([alice.account.address, bob.account.address, tokenId(STANDARD, 1n)], { account: alice.account });
      await ticket.write.purchase([CREW, 1n, alice.account.address], { account: alice.account, value: CREW_PRICE });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.transferFrom([alice.account.address, bob.account.address, tokenId(CREW, 1n)], { account: alice.account }),
        ticket,
        "EventTicketTransferNotAllowed",
        [tokenId(CREW, 1n), 0],
      );
    });

    it("ResaleOnly and Soulbound block ERC-721 transfers; pause blocks them too", async () => {
      const { ticket, alice, bob, organizer, stranger } = await withSales();
      const id = tokenId(STANDARD, 1n);
      for (const policy of [1, 2]) {
        await viem.assertions.emitWithArgs(ticket.write.setTransferPolicy([policy], { account: organizer.account }), ticket, "TransferPolicySet", [policy]);
        assert.equal(await ticket.read.transferPolicy(), policy);
        await viem.assertions.revertWithCustomErrorWithArgs(
          ticket.write.safeTransferFrom([alice.account.address, bob.account.address, id], { account: alice.account }),
          ticket,
          "EventTicketTransferNotAllowed",
          [id, policy],
        );
      }
      await ticket.write.setTransferPolicy([0], { account: organizer.account });
      await ticket.write.pause({ account: organizer.account });
      await viem.assertions.revertWithCustomError(
        ticket.write.transferFrom([alice.account.address, bob.account.address, id], { account: alice.account }),
        ticket,
        "EnforcedPause",
      );
      await ticket.write.unpause({ account: organizer.account });
      // ordinary ERC-721 authorisation still applies
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.transferFrom([alice.account.address, stranger.account.address, id], { account: stranger.account }),
        ticket,
        "ERC721InsufficientApproval",
        [getAddress(stranger.account.address), id],
      );
    });
  });

  describe("resale", () => {
    it("lists within the cap and sells: royalty stays as revenue, the rest goes to the seller", async () => {
      const { ticket, alice, carol } = await withSales();
      const id = tokenId(STANDARD, 1n);
      const max = await ticket.read.maxResalePrice([id]);
      assert.equal(max, (STANDARD_PRICE * 11_000n) / 10_000n);
      await viem.assertions.emitWithArgs(ticket.write.listForResale([id, max], { account: alice.account }), ticket, "ResaleListed", [
        id,
        getAddress(alice.account.address),
        max,
        (max * 500n) / 10_000n,
        zeroAddress,
      ]);
      const royalty = (max * 500n) / 10_000n;
      assert.deepEqual(await ticket.read.listing([id]), [getAddress(alice.account.address), max, royalty]);
      const buy = ticket.write.buyResale([id, max], { account: carol.account, value: max });
      await viem.assertions.balancesHaveChanged(buy, [
        { address: carol.account.address, amount: -max },
        { address: alice.account.address, amount: max - royalty },
        { address: ticket.address, amount: royalty },
      ]);
      await viem.assertions.emitWithArgs(buy, ticket, "ResaleCompleted", [
        id,
        getAddress(alice.account.address),
        getAddress(carol.account.address),
        max,
        royalty,
        zeroAddress,
      ]);
      assert.equal(getAddress(await ticket.read.ownerOf([id])), getAddress(carol.account.address));
      assert.deepEqual(await ticket.read.listing([id]), [zeroAddress, 0n, 0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.buyResale([id, max], { account: carol.account, value: max }),
        ticket,
        "EventTicketNotListed",
        [id],
      );
    });

    it("sells ERC-20 tickets in the tier's currency", async () => {
      const { ticket, carol, alice, usdc } = await withSales();
      const id = tokenId(VIP, 1n);
      await ticket.write.listForResale([id, VIP_PRICE], { account: carol.account });
      await usdc.write.approve([ticket.address, maxUint256], { account: alice.account });
      const before = await usdc.read.balanceOf([carol.account.address]);
      await ticket.write.buyResale([id, VIP_PRICE], { account: alice.account });
      const royalty = (VIP_PRICE * 500n) / 10_000n;
      assert.equal(await usdc.read.balanceOf([carol.account.address]), before + VIP_PRICE - royalty);
      assert.equal(await usdc.read.balanceOf([ticket.address]), VIP_PRICE + royalty);
      assert.equal(getAddress(await ticket.read.ownerOf([id])), getAddress(alice.account.address));
    });

    it("refuses a price above the cap, non-owners, soulbound events and non-transferable tiers", async () => {
      const { ticket, alice, bob, organizer } = await withSales();
      const id = tokenId(STANDARD, 1n);
      const max = await ticket.read.maxResalePrice([id]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.listForResale([id, max + 1n], { account: alice.account }),
        ticket,
        "EventTicketResalePriceTooHigh",
        [id, max + 1n, max],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.listForResale([id, max], { account: bob.account }), ticket, "ERC721IncorrectOwner", [
        getAddress(bob.account.address),
        id,
        getAddress(alice.account.address),
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.listForResale([tokenId(STANDARD, 50n), 1n], { account: bob.account }),
        ticket,
        "ERC721NonexistentToken",
        [tokenId(STANDARD, 50n)],
      );
      await ticket.write.purchase([CREW, 1n, bob.account.address], { account: bob.account, value: CREW_PRICE });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.listForResale([tokenId(CREW, 1n), CREW_PRICE], { account: bob.account }),
        ticket,
        "EventTicketResaleNotAllowed",
        [tokenId(CREW, 1n)],
      );
      await ticket.write.listForResale([id, max], { account: alice.account });
      await ticket.write.setTransferPolicy([2], { account: organizer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.listForResale([id, max], { account: alice.account }),
        ticket,
        "EventTicketResaleNotAllowed",
        [id],
      );
      // a listing made before the policy changed cannot be bought either
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.buyResale([id, max], { account: bob.account, value: max }),
        ticket,
        "EventTicketResaleNotAllowed",
        [id],
      );
    });

    it("works under ResaleOnly, where ERC-721 transfers are blocked", async () => {
      const { ticket, alice, bob, organizer } = await withSales();
      await ticket.write.setTransferPolicy([1], { account: organizer.account });
      const id = tokenId(STANDARD, 2n);
      await ticket.write.listForResale([id, STANDARD_PRICE], { account: alice.account });
      await ticket.write.buyResale([id, STANDARD_PRICE], { account: bob.account, value: STANDARD_PRICE });
      assert.equal(getAddress(await ticket.read.ownerOf([id])), getAddress(bob.account.address));
    });

    it("guards the buyer: listed price, exact payment, open event", async () => {
      const { ticket, alice, bob, organizer, endsAt } = await withSales();
      const id = tokenId(STANDARD, 1n);
      await ticket.write.listForResale([id, STANDARD_PRICE], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.buyResale([id, STANDARD_PRICE - 1n], { account: bob.account, value: STANDARD_PRICE - 1n }),
        ticket,
        "EventTicketResalePriceMismatch",
        [id, STANDARD_PRICE, STANDARD_PRICE - 1n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.buyResale([id, STANDARD_PRICE], { account: bob.account, value: STANDARD_PRICE - 1n }),
        ticket,
        "EventTicketIncorrectPayment",
        [STANDARD_PRICE, STANDARD_PRICE - 1n],
      );
      await ticket.write.pause({ account: organizer.account });
      await viem.assertions.revertWithCustomError(
        ticket.write.buyResale([id, STANDARD_PRICE], { account: bob.account, value: STANDARD_PRICE }),
        ticket,
        "EnforcedPause",
      );
      await ticket.write.unpause({ account: organizer.account });
      await networkHelpers.time.increaseTo(endsAt);
      await viem.assertions.revertWithCustomError(
        ticket.write.buyResale([id, STANDARD_PRICE], { account: bob.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketEventEnded",
      );
      await viem.assertions.revertWithCustomError(
        ticket.write.listForResale([id, STANDARD_PRICE], { account: alice.account }),
        ticket,
        "EventTicketEventEnded",
      );
    });

    it("refuses resale in a cancelled event", async () => {
      const { ticket, alice, bob, organizer } = await withSales();
      const id = tokenId(STANDARD, 1n);
      await ticket.write.listForResale([id, STANDARD_PRICE], { account: alice.account });
      await ticket.write.cancelEvent({ account: organizer.account });
      await viem.assertions.revertWithCustomError(
        ticket.write.buyResale([id, STANDARD_PRICE], { account: bob.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketEventIsCancelled",
      );
      await viem.assertions.revertWithCustomError(
        ticket.write.listForResale([tokenId(STANDARD, 2n), STANDARD_PRICE], { account: alice.account }),
        ticket,
        "EventTicketEventIsCancelled",
      );
    });

    it("lets the seller cancel, nobody else; a transfer voids the listing", async () => {
      const { ticket, alice, bob } = await withSales();
      const id = tokenId(STANDARD, 1n);
      await ticket.write.listForResale([id, STANDARD_PRICE], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.cancelResale([id], { account: bob.account }), ticket, "ERC721IncorrectOwner", [
        getAddress(bob.account.address),
        id,
        getAddress(alice.account.address),
      ]);
      await viem.assertions.emitWithArgs(ticket.write.cancelResale([id], { account: alice.account }), ticket, "ResaleCancelled", [
        id,
        getAddress(alice.account.address),
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.cancelResale([id], { account: alice.account }), ticket, "EventTicketNotListed", [id]);
      await ticket.write.listForResale([id, STANDARD_PRICE], { account: alice.account });
      await viem.assertions.emitWithArgs(
        ticket.write.transferFrom([alice.account.address, bob.account.address, id], { account: alice.account }),
        ticket,
        "ResaleCancelled",
        [id, getAddress(alice.account.address)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.buyResale([id, STANDARD_PRICE], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketNotListed",
        [id],
      );
    });

    it("refuses the sale of a ticket checked in after it was listed", async () => {
      const { ticket, alice, bob, scanner } = await withSales();
      const id = tokenId(STANDARD, 1n);
      await ticket.write.listForResale([id, STANDARD_PRICE], { account: alice.account });
      await ticket.write.checkIn([[id]], { account: scanner.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.buyResale([id, STANDARD_PRICE], { account: bob.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketCheckedInLocked",
        [id],
      );
    });

    it("reports ERC-2981 royalties to this contract, which accepts them as revenue", async () => {
      const { ticket, stranger } = await withSales();
      assert.deepEqual(await ticket.read.royaltyInfo([tokenId(STANDARD, 1n), parseEther("1")]), [getAddress(ticket.address), parseEther("0.05")]);
      await viem.assertions.balancesHaveChanged(stranger.sendTransaction({ to: ticket.address, value: parseEther("0.05") }), [
        { address: ticket.address, amount: parseEther("0.05") },
      ]);
    });
  });

  describe("cancellation and refunds", () => {
    it("lets the admin cancel before the refund window closes, once", async () => {
      const { ticket, organizer, stranger, endsAt, refundWindow } = await withSales();
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.cancelEvent({ account: stranger.account }), ticket, "AccessControlUnauthorizedAccount", [
        getAddress(stranger.account.address),
        zeroHash,
      ]);
      await viem.assertions.emitWithArgs(ticket.write.cancelEvent({ account: organizer.account }), ticket, "EventCancelled", [
        getAddress(organizer.account.address),
      ]);
      assert.equal(await ticket.read.cancelled(), true);
      await viem.assertions.revertWithCustomError(ticket.write.cancelEvent({ account: organizer.account }), ticket, "EventTicketEventIsCancelled");

      const f = await withSales();
      await networkHelpers.time.increaseTo(endsAt + refundWindow);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.ticket.write.cancelEvent({ account: f.organizer.account }),
        f.ticket,
        "EventTicketRefundWindowClosed",
        [endsAt + refundWindow],
      );
    });

    it("refunds the face value to the current holder and burns the ticket", async () => {
      const { ticket, organizer, alice, bob, carol, usdc } = await withSales();
      // alice gives #1 to carol; the ticket's refund goes to carol
      const id = tokenId(STANDARD, 1n);
      await ticket.write.transferFrom([alice.account.address, carol.account.address, id], { account: alice.account });
      await ticket.write.cancelEvent({ account: organizer.account });
      assert.deepEqual(await ticket.read.refundAmount([id]), [STANDARD_PRICE, zeroAddress]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.claimRefunds([[id], alice.account.address], { account: alice.account }),
        ticket,
        "ERC721IncorrectOwner",
        [getAddress(alice.account.address), id, getAddress(carol.account.address)],
      );
      const refund = ticket.write.claimRefunds([[id, tokenId(VIP, 1n)], carol.account.address], { account: carol.account });
      await viem.assertions.balancesHaveChanged(refund, [
        { address: carol.account.address, amount: STANDARD_PRICE },
        { address: ticket.address, amount: -STANDARD_PRICE },
      ]);
      await viem.assertions.emitWithArgs(refund, ticket, "RefundClaimed", [
        id,
        getAddress(carol.account.address),
        STANDARD_PRICE,
        zeroAddress,
        getAddress(carol.account.address),
      ]);
      await viem.assertions.emitWithArgs(refund, ticket, "RefundClaimed", [
        tokenId(VIP, 1n),
        getAddress(carol.account.address),
        VIP_PRICE,
        getAddress(usdc.address),
        getAddress(carol.account.address),
      ]);
      assert.equal(await usdc.read.balanceOf([carol.account.address]), 1_000n * USDC);
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.read.ownerOf([id]), ticket, "ERC721NonexistentToken", [id]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.claimRefunds([[id], carol.account.address], { account: carol.account }),
        ticket,
        "ERC721NonexistentToken",
        [id],
      );
      // bob's refund is untouched
      await ticket.write.claimRefunds([[tokenId(STANDARD, 3n)], bob.account.address], { account: bob.account });
      assert.equal(await ticket.read.balanceOf([bob.account.address]), 0n);
    });

    it("refunds the face value, not the resale price, to a resale buyer", async () => {
      const { ticket, organizer, alice, carol } = await withSales();
      const id = tokenId(STANDARD, 1n);
      const max = await ticket.read.maxResalePrice([id]);
      await ticket.write.listForResale([id, max], { account: alice.account });
      await ticket.write.buyResale([id, max], { account: carol.account, value: max });
      await ticket.write.cancelEvent({ account: organizer.account });
      await viem.assertions.balancesHaveChanged(ticket.write.claimRefunds([[id], carol.account.address], { account: carol.account }), [
        { address: carol.account.address, amount: STANDARD_PRICE },
      ]);
    });

    it("refunds nothing for comps, and nothing before cancellation", async () => {
      const { ticket, organizer, minter, alice } = await withSales();
      await ticket.write.grantComps([STANDARD, [alice.account.address]], { account: minter.account });
      const comp = tokenId(STANDARD, 4n);
      await viem.assertions.revertWithCustomError(
        ticket.write.claimRefunds([[tokenId(STANDARD, 1n)], alice.account.address], { account: alice.account }),
        ticket,
        "EventTicketEventNotCancelled",
      );
      await ticket.write.cancelEvent({ account: organizer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.claimRefunds([[comp], alice.account.address], { account: alice.account }),
        ticket,
        "EventTicketNothingToRefund",
        [comp],
      );
    });

    it("blocks a holder that re-enters claimRefunds from its receive hook", async () => {
      const { ticket, organizer, alice } = await load();
      const attacker = await viem.deployContract("ReentrantAttacker");
      await ticket.write.purchase([STANDARD, 2n, attacker.address], { account: alice.account, value: 2n * STANDARD_PRICE });
      await ticket.write.cancelEvent({ account: organizer.account });
      const second = encodeFunctionData({ abi: ticket.abi, functionName: "claimRefunds", args: [[tokenId(STANDARD, 2n)], attacker.address] });
      const first = encodeFunctionData({ abi: ticket.abi, functionName: "claimRefunds", args: [[tokenId(STANDARD, 1n)], attacker.address] });
      await attacker.write.arm([ticket.address, second, 0n, false]);
      await viem.assertions.revertWithCustomError(attacker.write.execute([ticket.address, first, 0n]), ticket, "ReentrancyGuardReentrantCall");
      // a re-entry of the same token would also find it burned; the honest path pays each token once
      await attacker.write.arm([ticket.address, first, 0n, true]);
      await attacker.write.execute([ticket.address, first, 0n]);
      assert.equal(await ticket.read.balanceOf([attacker.address]), 1n);
      assert.equal(await ticket.read.cancelled(), true);
    });
  });

  describe("settlement", () => {
    it("opens after the event end plus the refund window and moves everything to the split, for anyone", async () => {
      const { ticket, split, stranger, usdc, endsAt, refundWindow } = await withSales();
      const opensAt = endsAt + refundWindow;
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.settle([zeroAddress], { account: stranger.account }),
        ticket,
        "EventTicketSettlementNotOpen",
        [opensAt],
      );
      await networkHelpers.time.increaseTo(opensAt);
      const revenue = 3n * STANDARD_PRICE;
      const settle = ticket.write.settle([zeroAddress], { account: stranger.account });
      await viem.assertions.balancesHaveChanged(settle, [
        { address: ticket.address, amount: -revenue },
        { address: split.address, amount: revenue },
      ]);
      await viem.assertions.emitWithArgs(settle, ticket, "Settled", [zeroAddress, revenue, getAddress(split.address)]);
      await viem.assertions.emitWithArgs(settle, split, "Deposited", [zeroAddress, getAddress(ticket.address), revenue]);
      assert.equal(await ticket.read.settled(), true);
      assert.equal(await split.read.totalReceived([zeroAddress]), revenue);
      assert.equal(await split.read.locked(), true);

      await ticket.write.settle([usdc.address], { account: stranger.account });
      assert.equal(await usdc.read.balanceOf([split.address]), VIP_PRICE);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.settle([zeroAddress], { account: stranger.account }),
        ticket,
        "EventTicketNothingToSettle",
        [zeroAddress],
      );
      // later revenue (an outside royalty) settles again
      await stranger.sendTransaction({ to: ticket.address, value: 1_000n });
      await ticket.write.settle([zeroAddress], { account: stranger.account });
      assert.equal(await split.read.totalReceived([zeroAddress]), revenue + 1_000n);
    });

    it("ends the admin's power to cancel or reschedule; a cancelled event settles nothing it owes as refunds", async () => {
      const { ticket, organizer, endsAt, refundWindow, startsAt } = await withSales();
      await networkHelpers.time.increaseTo(endsAt + refundWindow);
      await ticket.write.settle([zeroAddress]);
      await viem.assertions.revertWithCustomError(ticket.write.cancelEvent({ account: organizer.account }), ticket, "EventTicketAlreadySettled");
      await viem.assertions.revertWithCustomError(
        ticket.write.setSchedule([Number(startsAt), Number(endsAt), 0], { account: organizer.account }),
        ticket,
        "EventTicketAlreadySettled",
      );
      const f = await withSales();
      await f.ticket.write.cancelEvent({ account: f.organizer.account });
      await networkHelpers.time.increaseTo(endsAt + refundWindow);
      await viem.assertions.revertWithCustomErrorWithArgs(f.ticket.write.settle([zeroAddress]), f.ticket, "EventTicketNothingToSettle", [zeroAddress]);
    });

    it("is paused with the contract", async () => {
      const { ticket, organizer, endsAt, refundWindow } = await withSales();
      await networkHelpers.time.increaseTo(endsAt + refundWindow);
      await ticket.write.pause({ account: organizer.account });
      await viem.assertions.revertWithCustomError(ticket.write.settle([zeroAddress]), ticket, "EnforcedPause");
    });
  });

  describe("administration", () => {
    it("adds and updates tiers; the price is fixed after the first sale", async () => {
      const { ticket, organizer, tiers, usdc, alice } = await load();
      const extra = { ...tiers[0]!, name: "LATE", price: parseEther("0.2"), supply: 5 };
      await viem.assertions.emitWithArgs(ticket.write.addTier([extra], { account: organizer.account }), ticket, "TierCreated", [
        6n,
        "LATE",
        extra.price,
        zeroAddress,
        5n,
        BigInt(extra.maxPerBuyer),
        BigInt(extra.saleStart),
        BigInt(extra.saleEnd),
        true,
      ]);
      assert.equal(await ticket.read.tierCount(), 6n);
      // before any sale, the price and the currency can change
      const usdcTier = { ...extra, price: 5n * USDC, currency: usdc.address };
      await viem.assertions.emitWithArgs(ticket.write.updateTier([6n, usdcTier], { account: organizer.account }), ticket, "TierUpdated", [
        6n,
        "LATE",
        5n * USDC,
        getAddress(usdc.address),
        5n,
        BigInt(extra.maxPerBuyer),
        BigInt(extra.saleStart),
        BigInt(extra.saleEnd),
        true,
      ]);
      const stored = await ticket.read.tier([6n]);
      assert.equal(getAddress(stored.currency), getAddress(usdc.address));
      assert.equal(stored.price, 5n * USDC);
      // after the first sale, only the price and currency are frozen
      await ticket.write.purchase([STANDARD, 1n, alice.account.address], { account: alice.account, value: STANDARD_PRICE });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.updateTier([STANDARD, { ...tiers[0]!, price: 1n }], { account: organizer.account }),
        ticket,
        "EventTicketPriceLocked",
        [STANDARD],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.updateTier([STANDARD, { ...tiers[0]!, currency: usdc.address }], { account: organizer.account }),
        ticket,
        "EventTicketPriceLocked",
        [STANDARD],
      );
      await ticket.write.updateTier([STANDARD, { ...tiers[0]!, supply: 200, maxPerBuyer: 10 }], { account: organizer.account });
      assert.equal((await ticket.read.tier([STANDARD])).supply, 200);
    });

    it("validates tiers", async () => {
      const { ticket, organizer, tiers, alice } = await load();
      const base = tiers[0]!;
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.addTier([{ ...base, supply: 0 }], { account: organizer.account }),
        ticket,
        "EventTicketInvalidSupply",
        [0n, 0n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.addTier([{ ...base, supply: 1_000_000 }], { account: organizer.account }),
        ticket,
        "EventTicketInvalidSupply",
        [1_000_000n, 0n],
      );
      await ticket.write.purchase([STANDARD, 3n, alice.account.address], { account: alice.account, value: 3n * STANDARD_PRICE });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.updateTier([STANDARD, { ...base, supply: 2 }], { account: organizer.account }),
        ticket,
        "EventTicketInvalidSupply",
        [2n, 3n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.addTier([{ ...base, saleEnd: base.saleStart }], { account: organizer.account }),
        ticket,
        "EventTicketInvalidSaleWindow",
        [BigInt(base.saleStart), BigInt(base.saleStart)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.addTier([{ ...base, saleEnd: 2 ** 32 }], { account: organizer.account }),
        ticket,
        "EventTicketInvalidSaleWindow",
        [BigInt(base.saleStart), 2n ** 32n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.addTier([{ ...base, currency: alice.account.address }], { account: organizer.account }),
        ticket,
        "EventTicketInvalidCurrency",
        [getAddress(alice.account.address)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.updateTier([7n, base], { account: organizer.account }),
        ticket,
        "EventTicketUnknownTier",
        [7n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.read.tier([0n]), ticket, "EventTicketUnknownTier", [0n]);
    });

    it("reschedules (postponement) and sets resale terms, URIs and pause", async () => {
      const { ticket, organizer, startsAt, endsAt, alice } = await withSales();
      await viem.assertions.emitWithArgs(
        ticket.write.setSchedule([Number(startsAt + DAY), Number(endsAt + DAY), Number(8n * DAY)], { account: organizer.account }),
        ticket,
        "ScheduleSet",
        [startsAt + DAY, endsAt + DAY, 8n * DAY],
      );
      assert.deepEqual(await ticket.read.schedule(), [Number(startsAt + DAY), Number(endsAt + DAY), Number(8n * DAY)]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.setSchedule([Number(endsAt), Number(endsAt), 0], { account: organizer.account }),
        ticket,
        "EventTicketInvalidSchedule",
        [endsAt, endsAt],
      );
      await viem.assertions.emitWithArgs(ticket.write.setResaleTerms([0, 1_000], { account: organizer.account }), ticket, "ResaleTermsSet", [0n, 1_000n]);
      assert.deepEqual(await ticket.read.resaleTerms(), [0, 1_000]);
      assert.equal(await ticket.read.maxResalePrice([tokenId(STANDARD, 1n)]), STANDARD_PRICE);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.setResaleTerms([0, 10_001], { account: organizer.account }),
        ticket,
        "EventTicketInvalidBps",
        [10_001n, 10_000n],
      );
      assert.equal(await ticket.read.tokenURI([tokenId(STANDARD, 1n)]), "https://tix.example/f/1000001");
      await viem.assertions.emitWithArgs(ticket.write.setBaseURI(["ipfs://x/"], { account: organizer.account }), ticket, "BaseURISet", ["ipfs://x/"]);
      assert.equal(await ticket.read.tokenURI([tokenId(VIP, 1n)]), "ipfs://x/2000001");
      const setContract = ticket.write.setContractURI(["ipfs://c"], { account: organizer.account });
      await viem.assertions.emitWithArgs(setContract, ticket, "ContractURISet", ["ipfs://c"]);
      await viem.assertions.emit(setContract, ticket, "ContractURIUpdated");
      assert.equal(await ticket.read.contractURI(), "ipfs://c");
      await viem.assertions.emitWithArgs(ticket.write.pause({ account: organizer.account }), ticket, "Paused", [getAddress(organizer.account.address)]);
      await viem.assertions.emitWithArgs(ticket.write.unpause({ account: organizer.account }), ticket, "Unpaused", [getAddress(organizer.account.address)]);
      await ticket.write.cancelEvent({ account: organizer.account });
      await viem.assertions.revertWithCustomError(
        ticket.write.setSchedule([Number(startsAt), Number(endsAt), 0], { account: organizer.account }),
        ticket,
        "EventTicketEventIsCancelled",
      );
      void alice;
    });

    it("refuses every admin function to strangers", async () => {
      const { ticket, stranger, tiers, startsAt, endsAt } = await load();
      const as = { account: stranger.account };
      const calls = [
        ticket.write.addTier([tiers[0]!], as),
        ticket.write.updateTier([STANDARD, tiers[0]!], as),
        ticket.write.setSchedule([Number(startsAt), Number(endsAt), 0], as),
        ticket.write.setTransferPolicy([2], as),
        ticket.write.setResaleTerms([0, 0], as),
        ticket.write.setBaseURI([""], as),
        ticket.write.setContractURI([""], as),
        ticket.write.pause(as),
        ticket.write.unpause(as),
        ticket.write.cancelEvent(as),
      ];
      for (const call of calls) {
        await viem.assertions.revertWithCustomErrorWithArgs(call, ticket, "AccessControlUnauthorizedAccount", [getAddress(stranger.account.address), zeroHash]);
      }
    });

    it("transfers the admin role in two steps", async () => {
      const { ticket, organizer, bob } = await load();
      await ticket.write.beginDefaultAdminTransfer([bob.account.address], { account: organizer.account });
      await ticket.write.acceptDefaultAdminTransfer({ account: bob.account });
      assert.equal(getAddress(await ticket.read.defaultAdmin()), getAddress(bob.account.address));
    });

    it("supports the ERC-721, ERC-2981 and AccessControl interfaces", async () => {
      const { ticket } = await load();
      for (const id of ["0x80ac58cd", "0x5b5e139f", "0x2a55205a", "0x7965db0b", "0x01ffc9a7"] as const) {
        assert.equal(await ticket.read.supportsInterface([id]), true, id);
      }
      assert.equal(await ticket.read.supportsInterface(["0xffffffff"]), false);
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.read.tierOf([tokenId(STANDARD, 1n)]), ticket, "ERC721NonexistentToken", [
        tokenId(STANDARD, 1n),
      ]);
    });
  });
  describe("schedule bounds", () => {
    it("only postpones: an earlier start, end or refund window is refused with the current schedule", async () => {
      const { ticket, organizer, now, startsAt, endsAt, refundWindow } = await withSales();
      const current: [bigint, bigint, bigint] = [startsAt, endsAt, refundWindow];
      const earlier = [
        [startsAt - 1n, endsAt, refundWindow],
        [startsAt, endsAt - 1n, refundWindow],
        [startsAt, endsAt, refundWindow - 1n],
        [now - 2n * DAY, now - DAY, 0n], // into the past, to settle at once
      ];
      for (const [s, e, w] of earlier) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          ticket.write.setSchedule([Number(s), Number(e), Number(w)], { account: organizer.account }),
          ticket,
          "EventTicketScheduleNotPostponed",
          current,
        );
      }
      // settlement still waits for the original end plus the refund window
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.settle([zeroAddress]), ticket, "EventTicketSettlementNotOpen", [endsAt + refundWindow]);
      // postponing and extending are allowed
      await ticket.write.setSchedule([Number(startsAt + DAY), Number(endsAt + 2n * DAY), Number(refundWindow + DAY)], {
        account: organizer.account,
      });
      assert.deepEqual(await ticket.read.schedule(), [Number(startsAt + DAY), Number(endsAt + 2n * DAY), Number(refundWindow + DAY)]);
    });

    it("keeps the check-in transfer lock: a running event cannot be ended early, an ended one not moved", async () => {
      const { ticket, organizer, scanner, alice, bob, startsAt, endsAt, refundWindow } = await withSales();
      const id = tokenId(STANDARD, 1n);
      await networkHelpers.time.increaseTo(startsAt + 1n);
      await ticket.write.checkIn([[id]], { account: scanner.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.setSchedule([Number(startsAt), Number(startsAt + 2n), Number(refundWindow)], { account: organizer.account }),
        ticket,
        "EventTicketScheduleNotPostponed",
        [startsAt, endsAt, refundWindow],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.transferFrom([alice.account.address, bob.account.address, id], { account: alice.account }),
        ticket,
        "EventTicketCheckedInLocked",
        [id],
      );
      await networkHelpers.time.increaseTo(endsAt);
      await viem.assertions.revertWithCustomError(
        ticket.write.setSchedule([Number(startsAt), Number(endsAt + DAY), Number(refundWindow)], { account: organizer.account }),
        ticket,
        "EventTicketEventEnded",
      );
    });
  });

  describe("listing terms", () => {
    it("keeps the royalty of the listing: raising it afterwards does not cut the seller's proceeds", async () => {
      const { ticket, organizer, alice, carol } = await withSales();
      const id = tokenId(STANDARD, 1n);
      const max = await ticket.read.maxResalePrice([id]);
      const royalty = (max * 500n) / 10_000n;
      await viem.assertions.emitWithArgs(ticket.write.listForResale([id, max], { account: alice.account }), ticket, "ResaleListed", [
        id,
        getAddress(alice.account.address),
        max,
        royalty,
        zeroAddress,
      ]);
      assert.deepEqual(await ticket.read.listing([id]), [getAddress(alice.account.address), max, royalty]);
      await ticket.write.setResaleTerms([1_000, 10_000], { account: organizer.account });
      const buy = ticket.write.buyResale([id, max], { account: carol.account, value: max });
      await viem.assertions.balancesHaveChanged(buy, [
        { address: alice.account.address, amount: max - royalty },
        { address: ticket.address, amount: royalty },
      ]);
      await viem.assertions.emitWithArgs(buy, ticket, "ResaleCompleted", [
        id,
        getAddress(alice.account.address),
        getAddress(carol.account.address),
        max,
        royalty,
        zeroAddress,
      ]);
    });

    it("applies a lowered resale cap to listings made before it", async () => {
      const { ticket, organizer, alice, carol } = await withSales();
      const id = tokenId(STANDARD, 1n);
      const max = await ticket.read.maxResalePrice([id]);
      await ticket.write.listForResale([id, max], { account: alice.account });
      await ticket.write.setResaleTerms([0, 500], { account: organizer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.buyResale([id, max], { account: carol.account, value: max }),
        ticket,
        "EventTicketResalePriceTooHigh",
        [id, max, STANDARD_PRICE],
      );
    });
  });

  describe("policies", () => {
    it("caps a comp's resale price at its face value of 0: comps refund nothing, so nobody pays for one", async () => {
      const { ticket, minter, alice, bob } = await load();
      await ticket.write.grantComps([STANDARD, [alice.account.address]], { account: minter.account });
      const comp = tokenId(STANDARD, 1n);
      assert.equal(await ticket.read.maxResalePrice([comp]), 0n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.listForResale([comp, 1n], { account: alice.account }),
        ticket,
        "EventTicketResalePriceTooHigh",
        [comp, 1n, 0n],
      );
      await ticket.write.listForResale([comp, 0n], { account: alice.account });
      await ticket.write.buyResale([comp, 0n], { account: bob.account });
      assert.equal(getAddress(await ticket.read.ownerOf([comp])), getAddress(bob.account.address));
    });

    it("settles the royalties of a cancelled event, never the refunds it owes", async () => {
      const { ticket, split, organizer, alice, bob, carol, stranger } = await withSales();
      const id = tokenId(STANDARD, 1n);
      await ticket.write.listForResale([id, STANDARD_PRICE], { account: alice.account });
      await ticket.write.buyResale([id, STANDARD_PRICE], { account: carol.account, value: STANDARD_PRICE });
      const royalty = (STANDARD_PRICE * 500n) / 10_000n;
      const outside = parseEther("0.01"); // an outside marketplace's ERC-2981 royalty
      await stranger.sendTransaction({ to: ticket.address, value: outside });
      await ticket.write.cancelEvent({ account: organizer.account });
      const settle = ticket.write.settle([zeroAddress], { account: stranger.account });
      await viem.assertions.balancesHaveChanged(settle, [{ address: split.address, amount: royalty + outside }]);
      await viem.assertions.emitWithArgs(settle, ticket, "Settled", [zeroAddress, royalty + outside, getAddress(split.address)]);
      await viem.assertions.revertWithCustomErrorWithArgs(ticket.write.settle([zeroAddress]), ticket, "EventTicketNothingToSettle", [zeroAddress]);
      // every refund is still paid in full
      await ticket.write.claimRefunds([[id], carol.account.address], { account: carol.account });
      await ticket.write.claimRefunds([[tokenId(STANDARD, 2n)], alice.account.address], { account: alice.account });
      await ticket.write.claimRefunds([[tokenId(STANDARD, 3n)], bob.account.address], { account: bob.account });
      assert.equal(await viem.getPublicClient().then((c) => c.getBalance({ address: ticket.address })), 0n);
    });

    it("bounds tier sale windows by the event: no sales after the event ends", async () => {
      const { ticket, organizer, tiers, endsAt } = await load();
      const late = { ...tiers[0]!, saleEnd: Number(endsAt) + 1 };
      for (const call of [
        ticket.write.addTier([late], { account: organizer.account }),
        ticket.write.updateTier([STANDARD, late], { account: organizer.account }),
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(call, ticket, "EventTicketInvalidSaleWindow", [BigInt(late.saleStart), endsAt + 1n]);
      }
      await ticket.write.addTier([{ ...late, saleEnd: Number(endsAt) }], { account: organizer.account });
    });

    it("pays refunds to an address of the holder's choice (a holder that cannot receive ETH)", async () => {
      const { ticket, organizer, alice, carol } = await load();
      const holder = await viem.deployContract("CallerWithoutReceive");
      await ticket.write.purchase([STANDARD, 1n, holder.address], { account: alice.account, value: STANDARD_PRICE });
      await ticket.write.cancelEvent({ account: organizer.account });
      const id = tokenId(STANDARD, 1n);
      const toSelf = encodeFunctionData({ abi: ticket.abi, functionName: "claimRefunds", args: [[id], holder.address] });
      await viem.assertions.revertWithCustomError(holder.write.execute([ticket.address, toSelf]), ticket, "FailedCall");
      const toZero = encodeFunctionData({ abi: ticket.abi, functionName: "claimRefunds", args: [[id], zeroAddress] });
      await viem.assertions.revertWithCustomErrorWithArgs(holder.write.execute([ticket.address, toZero]), ticket, "EventTicketInvalidReceiver", [zeroAddress]);
      const toCarol = encodeFunctionData({ abi: ticket.abi, functionName: "claimRefunds", args: [[id], carol.account.address] });
      const refund = holder.write.execute([ticket.address, toCarol]);
      await viem.assertions.balancesHaveChanged(refund, [{ address: carol.account.address, amount: STANDARD_PRICE }]);
      await viem.assertions.emitWithArgs(refund, ticket, "RefundClaimed", [
        id,
        getAddress(holder.address),
        STANDARD_PRICE,
        zeroAddress,
        getAddress(carol.account.address),
      ]);
    });

    it("settles a tier's ERC-20 that turned on a transfer fee after the sales", async () => {
      const { ticket, split, fot, alice, endsAt, refundWindow } = await load();
      await fot.write.setFeeBps([0n]);
      await fot.write.approve([ticket.address, maxUint256], { account: alice.account });
      await ticket.write.purchase([FOT, 2n, alice.account.address], { account: alice.account });
      await fot.write.setFeeBps([100n]);
      await networkHelpers.time.increaseTo(endsAt + refundWindow);
      const settle = ticket.write.settle([fot.address]);
      await viem.assertions.emitWithArgs(settle, ticket, "Settled", [getAddress(fot.address), 2n * TOKEN_PRICE, getAddress(split.address)]);
      const arrived = 2n * TOKEN_PRICE - (2n * TOKEN_PRICE) / 100n;
      await viem.assertions.emitWithArgs(settle, split, "Deposited", [getAddress(fot.address), getAddress(ticket.address), arrived]);
      assert.equal(await split.read.totalReceived([fot.address]), arrived);
      assert.equal(await fot.read.balanceOf([split.address]), arrived);
    });

    it("accepts ETH sent with the 2,300-gas stipend of transfer (marketplace royalties)", async () => {
      const { ticket, stranger } = await load();
      const payer = await viem.deployContract("StipendPayer");
      await viem.assertions.balancesHaveChanged(payer.write.pay([ticket.address], { account: stranger.account, value: 1_000n }), [
        { address: ticket.address, amount: 1_000n },
      ]);
    });

    it("pays refunds of a cancelled event while paused", async () => {
      const { ticket, organizer, alice } = await withSales();
      await ticket.write.cancelEvent({ account: organizer.account });
      await ticket.write.pause({ account: organizer.account });
      await viem.assertions.balancesHaveChanged(ticket.write.claimRefunds([[tokenId(STANDARD, 1n)], alice.account.address], { account: alice.account }), [
        { address: alice.account.address, amount: STANDARD_PRICE },
      ]);
    });

    it("counts the per-buyer limit against the buyer, not the recipient: a stranger cannot use up a victim's allowance", async () => {
      const { ticket, alice, stranger } = await load();
      await ticket.write.purchase([STANDARD, 5n, alice.account.address], { account: stranger.account, value: 5n * STANDARD_PRICE });
      assert.equal(await ticket.read.purchasedBy([STANDARD, stranger.account.address]), 5n);
      assert.equal(await ticket.read.purchasedBy([STANDARD, alice.account.address]), 0n);
      await ticket.write.purchase([STANDARD, 5n, alice.account.address], { account: alice.account, value: 5n * STANDARD_PRICE });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchase([STANDARD, 1n, stranger.account.address], { account: stranger.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketBuyerLimitExceeded",
        [STANDARD, getAddress(stranger.account.address), 5n],
      );
    });
  });
});
