import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Address } from "viem";
import { expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { createFan, holderPass, seedEvent, seedTicket, type Fan, type SeededEvent } from "../gate/fixtures.js";
import { buildCashless, newTag, type CashlessFixture } from "./fixtures.js";

/** A band activated at the gate: the steward scans the holder's ticket pass and the band's tag. */
describe("cashless: a band activated at the gate by the holder's ticket pass", () => {
  const t = useTestApi();
  let c: CashlessFixture;
  let event: SeededEvent;
  let fan: Fan;
  let tokenId: bigint;
  const activate = (user: TestUser, body: Record<string, unknown>) => t.api.request("POST", "/api/v1/wristbands/activate", { headers: user.headers, body });
  const bandRows = (tagId: string) => t.db("wristbands").where({ tag_id: tagId });

  before(async () => {
    c = await buildCashless(t.db, t.api);
    event = await seedEvent(t.db);
    // the event belongs to the cashless festival's edition, and the steward scans there
    await t.db("event_contracts").where({ id: event.eventContractId }).update({ festival_id: c.festivalId, edition_id: c.editionId });
    await t.db("gate_scanners").where({ user_id: event.scanner.userId }).update({ festival_id: c.festivalId });
    fan = await createFan(t.db, "Band holder");
    tokenId = await seedTicket(t.db, event, fan.address);
  });

  it("binds the band to the ticket holder's account for the event's edition, once", async () => {
    const tagId = newTag();
    const payload = await holderPass(fan.account, event.contract, tokenId);
    const band = await expectStatus(t.api, 200, "POST", "/api/v1/wristbands/activate", event.scanner, { payload, zoneId: event.zones.gate, tagId });
    assert.equal(band.userId, fan.user.userId);
    assert.equal(band.editionId, c.editionId);
    assert.equal(band.tagId, tagId);
    const mine = await expectStatus(t.api, 200, "GET", `/api/v1/me/wristbands?editionId=${c.editionId}`, fan.user);
    assert.deepEqual(
      mine.items.map((b: { tagId: string }) => b.tagId),
      [tagId],
    );
    const audit = await t.db("audit_log").where({ entity_id: band.id, action: "wristband.linked" });
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor_user_id, event.scanner.userId);
    assert.equal(audit[0].after.via, "gate_pass");
    assert.equal(audit[0].after.ticket.tokenId, tokenId.toString());

    // the same scan again changes nothing; the pass is not an admission
    await expectStatus(t.api, 200, "POST", "/api/v1/wristbands/activate", event.scanner, { payload, zoneId: event.zones.gate, tagId });
    assert.equal((await t.db("audit_log").where({ entity_id: band.id, action: "wristband.linked" })).length, 1);
    assert.equal((await t.db("gate_check_ins").where({ token_id: tokenId.toString() })).length, 0);
  });

  it("refuses a pass that is not the holder's, expired or of a refunded ticket, and books no band", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    const cases: Array<[string, string]> = [
      ["not_holder", await holderPass(stranger, event.contract, tokenId)],
      ["expired_pass", await holderPass(fan.account, event.contract, tokenId, { seconds: -5 })],
      ["refunded", await holderPass(fan.account, event.contract, await seedTicket(t.db, event, fan.address, { refundState: "refunded" }))],
      ["malformed_pass", "FP1.not-a-pass"],
    ];
    for (const [code, payload] of cases) {
      const tagId = newTag();
      await expectProblem(t.api, { status: 422, code }, "POST", "/api/v1/wristbands/activate", event.scanner, { payload, zoneId: event.zones.gate, tagId });
      assert.equal((await bandRows(tagId)).length, 0, code);
    }
  });

  it("refuses a holder without an account, and a band someone else wears", async () => {
    const anonymous = privateKeyToAccount(generatePrivateKey());
    const anonymousTicket = await seedTicket(t.db, event, anonymous.address.toLowerCase() as Address);
    const tagId = newTag();
    await expectProblem(t.api, { status: 422, code: "holder_without_account" }, "POST", "/api/v1/wristbands/activate", event.scanner, {
      payload: await holderPass(anonymous, event.contract, anonymousTicket),
      zoneId: event.zones.gate,
      tagId,
    });
    assert.equal((await bandRows(tagId)).length, 0);

    const other = await createTestUser(t.db, { roles: ["fan"] });
    const taken = newTag();
    await expectStatus(t.api, 200, "POST", `/api/v1/editions/${c.editionId}/wristbands/link`, other, { tagId: taken });
    await expectProblem(t.api, { status: 409, code: "band_linked_elsewhere" }, "POST", "/api/v1/wristbands/activate", event.scanner, {
      payload: await holderPass(fan.account, event.contract, tokenId),
      zoneId: event.zones.gate,
      tagId: taken,
    });
    assert.equal((await bandRows(taken))[0].user_id, other.userId);
  });

  it("only a scanner of the zone's festival may activate bands", async () => {
    const res = await activate(fan.user, { payload: await holderPass(fan.account, event.contract, tokenId), zoneId: event.zones.gate, tagId: newTag() });
    assert.equal(res.status, 403, JSON.stringify(res.body));
  });
});
