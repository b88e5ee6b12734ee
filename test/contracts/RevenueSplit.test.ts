import assert from "node:assert/strict";
import { network } from "hardhat";
import { type Address, encodeFunctionData, getAddress, maxUint256, parseEther, zeroAddress } from "viem";
import { makeEventFixture, PLATFORM_FEE_BPS, USDC } from "./fixtures.js";

const { viem, networkHelpers } = await network.create();
const eventFixture = makeEventFixture(viem, networkHelpers);
const load = () => networkHelpers.loadFixture(eventFixture);
type Fixture = Awaited<ReturnType<typeof eventFixture>>;

/**
 * Pays into the split as its ticket contract would at settlement (impersonated): until the list is locked, only
 * the ticket may deposit. `token` is ETH (zero address) or the fixture's USDC.
 */
async function fromTicket(f: Fixture, token: Address, amount: bigint) {
  const ticket = f.ticket.address;
  await networkHelpers.impersonateAccount(ticket);
  await networkHelpers.setBalance(ticket, parseEther("1000"));
  if (token === zeroAddress) {
    await f.split.write.deposit([zeroAddress, amount], { account: ticket, value: amount });
  } else {
    await f.usdc.write.mint([ticket, amount]);
    await f.usdc.write.approve([f.split.address, amount], { account: ticket });
    await f.split.write.deposit([token, amount], { account: ticket });
  }
  await networkHelpers.stopImpersonatingAccount(ticket);
}

const FIXED = parseEther("0.05"); // the artist's guaranteed fee (ETH)
const BPS = 10_000n;

/**
 * The split's rule, written independently of the contract: what each party is owed from `received`. The platform
 * fee comes off the top; fixed amounts come next; the remainder is shared by the other bps out of 10,000 - fee.
 */
function expected(received: bigint, fixedTotal: bigint, shares: Record<string, bigint>, fixedOf: Record<string, bigint> = {}) {
  const feeBps = BigInt(PLATFORM_FEE_BPS);
  const fee = (received * feeBps) / BPS;
  const net = received - fee;
  const remainder = net > fixedTotal ? net - fixedTotal : 0n;
  const pool = BPS - feeBps;
  let allocatedBps = 0n;
  const owed: Record<string, bigint> = { platform: fee };
  let before = 0n;
  for (const [name, bps] of Object.entries(shares)) {
    const fixed = fixedOf[name] ?? 0n;
    const fixedPart = fixed === 0n ? 0n : net > before ? (net - before < fixed ? net - before : fixed) : 0n;
    before += fixed;
    owed[name] = fixedPart + (remainder * bps) / pool;
    allocatedBps += bps;
  }
  owed.organizer = remainder - (remainder * allocatedBps) / pool;
  return owed;
}

