import assert from "node:assert/strict";
import { network } from "hardhat";
import { TIER_ID_BASE, tierOf } from "../../lib/token-ids.js";
import { testDatabase } from "../support/database.js";

describe("TIER_ID_BASE, one value in TypeScript, SQL and the contract", () => {
  it("lib/token-ids.ts equals EventTicket.TIER_ID_BASE() of a deployed contract", async () => {
    const { viem } = await network.create();
    const ticket = await viem.deployContract("EventTicket");
    assert.equal(await ticket.read.TIER_ID_BASE(), TIER_ID_BASE);
  });

  it("the SQL functions tier_id_base() and tier_of() agree with the constant", async () => {
    const db = await testDatabase();
    const { rows } = await db.raw<{ rows: Array<{ base: string; tier: string; first: string }> }>(
      "select tier_id_base()::text as base, tier_of(2000003)::text as tier, tier_of(?::numeric)::text as first",
      [(7n * TIER_ID_BASE + 1n).toString()],
    );
    assert.equal(rows[0]!.base, TIER_ID_BASE.toString());
    assert.equal(rows[0]!.tier, tierOf(2_000_003n).toString());
    assert.equal(rows[0]!.tier, "2");
    assert.equal(rows[0]!.first, "7");
  });
});
