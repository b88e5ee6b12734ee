import assert from "node:assert/strict";
import { network } from "hardhat";
import { getAddress, parseEventLogs, zeroAddress, zeroHash } from "viem";
import { makeEventFixture, PLATFORM_FEE_BPS } from "./fixtures.js";

const { viem, networkHelpers } = await network.create();
const eventFixture = makeEventFixture(viem, networkHelpers);

describe("EventFactory", () => {
  describe("deployment", () => {
    it("stores the implementations and the platform fee", async () => {
      const { factory, ticketImpl, splitImpl, platform, admin } = await networkHelpers.loadFixture(eventFixture);
      assert.equal(getAddress(await factory.read.ticketImplementation()), getAddress(ticketImpl.address));
      assert.equal(getAddress(await factory.read.splitImplementation()), getAddress(splitImpl.address));
      const [recipient, feeBps] = await factory.read.platformFee();
      assert.equal(getAddress(recipient), getAddress(platform.account.address));
      assert.equal(feeBps, PLATFORM_FEE_BPS);
      assert.equal(getAddress(await factory.read.defaultAdmin()), getAddress(admin.account.address));
      assert.equal(await factory.read.MAX_PLATFORM_FEE_BPS(), 1_000);
    });

    it("refuses a fee above 10 % and a fee without recipient", async () => {
      const { ticketImpl, splitImpl, admin, factory } = await networkHelpers.loadFixture(eventFixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("EventFactory", [ticketImpl.address, splitImpl.address, admin.account.address, 0, admin.account.address, 1_001]),
        factory,
        "EventFactoryFeeTooHigh",
        [1_001n, 1_000n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("EventFactory", [ticketImpl.address, splitImpl.address, admin.account.address, 0, zeroAddress, 100]),
        factory,
        "EventFactoryInvalidFeeRecipient",
        [zeroAddress],
      );
      // a zero fee needs no recipient
      const free = await viem.deployContract("EventFactory", [ticketImpl.address, splitImpl.address, admin.account.address, 0, zeroAddress, 0]);
      assert.deepEqual(await free.read.platformFee(), [zeroAddress, 0]);
    });

    it("locks the implementations: they cannot be initialised", async () => {
      const { ticketImpl, splitImpl, organizer, config } = await networkHelpers.loadFixture(eventFixture);
      await viem.assertions.revertWithCustomError(ticketImpl.write.initialize([organizer.account.address, config, []]), ticketImpl, "InvalidInitialization");
      await viem.assertions.revertWithCustomError(
        splitImpl.write.initialize([organizer.account.address, zeroAddress, 0, []]),
        splitImpl,
        "InvalidInitialization",
      );
    });
  });

  describe("createEvent", () => {
    it("deploys and initialises a ticket and a split, the caller as organizer and admin", async () => {
      const { factory, ticket, split, organizer, platform, config, createHash, publicClient } = await networkHelpers.loadFixture(eventFixture);
      await viem.assertions.emitWithArgs(createHash, factory, "EventCreated", [
        1n,
        getAddress(organizer.account.address),
        getAddress(ticket.address),
        getAddress(split.address),
        config,
        getAddress(platform.account.address),
        BigInt(PLATFORM_FEE_BPS),
      ]);
      assert.equal(await factory.read.eventCount(), 1n);
      const [t, s] = await factory.read.eventContracts([1n]);
      assert.equal(getAddress(t), getAddress(ticket.address));
      assert.equal(getAddress(s), getAddress(split.address));

      assert.equal(await ticket.read.name(), "Festival 2026");
      assert.equal(await ticket.read.symbol(), "FEST");
      assert.equal(await ticket.read.contractURI(), config.contractURI);
      assert.equal(getAddress(await ticket.read.defaultAdmin()), getAddress(organizer.account.address));
      assert.equal(getAddress(await ticket.read.split()), getAddress(split.address));
      assert.equal(await ticket.read.tierCount(), 5n);
      assert.deepEqual(await ticket.read.schedule(), [config.startsAt, config.endsAt, config.refundWindow]);
      assert.deepEqual(await ticket.read.resaleTerms(), [config.resaleCapBps, config.royaltyBps]);
      assert.equal(await ticket.read.transferPolicy(), 0);

      assert.equal(getAddress(await split.read.organizer()), getAddress(organizer.account.address));
      assert.equal(await split.read.platformShareBps(), BigInt(PLATFORM_FEE_BPS));
      assert.equal(await split.read.totalShareBps(), BigInt(PLATFORM_FEE_BPS + 3_000 + 1_000));
      const platformPayee = await split.read.payee([platform.account.address]);
      assert.equal(platformPayee.shareBps, PLATFORM_FEE_BPS);

      // the clones are minimal proxies (EIP-1167, 51 bytes with PayableClones' plain-ETH prefix) with immutable
      // arguments: the ticket's is the split address, the split's its factory and event id (to find its ticket)
      const ticketCode = await publicClient.getCode({ address: ticket.address });
      const splitCode = await publicClient.getCode({ address: split.address });
      assert.equal(splitCode?.length, 2 + (51 + 28) * 2);
      assert.ok(splitCode?.toLowerCase().startsWith("0x36600557005b363d3d373d3d3d363d73"));
      assert.ok(splitCode?.toLowerCase().endsWith(`${factory.address.slice(2).toLowerCase()}${"0".repeat(15)}1`));
      assert.equal(getAddress(await split.read.ticket()), getAddress(ticket.address));
      assert.equal(ticketCode?.length, 2 + (51 + 20) * 2);
      assert.ok(ticketCode?.toLowerCase().endsWith(split.address.slice(2).toLowerCase()));
    });

    it("emits EventCreated before every initialisation log of the new contracts", async () => {
      const { factory, ticket, split, createHash, publicClient } = await networkHelpers.loadFixture(eventFixture);
      const receipt = await publicClient.waitForTransactionReceipt({ hash: createHash });
      const [created] = parseEventLogs({ abi: factory.abi, eventName: "EventCreated", logs: receipt.logs });
      assert.ok(created);
      const childLogs = receipt.logs.filter((l) => getAddress(l.address) === getAddress(ticket.address) || getAddress(l.address) === getAddress(split.address));
      assert.ok(childLogs.length >= 7); // Initialized x2, PayeesSet, RoleGranted, TierCreated x5 ...
      for (const l of childLogs) assert.ok(l.logIndex > created.logIndex);
      const tierLogs = parseEventLogs({ abi: ticket.abi, eventName: "TierCreated", logs: receipt.logs });
      assert.equal(tierLogs.length, 5);
      assert.equal(tierLogs[0]?.args.name, "STANDARD");
      const payeeLogs = parseEventLogs({ abi: split.abi, eventName: "PayeesSet", logs: receipt.logs });
      assert.equal(payeeLogs.length, 1);
      assert.equal(payeeLogs[0]?.args.payees.length, 2);
    });

    it("cannot re-initialise the clones", async () => {
      const { ticket, split, stranger, config } = await networkHelpers.loadFixture(eventFixture);
      await viem.assertions.revertWithCustomError(
        ticket.write.initialize([stranger.account.address, config, []], { account: stranger.account }),
        ticket,
        "InvalidInitialization",
      );
      await viem.assertions.revertWithCustomError(
        split.write.initialize([stranger.account.address, zeroAddress, 0, []], { account: stranger.account }),
        split,
        "InvalidInitialization",
      );
    });

    it("numbers events and keeps their contracts apart", async () => {
      const { factory, bob, config, tiers, payees } = await networkHelpers.loadFixture(eventFixture);
      await factory.write.createEvent([config, tiers.slice(0, 1), payees], { account: bob.account });
      assert.equal(await factory.read.eventCount(), 2n);
      const [t1] = await factory.read.eventContracts([1n]);
      const [t2, s2] = await factory.read.eventContracts([2n]);
      assert.notEqual(t1, t2);
      const ticket2 = await viem.getContractAt("EventTicket", t2);
      assert.equal(getAddress(await ticket2.read.defaultAdmin()), getAddress(bob.account.address));
      assert.equal(getAddress(await ticket2.read.split()), getAddress(s2));
      assert.equal(await ticket2.read.tierCount(), 1n);
      for (const id of [0n, 3n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(factory.read.eventContracts([id]), factory, "EventFactoryUnknownEvent", [id]);
      }
    });

    it("refuses invalid event settings (bubbled from the clones)", async () => {
      const { factory, ticket, split, organizer, config, tiers, payees, alice } = await networkHelpers.loadFixture(eventFixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        factory.write.createEvent([{ ...config, endsAt: config.startsAt }, tiers, payees], { account: organizer.account }),
        ticket,
        "EventTicketInvalidSchedule",
        [BigInt(config.startsAt), BigInt(config.startsAt)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        factory.write.createEvent([{ ...config, royaltyBps: 10_001 }, tiers, payees], { account: organizer.account }),
        ticket,
        "EventTicketInvalidBps",
        [10_001n, 10_000n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        factory.write.createEvent([config, tiers, [...payees, { account: alice.account.address, shareBps: 6_000, fixedAmount: 0n, fixedToken: zeroAddress }]], {
          account: organizer.account,
        }),
        split,
        "RevenueSplitSharesExceeded",
        [BigInt(PLATFORM_FEE_BPS + 3_000 + 1_000 + 6_000)],
      );
    });

    it("gives each split the platform fee in force when the event was created", async () => {
      const { factory, admin, bob, config, tiers, payees } = await networkHelpers.loadFixture(eventFixture);
      await factory.write.setPlatformFee([bob.account.address, 1_000], { account: admin.account });
      await factory.write.createEvent([config, tiers, payees], { account: bob.account });
      const [, s2] = await factory.read.eventContracts([2n]);
      const split2 = await viem.getContractAt("RevenueSplit", s2);
      assert.equal(await split2.read.platformShareBps(), 1_000n);
      assert.equal((await split2.read.payee([bob.account.address])).shareBps, 1_000);
    });

    it("creates an event without platform payee when the fee is zero", async () => {
      const { factory, admin, bob, config, tiers } = await networkHelpers.loadFixture(eventFixture);
      await factory.write.setPlatformFee([zeroAddress, 0], { account: admin.account });
      await factory.write.createEvent([config, tiers.slice(0, 1), []], { account: bob.account });
      const [, s2] = await factory.read.eventContracts([2n]);
      const split2 = await viem.getContractAt("RevenueSplit", s2);
      assert.equal(await split2.read.totalShareBps(), 0n);
    });
  });

  describe("setPlatformFee", () => {
    it("lets the admin set the fee, capped at 10 %", async () => {
      const { factory, admin, bob } = await networkHelpers.loadFixture(eventFixture);
      await viem.assertions.emitWithArgs(factory.write.setPlatformFee([bob.account.address, 500], { account: admin.account }), factory, "PlatformFeeSet", [
        getAddress(bob.account.address),
        500n,
      ]);
      assert.deepEqual(await factory.read.platformFee(), [getAddress(bob.account.address), 500]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        factory.write.setPlatformFee([bob.account.address, 1_001], { account: admin.account }),
        factory,
        "EventFactoryFeeTooHigh",
        [1_001n, 1_000n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        factory.write.setPlatformFee([zeroAddress, 1], { account: admin.account }),
        factory,
        "EventFactoryInvalidFeeRecipient",
        [zeroAddress],
      );
    });

    it("refuses strangers", async () => {
      const { factory, stranger } = await networkHelpers.loadFixture(eventFixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        factory.write.setPlatformFee([stranger.account.address, 0], { account: stranger.account }),
        factory,
        "AccessControlUnauthorizedAccount",
        [getAddress(stranger.account.address), zeroHash],
      );
    });

    it("does not change existing events", async () => {
      const { factory, admin, bob, split } = await networkHelpers.loadFixture(eventFixture);
      await factory.write.setPlatformFee([bob.account.address, 1_000], { account: admin.account });
      assert.equal(await split.read.platformShareBps(), BigInt(PLATFORM_FEE_BPS));
    });
  });
});
