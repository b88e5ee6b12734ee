import assert from "node:assert/strict";
import { network } from "hardhat";
import { type Address, parseEther, zeroAddress } from "viem";
import { makeEventFixture, PLATFORM_FEE_BPS } from "./fixtures.js";

const { viem, networkHelpers } = await network.create();
const eventFixture = makeEventFixture(viem, networkHelpers);
const load = () => networkHelpers.loadFixture(eventFixture);
type Fixture = Awaited<ReturnType<typeof eventFixture>>;

const FIXED = parseEther("0.05"); // the fixture artist's fixed fee (ETH), besides its 30 %
const BPS = 10_000n;

async function fromTicket(f: Fixture, amount: bigint) {
  const ticket = f.ticket.address;
  await networkHelpers.impersonateAccount(ticket);
  await networkHelpers.setBalance(ticket, parseEther("1000"));
  await f.split.write.deposit([zeroAddress, amount], { account: ticket, value: amount });
  await networkHelpers.stopImpersonatingAccount(ticket);
}

/** The rule with fixed total `fixedTotal` taken before the remainder (what the contract comment states). */
function remainderOf(received: bigint, fixedTotal: bigint) {
  const net = received - (received * BigInt(PLATFORM_FEE_BPS)) / BPS;
  return { net, remainder: net > fixedTotal ? net - fixedTotal : 0n, pool: BPS - BigInt(PLATFORM_FEE_BPS) };
}

