import assert from "node:assert/strict";
import { network } from "hardhat";
import { getAddress, maxUint256, parseEther, zeroAddress } from "viem";
import { makeEventFixture, PLATFORM_FEE_BPS, STANDARD, STANDARD_PRICE, tokenId, USDC, VIP, VIP_PRICE } from "./fixtures.js";

/**
 * Referrals: a sale through EventTicket.purchaseWithReferrer credits the tier's referral share of its price (set on the
 * split, RevenueSplit.setReferralShare) to the referrer (in the ticket, at sale time); the split pays it out of the organizer's part after settlement
 * (RevenueSplit.claimReferral).
 */
const { viem, networkHelpers } = await network.create();
const eventFixture = makeEventFixture(viem, networkHelpers);
const load = () => networkHelpers.loadFixture(eventFixture);
type Fixture = Awaited<ReturnType<typeof eventFixture>>;

const BPS = 10_000n;
const FIXED = parseEther("0.05"); // the fixture artist's fixed ETH amount
const SHARED_BPS = 3_000n + 1_000n; // the fixture's artist and sponsor shares

/** The organizer's part of `received` ETH before referrals, computed like the split's comment says. */
function organizerPart(received: bigint): bigint {
  const fee = (received * BigInt(PLATFORM_FEE_BPS)) / BPS;
  const net = received - fee;
  const remainder = net > FIXED ? net - FIXED : 0n;
  return remainder - (remainder * SHARED_BPS) / (BPS - BigInt(PLATFORM_FEE_BPS));
}

/** alice buys 2 STANDARD through carol, bob 1 through the stranger; STANDARD pays 10 % to referrers. */
async function withReferralsFixture() {
  const f = await eventFixture();
  await f.split.write.setReferralShare([STANDARD, 1_000], { account: f.organizer.account });
  await f.ticket.write.purchaseWithReferrer([STANDARD, 2n, f.alice.account.address, f.carol.account.address], {
    account: f.alice.account,
    value: 2n * STANDARD_PRICE,
  });
  await f.ticket.write.purchaseWithReferrer([STANDARD, 1n, f.bob.account.address, f.stranger.account.address], {
    account: f.bob.account,
    value: STANDARD_PRICE,
  });
  return f;
}
const withReferrals = () => networkHelpers.loadFixture(withReferralsFixture);

async function toSettlement(f: Fixture) {
  await networkHelpers.time.increaseTo(f.endsAt + f.refundWindow);
}