describe("RevenueSplit", () => {
  describe("payees", () => {
    it("starts with the platform payee and the organizer's payees", async () => {
      const { split, platform, artist, sponsor, organizer } = await load();
      assert.deepEqual(await split.read.payee([platform.account.address]), {
        account: getAddress(platform.account.address),
        shareBps: PLATFORM_FEE_BPS,
        fixedAmount: 0n,
        fixedToken: zeroAddress,
      });
      assert.deepEqual(await split.read.payee([artist.account.address]), {
        account: getAddress(artist.account.address),
        shareBps: 3_000,
        fixedAmount: FIXED,
        fixedToken: zeroAddress,
      });
      assert.equal((await split.read.payee([sponsor.account.address])).shareBps, 1_000);
      assert.equal((await split.read.payee([organizer.account.address])).account, zeroAddress);
      assert.equal(await split.read.locked(), false);
    });

    it("lets the organizer replace the list until the first deposit; the platform payee stays", async () => {
      const f = await load();
      const { split, organizer, artist, sponsor, alice, platform, usdc } = f;
      const next = [
        { account: alice.account.address, shareBps: 2_000, fixedAmount: 100n * USDC, fixedToken: usdc.address },
        { account: sponsor.account.address, shareBps: 500, fixedAmount: 0n, fixedToken: zeroAddress },
      ];
      const hash = split.write.setPayees([next], { account: organizer.account });
      await viem.assertions.emitWithArgs(hash, split, "PayeesSet", [
        next.map((p) => ({ ...p, account: getAddress(p.account), fixedToken: getAddress(p.fixedToken) })),
        BigInt(PLATFORM_FEE_BPS + 2_500),
      ]);
      assert.equal(await split.read.totalShareBps(), BigInt(PLATFORM_FEE_BPS + 2_500));
      assert.equal((await split.read.payee([artist.account.address])).account, zeroAddress); // replaced
      assert.equal((await split.read.payee([alice.account.address])).fixedToken, getAddress(usdc.address));
      assert.equal((await split.read.payee([sponsor.account.address])).shareBps, 500);
      assert.equal((await split.read.payee([platform.account.address])).shareBps, PLATFORM_FEE_BPS);
      // a removed payee gets nothing
      await fromTicket(f, zeroAddress, parseEther("1"));
      assert.equal(await split.read.claimable([artist.account.address, zeroAddress]), 0n);
      await viem.assertions.revertWithCustomError(split.write.setPayees([next], { account: organizer.account }), split, "RevenueSplitPayeesAreLocked");
    });

    it("refuses strangers and invalid lists", async () => {
      const { split, organizer, stranger, alice, platform } = await load();
      const p = (account: Address, shareBps: number, fixedAmount = 0n) => ({ account, shareBps, fixedAmount, fixedToken: zeroAddress });
      await viem.assertions.revertWithCustomErrorWithArgs(split.write.setPayees([[]], { account: stranger.account }), split, "RevenueSplitUnauthorized", [
        getAddress(stranger.account.address),
      ]);
      const as = { account: organizer.account };
      await viem.assertions.revertWithCustomErrorWithArgs(split.write.setPayees([[p(zeroAddress, 100)]], as), split, "RevenueSplitInvalidPayee", [zeroAddress]);
      await viem.assertions.revertWithCustomErrorWithArgs(split.write.setPayees([[p(alice.account.address, 0)]], as), split, "RevenueSplitInvalidPayee", [
        getAddress(alice.account.address),
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.setPayees([[p(alice.account.address, 1), p(alice.account.address, 1)]], as),
        split,
        "RevenueSplitDuplicatePayee",
        [getAddress(alice.account.address)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(split.write.setPayees([[p(platform.account.address, 1)]], as), split, "RevenueSplitDuplicatePayee", [
        getAddress(platform.account.address),
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.setPayees([[p(alice.account.address, 10_000 - PLATFORM_FEE_BPS + 1)]], as),
        split,
        "RevenueSplitSharesExceeded",
        [10_001n],
      );
      const many = Array.from({ length: 101 }, (_, i) => p(`0x${(0x1000 + i).toString(16).padStart(40, "0")}` as Address, 1));
      await viem.assertions.revertWithCustomErrorWithArgs(split.write.setPayees([many], as), split, "RevenueSplitTooManyPayees", [101n, 100n]);
      // exactly 100 % is fine, and so is a fixed-only payee
      await split.write.setPayees([[p(alice.account.address, 10_000 - PLATFORM_FEE_BPS), p(stranger.account.address, 0, 1n)]], as);
      assert.equal(await split.read.totalShareBps(), 10_000n);
    });
  });

  describe("deposit", () => {
    it("takes the first deposit from the event's ticket only, which locks the payee list; then anyone's", async () => {
      const f = await load();
      const { split, stranger, ticket, publicClient } = f;
      assert.equal(getAddress(await split.read.ticket()), getAddress(ticket.address));
      // nobody can freeze the organizer's list with a 1-wei deposit
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.deposit([zeroAddress, 1n], { account: stranger.account, value: 1n }),
        split,
        "RevenueSplitUnauthorized",
        [getAddress(stranger.account.address)],
      );
      // plain ETH is accepted but waits, unrecorded, until the list is locked
      await stranger.sendTransaction({ to: split.address, value: 1n });
      assert.equal(await split.read.locked(), false);
      assert.equal(await split.read.totalReceived([zeroAddress]), 0n);
      const block = await publicClient.getBlockNumber();
      await fromTicket(f, zeroAddress, 1_000n);
      const locked = await publicClient.getContractEvents({ address: split.address, abi: split.abi, eventName: "PayeesLocked", fromBlock: block });
      assert.equal(locked.length, 1);
      const deposited = await publicClient.getContractEvents({ address: split.address, abi: split.abi, eventName: "Deposited", fromBlock: block });
      assert.equal(getAddress(deposited[0]!.args.from!), getAddress(ticket.address));
      assert.equal(await split.read.locked(), true);
      assert.equal(await split.read.totalReceived([zeroAddress]), 1_000n);
      await viem.assertions.emitWithArgs(split.write.deposit([zeroAddress, 1_000n], { account: stranger.account, value: 1_000n }), split, "Deposited", [
        zeroAddress,
        getAddress(stranger.account.address),
        1_000n,
      ]);
      assert.equal(await split.read.totalReceived([zeroAddress]), 2_000n);
      // ETH sent directly is recorded by sync (with the wei sent before the lock), from address(0)
      await stranger.sendTransaction({ to: split.address, value: 500n });
      await viem.assertions.emitWithArgs(split.write.sync([zeroAddress]), split, "Deposited", [zeroAddress, zeroAddress, 501n]);
      assert.equal(await split.read.totalReceived([zeroAddress]), 2_501n);
    });

    it("refuses zero and wrong amounts", async () => {
      const { split, usdc } = await load();
      await viem.assertions.revertWithCustomError(split.write.deposit([zeroAddress, 0n]), split, "RevenueSplitZeroAmount");
      await viem.assertions.revertWithCustomErrorWithArgs(split.write.deposit([zeroAddress, 10n], { value: 9n }), split, "RevenueSplitIncorrectPayment", [
        10n,
        9n,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(split.write.deposit([usdc.address, 10n], { value: 1n }), split, "RevenueSplitIncorrectPayment", [
        0n,
        1n,
      ]);
    });

    it("pulls ERC-20s, with or without return values, and records what a fee-on-transfer token delivers", async () => {
      const f = await load();
      const { split, alice, usdc, nrt, fot } = f;
      await fromTicket(f, zeroAddress, 1n); // locks the list: anyone may deposit from now on
      await usdc.write.approve([split.address, maxUint256], { account: alice.account });
      await nrt.write.approve([split.address, maxUint256], { account: alice.account });
      await fot.write.approve([split.address, maxUint256], { account: alice.account });
      await split.write.deposit([usdc.address, 100n * USDC], { account: alice.account });
      await split.write.deposit([nrt.address, 100n * USDC], { account: alice.account });
      assert.equal(await split.read.totalReceived([usdc.address]), 100n * USDC);
      assert.equal(await split.read.totalReceived([nrt.address]), 100n * USDC);
      await viem.assertions.emitWithArgs(split.write.deposit([fot.address, 100n * USDC], { account: alice.account }), split, "Deposited", [
        getAddress(fot.address),
        getAddress(alice.account.address),
        99n * USDC,
      ]);
      assert.equal(await split.read.totalReceived([fot.address]), 99n * USDC);
    });
  });

  describe("claims", () => {
    it("pays fixed amounts first, then shares, the organizer the rest (rounded up)", async () => {
      const f = await load();
      const { split, artist, sponsor, platform, organizer } = f;
      const received = parseEther("1") + 7n; // odd wei to exercise rounding
      await fromTicket(f, zeroAddress, received);
      const owed = expected(received, FIXED, { artist: 3_000n, sponsor: 1_000n }, { artist: FIXED });
      const who = { platform, artist, sponsor, organizer };
      let total = 0n;
      for (const [name, wallet] of Object.entries(who)) {
        const c = await split.read.claimable([wallet.account.address, zeroAddress]);
        assert.equal(c, owed[name], name);
        total += c;
      }
      assert.ok(received - total >= 0n && received - total < 3n, "dust below one wei per bps payee");

      const claim = split.write.claim([zeroAddress], { account: artist.account });
      await viem.assertions.balancesHaveChanged(claim, [
        { address: artist.account.address, amount: owed.artist! },
        { address: split.address, amount: -owed.artist! },
      ]);
      await viem.assertions.emitWithArgs(claim, split, "Claimed", [
        getAddress(artist.account.address),
        zeroAddress,
        owed.artist!,
        getAddress(artist.account.address),
      ]);
      assert.equal(await split.read.released([artist.account.address, zeroAddress]), owed.artist);
      assert.equal(await split.read.totalReleased([zeroAddress]), owed.artist);
      await viem.assertions.revertWithCustomErrorWithArgs(split.write.claim([zeroAddress], { account: artist.account }), split, "RevenueSplitNothingToClaim", [
        getAddress(artist.account.address),
        zeroAddress,
      ]);
      await split.write.claim([zeroAddress], { account: organizer.account });
      assert.equal(await split.read.released([organizer.account.address, zeroAddress]), owed.organizer);
    });

    it("pays the fixed amount alone while revenue is below it, shares after", async () => {
      const f = await load();
      const { split, artist, sponsor, organizer } = f;
      await fromTicket(f, zeroAddress, FIXED / 2n);
      const first = expected(FIXED / 2n, FIXED, { artist: 3_000n, sponsor: 1_000n }, { artist: FIXED });
      assert.equal(first.artist, FIXED / 2n - first.platform!); // all of it, after the platform fee
      assert.equal(await split.read.claimable([artist.account.address, zeroAddress]), first.artist);
      assert.equal(await split.read.claimable([sponsor.account.address, zeroAddress]), 0n);
      assert.equal(await split.read.claimable([organizer.account.address, zeroAddress]), 0n);
      await split.write.claim([zeroAddress], { account: artist.account });
      const more = parseEther("1");
      await split.write.deposit([zeroAddress, more], { value: more });
      const owed = expected(FIXED / 2n + more, FIXED, { artist: 3_000n, sponsor: 1_000n }, { artist: FIXED });
      assert.equal(await split.read.claimable([artist.account.address, zeroAddress]), owed.artist! - first.artist!);
      assert.equal(await split.read.claimable([sponsor.account.address, zeroAddress]), owed.sponsor);
    });

    it("keeps currencies apart: an ETH fixed amount does not apply to USDC", async () => {
      const f = await load();
      const { split, usdc, artist, organizer } = f;
      await fromTicket(f, usdc.address, 1_000n * USDC);
      assert.equal(await split.read.claimable([artist.account.address, usdc.address]), 300n * USDC);
      assert.equal(await split.read.claimable([artist.account.address, zeroAddress]), 0n);
      await split.write.claim([usdc.address], { account: artist.account });
      assert.equal(await usdc.read.balanceOf([artist.account.address]), 300n * USDC);
      assert.equal(await split.read.released([artist.account.address, usdc.address]), 300n * USDC);
      assert.equal(await split.read.claimable([organizer.account.address, usdc.address]), 575n * USDC);
    });

    it("lets anyone pay a payee with claimFor; strangers get nothing themselves", async () => {
      const f = await load();
      const { split, sponsor, stranger } = f;
      await fromTicket(f, zeroAddress, parseEther("1"));
      const owed = await split.read.claimable([sponsor.account.address, zeroAddress]);
      await viem.assertions.balancesHaveChanged(split.write.claimFor([sponsor.account.address, zeroAddress], { account: stranger.account }), [
        { address: sponsor.account.address, amount: owed },
        { address: stranger.account.address, amount: 0n },
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.claim([zeroAddress], { account: stranger.account }),
        split,
        "RevenueSplitNothingToClaim",
        [getAddress(stranger.account.address), zeroAddress],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        split.write.claimFor([stranger.account.address, zeroAddress], { account: stranger.account }),
        split,
        "RevenueSplitNothingToClaim",
        [getAddress(stranger.account.address), zeroAddress],
      );
    });

    it("adds both parts when the organizer is also a payee", async () => {
      const f = await load();
      const { split, organizer } = f;
      await split.write.setPayees([[{ account: organizer.account.address, shareBps: 1_000, fixedAmount: 0n, fixedToken: zeroAddress }]], {
        account: organizer.account,
      });
      await fromTicket(f, zeroAddress, 10_000n);
      assert.equal(await split.read.claimable([organizer.account.address, zeroAddress]), 10_000n - 250n);
    });

    it("blocks a payee that re-enters claim from its receive hook", async () => {
      const f = await load();
      const { split, organizer } = f;
      const attacker = await viem.deployContract("ReentrantAttacker");
      await split.write.setPayees([[{ account: attacker.address, shareBps: 5_000, fixedAmount: 0n, fixedToken: zeroAddress }]], {
        account: organizer.account,
      });
      await fromTicket(f, zeroAddress, parseEther("1"));
      const claim = encodeFunctionData({ abi: split.abi, functionName: "claim", args: [zeroAddress] });
      await attacker.write.arm([split.address, claim, 0n, false]);
      await viem.assertions.revertWithCustomError(attacker.write.execute([split.address, claim, 0n]), split, "ReentrancyGuardReentrantCall");
      // swallowing the failed re-entry: paid exactly once
      await attacker.write.arm([split.address, claim, 0n, true]);
      await attacker.write.execute([split.address, claim, 0n]);
      assert.equal(await split.read.released([attacker.address, zeroAddress]), parseEther("0.5"));
      assert.equal(await split.read.claimable([attacker.address, zeroAddress]), 0n);
    });

    it("keeps claimed + claimable + dust == received through deposits and claims", async () => {
      const f = await load();
      const { split, platform, artist, sponsor, organizer, stranger } = f;
      const parties = [platform, artist, sponsor, organizer];
      await fromTicket(f, zeroAddress, 5n);
      let received = 5n;
      const amounts = [1n, 7n, FIXED - 3n, 999_999n, parseEther("0.3") + 11n, 13n];
      for (const [i, amount] of amounts.entries()) {
        await split.write.deposit([zeroAddress, amount], { account: stranger.account, value: amount });
        received += amount;
        const claimer = parties[i % parties.length]!;
        if ((await split.read.claimable([claimer.account.address, zeroAddress])) > 0n) {
          await split.write.claim([zeroAddress], { account: claimer.account });
        }
        let accounted = 0n;
        for (const p of parties) {
          accounted += (await split.read.released([p.account.address, zeroAddress])) + (await split.read.claimable([p.account.address, zeroAddress]));
        }
        const dust = received - accounted;
        assert.ok(dust >= 0n && dust < 3n, `dust ${dust}`);
        assert.equal(await split.read.totalReceived([zeroAddress]), received);
      }
    });
  });
  describe("platform fee and payments", () => {
    it("takes the platform fee off the top: a 2^96-1 fixed amount to the organizer's second wallet cannot bypass it", async () => {
      const f = await load();
      const { split, organizer, bob, platform } = f;
      const maxFixed = 2n ** 96n - 1n;
      await split.write.setPayees([[{ account: bob.account.address, shareBps: 0, fixedAmount: maxFixed, fixedToken: zeroAddress }]], {
        account: organizer.account,
      });
      const received = parseEther("1") + 7n;
      await fromTicket(f, zeroAddress, received);
      const fee = (received * BigInt(PLATFORM_FEE_BPS)) / BPS;
      assert.equal(await split.read.claimable([platform.account.address, zeroAddress]), fee);
      assert.equal(await split.read.claimable([bob.account.address, zeroAddress]), received - fee);
      assert.equal(await split.read.claimable([organizer.account.address, zeroAddress]), 0n);
      await viem.assertions.balancesHaveChanged(split.write.claim([zeroAddress], { account: platform.account }), [
        { address: platform.account.address, amount: fee },
      ]);
    });

    it("pays a claim to an address of the payee's choice (a payee that cannot receive ETH)", async () => {
      const f = await load();
      const { split, organizer, carol } = f;
      const payee = await viem.deployContract("CallerWithoutReceive");
      await split.write.setPayees([[{ account: payee.address, shareBps: 5_000, fixedAmount: 0n, fixedToken: zeroAddress }]], {
        account: organizer.account,
      });
      await fromTicket(f, zeroAddress, 10_000n);
      const owed = await split.read.claimable([payee.address, zeroAddress]);
      const toSelf = encodeFunctionData({ abi: split.abi, functionName: "claim", args: [zeroAddress] });
      await viem.assertions.revertWithCustomError(payee.write.execute([split.address, toSelf]), split, "FailedCall");
      const toZero = encodeFunctionData({ abi: split.abi, functionName: "claimTo", args: [zeroAddress, zeroAddress] });
      await viem.assertions.revertWithCustomErrorWithArgs(payee.write.execute([split.address, toZero]), split, "RevenueSplitInvalidReceiver", [zeroAddress]);
      const toCarol = encodeFunctionData({ abi: split.abi, functionName: "claimTo", args: [zeroAddress, carol.account.address] });
      const claim = payee.write.execute([split.address, toCarol]);
      await viem.assertions.balancesHaveChanged(claim, [{ address: carol.account.address, amount: owed }]);
      await viem.assertions.emitWithArgs(claim, split, "Claimed", [getAddress(payee.address), zeroAddress, owed, getAddress(carol.account.address)]);
      assert.equal(await split.read.released([payee.address, zeroAddress]), owed);
    });

    it("accepts ETH sent with the 2,300-gas stipend and records it at the next sync or claim", async () => {
      const f = await load();
      const { split, stranger, sponsor, organizer } = f;
      await split.write.setPayees([[{ account: sponsor.account.address, shareBps: 1_000, fixedAmount: 0n, fixedToken: zeroAddress }]], {
        account: organizer.account,
      });
      const payer = await viem.deployContract("StipendPayer");
      // before the list is locked it waits, unrecorded: it cannot lock the list nor be claimed
      await payer.write.pay([split.address], { account: stranger.account, value: 1_000n });
      assert.equal(await split.read.locked(), false);
      await viem.assertions.revertWithCustomError(split.write.sync([zeroAddress]), split, "RevenueSplitPayeesNotLocked");
      await fromTicket(f, zeroAddress, 9_000n);
      assert.equal(await split.read.totalReceived([zeroAddress]), 9_000n);
      await viem.assertions.emitWithArgs(split.write.sync([zeroAddress], { account: stranger.account }), split, "Deposited", [
        zeroAddress,
        zeroAddress,
        1_000n,
      ]);
      assert.equal(await split.read.totalReceived([zeroAddress]), 10_000n);
      // after the lock, a claim records what arrived since
      await payer.write.pay([split.address], { account: stranger.account, value: 10_000n });
      await viem.assertions.balancesHaveChanged(split.write.claim([zeroAddress], { account: sponsor.account }), [
        { address: sponsor.account.address, amount: 2_000n }, // 1,000 of the 9,750 bps left after the 250 bps fee
      ]);
      assert.equal(await split.read.totalReceived([zeroAddress]), 20_000n);
    });
  });
});