describe("RevenueSplit: paid on performance", () => {
  async function gated() {
    const f = await load();
    await f.split.write.requirePerformance([f.artist.account.address], { account: f.organizer.account });
    await f.split.write.setPerformanceConfirmer([f.scanner.account.address], { account: f.organizer.account });
    return f;
  }
  const claimable = (f: Fixture, who: Address) => f.split.read.claimable([who, zeroAddress]);

  it("is set by the organizer alone, only for a payee with a fixed amount, only before the list is locked", async () => {
    const f = await load();
    const { split, organizer, artist, sponsor, stranger } = f;
    await viem.assertions.revertWithCustomErrorWithArgs(
      split.write.requirePerformance([artist.account.address], { account: stranger.account }),
      split,
      "RevenueSplitUnauthorized",
      [stranger.account.address],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      split.write.requirePerformance([sponsor.account.address], { account: organizer.account }),
      split,
      "RevenueSplitNoFixedAmount",
      [sponsor.account.address],
    );
    const hash = await split.write.requirePerformance([artist.account.address], { account: organizer.account });
    await viem.assertions.emitWithArgs(hash, split, "PerformanceRequired", [artist.account.address]);
    assert.equal(await split.read.performanceStatus([artist.account.address]), 1);
    await fromTicket(f, parseEther("1"));
    await viem.assertions.revertWithCustomError(
      split.write.requirePerformance([artist.account.address], { account: organizer.account }),
      split,
      "RevenueSplitPayeesAreLocked",
    );
  });

  it("holds the fixed fee back until the performance is confirmed, then pays it", async () => {
    const f = await gated();
    const { split, artist, scanner, stranger } = f;
    const received = parseEther("1");
    await fromTicket(f, received);
    const { remainder, pool } = remainderOf(received, FIXED);
    const sharePart = (remainder * 3_000n) / pool;
    assert.equal(await claimable(f, artist.account.address), sharePart, "only the 30 % while pending");
    await viem.assertions.revertWithCustomError(
      split.write.claim([zeroAddress], { account: artist.account }).then(() => split.write.claim([zeroAddress], { account: artist.account })),
      split,
      "RevenueSplitNothingToClaim",
    );

    await viem.assertions.revertWithCustomErrorWithArgs(
      split.write.confirmPerformance([artist.account.address], { account: stranger.account }),
      split,
      "RevenueSplitUnauthorized",
      [stranger.account.address],
    );
    const hash = await split.write.confirmPerformance([artist.account.address], { account: scanner.account });
    await viem.assertions.emitWithArgs(hash, split, "PerformanceConfirmed", [artist.account.address, scanner.account.address]);
    assert.equal(await split.read.performanceStatus([artist.account.address]), 2);
    assert.equal(await claimable(f, artist.account.address), FIXED, "the fixed fee, the 30 % was claimed already");
    await viem.assertions.revertWithCustomErrorWithArgs(
      split.write.cancelPerformance([artist.account.address], { account: scanner.account }),
      split,
      "RevenueSplitPerformanceNotPending",
      [artist.account.address],
    );
  });

  it("releases a cancelled performance's fee back to the split: the others' parts grow, nobody's shrinks", async () => {
    const f = await gated();
    const { split, artist, sponsor, organizer, platform } = f;
    const received = parseEther("1");
    await fromTicket(f, received);
    const before = { sponsor: await claimable(f, sponsor.account.address), organizer: await claimable(f, organizer.account.address) };
    const hash = await split.write.cancelPerformance([artist.account.address], { account: organizer.account });
    await viem.assertions.emitWithArgs(hash, split, "PerformanceCancelled", [artist.account.address, zeroAddress, FIXED, organizer.account.address]);
    assert.equal(await split.read.performanceStatus([artist.account.address]), 3);

    const { remainder, pool } = remainderOf(received, 0n);
    assert.equal(await claimable(f, artist.account.address), (remainder * 3_000n) / pool, "the artist keeps its 30 % of the larger remainder");
    const sponsorNow = await claimable(f, sponsor.account.address);
    const organizerNow = await claimable(f, organizer.account.address);
    assert.equal(sponsorNow, (remainder * 1_000n) / pool);
    assert.ok(sponsorNow > before.sponsor && organizerNow > before.organizer);
    const owed = [artist, sponsor, organizer, platform].map((w) => claimable(f, w.account.address));
    const total = (await Promise.all(owed)).reduce((a, b) => a + b, 0n);
    assert.ok(total <= received, "never more than received");
    assert.ok(received - total < 10n, "up to rounding dust");
    // everyone claims; the split holds at most the dust
    for (const w of [artist, sponsor, organizer, platform]) await split.write.claim([zeroAddress], { account: w.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      split.write.confirmPerformance([artist.account.address], { account: organizer.account }),
      split,
      "RevenueSplitPerformanceNotPending",
      [artist.account.address],
    );
  });

  it("gives what a cancelled fee fills of the waterfall to the remainder, also ahead of another fixed fee: nothing is stuck", async () => {
    const f = await load();
    const { split, organizer, artist, sponsor, alice, platform } = f;
    // alice (gated, fixed first), then the artist's fixed fee, then the sponsor's 10 %
    await split.write.setPayees(
      [
        [
          { account: alice.account.address, shareBps: 0, fixedAmount: FIXED, fixedToken: zeroAddress },
          { account: artist.account.address, shareBps: 0, fixedAmount: FIXED, fixedToken: zeroAddress },
          { account: sponsor.account.address, shareBps: 1_000, fixedAmount: 0n, fixedToken: zeroAddress },
        ],
      ],
      { account: organizer.account },
    );
    await split.write.requirePerformance([alice.account.address], { account: organizer.account });
    const received = parseEther("0.08"); // less than both fixed fees after the platform fee
    await fromTicket(f, received);
    await split.write.cancelPerformance([alice.account.address], { account: organizer.account });
    const { net, pool } = remainderOf(received, 0n);
    const artistPart = net - FIXED; // the artist keeps its place behind alice's 0.05
    const remainder = FIXED; // alice's fill goes to the remainder
    assert.equal(await claimable(f, artist.account.address), artistPart);
    assert.equal(await claimable(f, sponsor.account.address), (remainder * 1_000n) / pool);
    assert.equal(await claimable(f, alice.account.address), 0n);
    const owed = await Promise.all([artist, sponsor, organizer, platform, alice].map((w) => claimable(f, w.account.address)));
    const total = owed.reduce((a, b) => a + b, 0n);
    assert.ok(received - total < 3n, `only rounding stays: ${received - total}`);
  });

  it("changes nothing for payees whose fee is not gated", async () => {
    const f = await load();
    const received = parseEther("1");
    await fromTicket(f, received);
    const { remainder, pool } = remainderOf(received, FIXED);
    assert.equal(await claimable(f, f.artist.account.address), FIXED + (remainder * 3_000n) / pool);
    assert.equal(await f.split.read.performanceStatus([f.artist.account.address]), 0);
  });
});
