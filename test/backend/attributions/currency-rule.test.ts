import assert from "node:assert/strict";
import { newId } from "../../../lib/ids.js";
import { testDatabase } from "../../support/database.js";
import { seedEvent } from "../gate/fixtures.js";

const ETH = "0x0000000000000000000000000000000000000000";
const TOKEN = "0x00000000000000000000000000000000000000aa";

describe("attributions: the database holds the currency rule", () => {
  it("a fixed amount in a currency the event's tiers do not sell in is refused by Postgres, whoever writes it", async () => {
    const db = await testDatabase();
    const event = await seedEvent(db);
    await db("event_contracts")
      .where({ id: event.eventContractId })
      .update({ config: JSON.stringify({ eventConfig: {}, tiers: [{ name: "GA", currency: ETH, price: "1" }], payees: [] }) });
    const row = (currency: string) => ({
      id: newId(),
      event_contract_id: event.eventContractId,
      festival_id: event.festivalId,
      contributor_kind: "address",
      contributor_address: "0x00000000000000000000000000000000000000c1",
      contribution_type: "promotion",
      fixed_amount: "1000",
      fixed_currency: currency,
      platform_fee_bps: 250,
    });
    await db("attributions").insert(row(ETH));
    await assert.rejects(db("attributions").insert(row(TOKEN)), /ck_attributions_fixed_in_event_currency|not a currency the event's tiers sell in/);
    const stored = await db("attributions").where({ event_contract_id: event.eventContractId });
    assert.equal(stored.length, 1);
  });
});
