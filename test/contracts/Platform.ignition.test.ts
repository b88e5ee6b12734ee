import assert from "node:assert/strict";
import { network } from "hardhat";
import { getAddress } from "viem";
import PlatformModule from "../../ignition/modules/Platform.js";

const { ignition, viem } = await network.create();

describe("Ignition module Platform", () => {
  it("deploys the implementations and the factory, the deployer as admin and fee recipient by default", async () => {
    const [deployer] = await viem.getWalletClients();
    const { factory, ticketImplementation, splitImplementation } = await ignition.deploy(PlatformModule);
    assert.equal(getAddress(await factory.read.ticketImplementation()), getAddress(ticketImplementation.address));
    assert.equal(getAddress(await factory.read.splitImplementation()), getAddress(splitImplementation.address));
    assert.equal(getAddress(await factory.read.defaultAdmin()), getAddress(deployer!.account.address));
    assert.deepEqual(await factory.read.platformFee(), [getAddress(deployer!.account.address), 250]);
  });

  it("takes the fee and its recipient as parameters", async () => {
    const [, , recipient] = await viem.getWalletClients();
    const { factory } = await ignition.deploy(PlatformModule, {
      parameters: { Platform: { platformFeeRecipient: recipient!.account.address, platformFeeBps: 400 } },
    });
    assert.deepEqual(await factory.read.platformFee(), [getAddress(recipient!.account.address), 400]);
  });
});