describe("Referrals", () => {
  describe("setReferralShare", () => {
    it("sets a tier's share on the split (organizer only), which passes it to the ticket; emits ReferralShareSet", async () => {
      const { ticket, split, organizer, stranger } = await load();
      assert.equal(await split.read.referralShareBps([STANDARD]), 0n);
      await viem.assertions.emitWithArgs(split.write.setReferralShare([STANDARD, 750], { account: organizer.account }), split, "ReferralShareSet", [
        STANDARD,
        750n,
      ]);
      assert.equal(await split.read.referralShareBps([STANDARD]), 750n);
      await split.write.setReferralShare([VIP, 500], { account: organizer.account });
      await split.write.setReferralShare([STANDARD, 250], { account: organizer.account });
      assert.equal(await split.read.maxReferralShareBps(), 750n); // a high-water mark
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.setReferralShare([STANDARD, 100], { account: stranger.account }),
        split,
        "RevenueSplitUnauthorized",
        [getAddress(stranger.account.address)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.setReferralShare([99n, 100], { account: organizer.account }),
        ticket,
        "EventTicketUnknownTier",
        [99n],
      );
      // only the split sets the ticket's shares
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.setReferralShare([STANDARD, 100n], { account: organizer.account }),
        ticket,
        "EventTicketOnlySplit",
        [getAddress(organizer.account.address)],
      );
    });

    it("refuses a share above the cap", async () => {
      const { split, organizer } = await load();
      const cap = await split.read.MAX_REFERRAL_BPS();
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.setReferralShare([STANDARD, Number(cap) + 1], { account: organizer.account }),
        split,
        "RevenueSplitReferralShareAboveCap",
        [STANDARD, cap + 1n, cap],
      );
      assert.equal(await split.read.referralShareBps([STANDARD]), 0n);
      await split.write.setReferralShare([STANDARD, Number(cap)], { account: organizer.account });
      assert.equal(await split.read.referralShareBps([STANDARD]), cap);
    });

    it("refuses a share that with the split's shares and the platform fee makes more than 100 %, and payees that would", async () => {
      const { split, organizer, artist } = await load();
      // platform 2.5 % + artist 80 % = 82.5 %; + 20 % referral = 102.5 %
      await split.write.setPayees([[{ account: artist.account.address, shareBps: 8_000, fixedAmount: 0n, fixedToken: zeroAddress }]], {
        account: organizer.account,
      });
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.setReferralShare([STANDARD, 2_000], { account: organizer.account }),
        split,
        "RevenueSplitReferralSharesExceeded",
        [STANDARD, 10_250n],
      );
      await split.write.setReferralShare([STANDARD, 1_750], { account: organizer.account }); // exactly 100 %
      // and the other way round: payees that would push an existing referral share above 100 %
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.setPayees([[{ account: artist.account.address, shareBps: 8_001, fixedAmount: 0n, fixedToken: zeroAddress }]], {
          account: organizer.account,
        }),
        split,
        "RevenueSplitSharesExceeded",
        [10_001n],
      );
      assert.equal(await split.read.totalShareBps(), 8_250n);
    });
  });

  describe("purchaseWithReferrer", () => {
    it("credits the tier's share of the price to the referrer, once per sale", async () => {
      const { ticket, split, organizer, alice, bob, carol } = await load();
      await split.write.setReferralShare([STANDARD, 1_000], { account: organizer.account });
      const buy = ticket.write.purchaseWithReferrer([STANDARD, 3n, bob.account.address, carol.account.address], {
        account: alice.account,
        value: 3n * STANDARD_PRICE,
      });
      await viem.assertions.emitWithArgs(buy, ticket, "ReferralCredited", [
        getAddress(carol.account.address),
        STANDARD,
        tokenId(STANDARD, 1n),
        (3n * STANDARD_PRICE) / 10n,
        zeroAddress,
      ]);
      assert.equal(getAddress(await ticket.read.ownerOf([tokenId(STANDARD, 3n)])), getAddress(bob.account.address));
      assert.equal(await ticket.read.purchasedBy([STANDARD, alice.account.address]), 3n);
      assert.deepEqual(await ticket.read.referral([carol.account.address, zeroAddress]), [(3n * STANDARD_PRICE) / 10n, (3n * STANDARD_PRICE) / 10n]);
      // the whole price stays in the event until settlement
      assert.equal(await (await viem.getPublicClient()).getBalance({ address: ticket.address }), 3n * STANDARD_PRICE);
    });

    it("credits ERC-20 sales in their currency", async () => {
      const { ticket, split, usdc, organizer, carol, alice } = await load();
      await split.write.setReferralShare([VIP, 500], { account: organizer.account });
      await usdc.write.approve([ticket.address, maxUint256], { account: carol.account });
      await viem.assertions.emitWithArgs(
        ticket.write.purchaseWithReferrer([VIP, 2n, carol.account.address, alice.account.address], { account: carol.account }),
        ticket,
        "ReferralCredited",
        [getAddress(alice.account.address), VIP, tokenId(VIP, 1n), (2n * VIP_PRICE * 500n) / BPS, getAddress(usdc.address)],
      );
      assert.deepEqual(await ticket.read.referral([alice.account.address, usdc.address]), [5n * USDC, 5n * USDC]);
      assert.deepEqual(await ticket.read.referral([alice.account.address, zeroAddress]), [0n, 0n]);
    });

    it("credits nothing without a referrer (zero address) or when the tier pays no referral", async () => {
      const { ticket, alice, carol } = await load();
      const none = ticket.write.purchaseWithReferrer([STANDARD, 1n, alice.account.address, zeroAddress], { account: alice.account, value: STANDARD_PRICE });
      await viem.assertions.emit(none, ticket, "TicketPurchased");
      await viem.assertions.emitWithArgs(
        ticket.write.purchaseWithReferrer([STANDARD, 1n, alice.account.address, carol.account.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "TicketPurchased",
        [getAddress(alice.account.address), getAddress(alice.account.address), STANDARD, tokenId(STANDARD, 2n), 1n, STANDARD_PRICE, zeroAddress],
      );
      assert.deepEqual(await ticket.read.referral([carol.account.address, zeroAddress]), [0n, 0n]);
    });

    it("refuses a self-referral: the buyer or the receiver as referrer; nothing changes", async () => {
      const { ticket, split, organizer, alice, bob } = await load();
      await split.write.setReferralShare([STANDARD, 1_000], { account: organizer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchaseWithReferrer([STANDARD, 1n, bob.account.address, alice.account.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketSelfReferral",
        [getAddress(alice.account.address)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchaseWithReferrer([STANDARD, 1n, bob.account.address, bob.account.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "EventTicketSelfReferral",
        [getAddress(bob.account.address)],
      );
      assert.deepEqual(await ticket.read.referral([alice.account.address, zeroAddress]), [0n, 0n]);
      assert.equal(await ticket.read.purchasedBy([STANDARD, alice.account.address]), 0n);
    });

    it("applies the purchase's own rules first (payment, pause)", async () => {
      const { ticket, split, organizer, alice, carol } = await load();
      await split.write.setReferralShare([STANDARD, 1_000], { account: organizer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        ticket.write.purchaseWithReferrer([STANDARD, 1n, alice.account.address, carol.account.address], { account: alice.account, value: 1n }),
        ticket,
        "EventTicketIncorrectPayment",
        [STANDARD_PRICE, 1n],
      );
      await ticket.write.pause({ account: organizer.account });
      await viem.assertions.revertWithCustomError(
        ticket.write.purchaseWithReferrer([STANDARD, 1n, alice.account.address, carol.account.address], { account: alice.account, value: STANDARD_PRICE }),
        ticket,
        "EnforcedPause",
      );
    });
  });

  describe("claimReferral", () => {
    it("has nothing to pay before settlement", async () => {
      const { split, carol } = await withReferrals();
      assert.equal(await split.read.referralClaimable([carol.account.address, zeroAddress]), 0n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.claimReferral([zeroAddress], { account: carol.account }),
        split,
        "RevenueSplitNothingToClaim",
        [getAddress(carol.account.address), zeroAddress],
      );
    });

    it("pays each referrer its credit out of the organizer's part after settlement; everything else is unchanged", async () => {
      const f = await withReferrals();
      const { ticket, split, carol, stranger, organizer, artist, sponsor, platform } = f;
      await toSettlement(f);
      await ticket.write.settle([zeroAddress], { account: stranger.account });
      const received = 3n * STANDARD_PRICE;
      const carolCredit = (2n * STANDARD_PRICE) / 10n;
      const strangerCredit = STANDARD_PRICE / 10n;
      assert.equal(await split.read.referralClaimable([carol.account.address, zeroAddress]), carolCredit);
      assert.equal(await split.read.referralClaimable([stranger.account.address, zeroAddress]), strangerCredit);
      assert.equal(await split.read.claimable([organizer.account.address, zeroAddress]), organizerPart(received) - carolCredit - strangerCredit);
      // the other payees' parts do not move: referrals are the organizer's cost
      const fee = (received * BigInt(PLATFORM_FEE_BPS)) / BPS;
      const remainder = received - fee - FIXED;
      const pool = BPS - BigInt(PLATFORM_FEE_BPS);
      assert.equal(await split.read.claimable([platform.account.address, zeroAddress]), fee);
      assert.equal(await split.read.claimable([artist.account.address, zeroAddress]), FIXED + (remainder * 3_000n) / pool);
      assert.equal(await split.read.claimable([sponsor.account.address, zeroAddress]), (remainder * 1_000n) / pool);

      const claim = split.write.claimReferral([zeroAddress], { account: carol.account });
      await viem.assertions.balancesHaveChanged(claim, [
        { address: carol.account.address, amount: carolCredit },
        { address: split.address, amount: -carolCredit },
      ]);
      await viem.assertions.emitWithArgs(claim, split, "ReferralClaimed", [getAddress(carol.account.address), zeroAddress, carolCredit]);
      assert.equal(await split.read.referralReleased([carol.account.address, zeroAddress]), carolCredit);
      assert.equal(await split.read.referralClaimable([carol.account.address, zeroAddress]), 0n);
      assert.equal(await split.read.totalReleased([zeroAddress]), carolCredit);
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.claimReferral([zeroAddress], { account: carol.account }),
        split,
        "RevenueSplitNothingToClaim",
        [getAddress(carol.account.address), zeroAddress],
      );

      // everyone claims: what is left is the dust (< 1 wei per bps payee and per referrer)
      for (const w of [platform, artist, sponsor, organizer]) await split.write.claim([zeroAddress], { account: w.account });
      await split.write.claimReferral([zeroAddress], { account: stranger.account });
      const left = await (await viem.getPublicClient()).getBalance({ address: split.address });
      assert.ok(left < 5n, `dust ${left}`);
    });

    it("pays referrers pro rata when fixed amounts leave the organizer less than the referrals", async () => {
      const f = await load();
      const { ticket, split, organizer, artist, alice, carol, stranger } = f;
      // the artist's fixed amount takes almost everything; referral 20 % of 0.1 ETH = 0.02 ETH
      await split.write.setPayees([[{ account: artist.account.address, shareBps: 0, fixedAmount: parseEther("0.09"), fixedToken: zeroAddress }]], {
        account: organizer.account,
      });
      await split.write.setReferralShare([STANDARD, 2_000], { account: organizer.account });
      await ticket.write.purchaseWithReferrer([STANDARD, 1n, alice.account.address, carol.account.address], { account: alice.account, value: STANDARD_PRICE });
      await toSettlement(f);
      await ticket.write.settle([zeroAddress], { account: stranger.account });
      const fee = (STANDARD_PRICE * BigInt(PLATFORM_FEE_BPS)) / BPS;
      const organizerGross = STANDARD_PRICE - fee - parseEther("0.09"); // 0.0075 ETH, less than the 0.02 ETH credit
      assert.equal(await split.read.referralClaimable([carol.account.address, zeroAddress]), organizerGross);
      assert.equal(await split.read.claimable([organizer.account.address, zeroAddress]), 0n);
    });

    it("owes no referrals once the event is cancelled: buyers get their full price back", async () => {
      const f = await withReferrals();
      const { ticket, split, organizer, alice, carol } = f;
      await ticket.write.cancelEvent({ account: organizer.account });
      assert.deepEqual(await ticket.read.referral([carol.account.address, zeroAddress]), [0n, 0n]);
      await viem.assertions.balancesHaveChanged(
        ticket.write.claimRefunds([[tokenId(STANDARD, 1n), tokenId(STANDARD, 2n)], alice.account.address], { account: alice.account }),
        [{ address: alice.account.address, amount: 2n * STANDARD_PRICE }],
      );
      assert.equal(await split.read.referralClaimable([carol.account.address, zeroAddress]), 0n);
    });
  });
});
