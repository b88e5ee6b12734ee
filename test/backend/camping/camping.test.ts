import assert from "node:assert/strict";
import { createTestUser } from "../../support/auth.js";
import { call, expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { createFan, seedTicket } from "../gate/fixtures.js";
import { operationsWorld, type OperationsWorld } from "../staff/fixtures.js";

describe("camping: zones, spots, bookings by ticket holders, check-in at the camping gate", () => {
  const t = useTestApi();
  let w: OperationsWorld;
  before(async () => {
    w = await operationsWorld(t.db, t.api);
  });

  async function zoneWithSpots(opts: { requiredTierId?: number; spots?: number } = {}) {
    const zone = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${w.editionId}/camping-zones`, w.manager, {
      code: `field-${Math.random().toString(36).slice(2, 8)}`,
      name: "North field",
      ...(opts.requiredTierId ? { requiredEventContractId: w.event.eventContractId, requiredTierId: opts.requiredTierId } : {}),
    });
    const spots = await expectStatus(t.api, 201, "POST", `/api/v1/camping-zones/${zone.id}/spots`, w.manager, {
      spots: Array.from({ length: opts.spots ?? 3 }, (_, i) => ({ code: `N-${i + 1}`, kind: "tent", sizeSqm: 20, priceMinor: 4500, currency: "EUR" })),
    });
    return { zone, spots: spots.items as Array<{ id: string; price: { amountMinor: string; currency: string } }> };
  }

  it("lays out zones and spots with prices in minor units; refuses bad input", async () => {
    const { zone, spots } = await zoneWithSpots();
    assert.deepEqual(spots[0]!.price, { amountMinor: "4500", currency: "EUR" });
    const path = `/api/v1/camping-zones/${zone.id}/spots`;
    await expectProblem(t.api, { status: 409, code: "spot_code_taken" }, "POST", path, w.manager, {
      spots: [{ code: "N-1", kind: "tent", sizeSqm: 20, priceMinor: 1, currency: "EUR" }],
    });
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.spots.0.currency", "body.spots.0.priceMinor"] }, "POST", path, w.manager, {
      spots: [{ code: "N-9", kind: "tent", sizeSqm: 20, priceMinor: -1, currency: "eur" }],
    });
    await expectProblem(
      t.api,
      { status: 400, code: "invalid_input", fields: ["body.requiredEventContractId"] },
      "POST",
      `/api/v1/editions/${w.editionId}/camping-zones`,
      w.manager,
      {
        code: "bad",
        name: "Bad",
        requiredTierId: 2,
      },
    );
    const fan = await createFan(t.db);
    await expectProblem(t.api, { status: 404, code: "camping_zone_not_found" }, "POST", path, fan.user, {
      spots: [{ code: "N-8", kind: "tent", sizeSqm: 20, priceMinor: 1, currency: "EUR" }],
    });
    const listed = await expectStatus(t.api, 200, "GET", `${path}?limit=2`, fan.user);
    assert.equal(listed.items.length, 2);
    assert.equal(listed.items[0].available, true);
  });

  it("books one spot per ticket; a spot booked twice is a 409; only the ticket's holder books", async () => {
    const { zone, spots } = await zoneWithSpots();
    const fan = await createFan(t.db);
    const rival = await createFan(t.db);
    const ticket = await seedTicket(t.db, w.event, fan.address);
    const rivalTicket = await seedTicket(t.db, w.event, rival.address);
    const bookingPath = (spotId: string) => `/api/v1/camping-spots/${spotId}/bookings`;
    const booking = await expectStatus(t.api, 201, "POST", bookingPath(spots[0]!.id), fan.user, { contract: w.event.contract, tokenId: ticket.toString() });
    assert.equal(booking.status, "booked");
    assert.equal(booking.ticket.tokenId, ticket.toString());
    await expectProblem(t.api, { status: 409, code: "spot_taken" }, "POST", bookingPath(spots[0]!.id), rival.user, {
      contract: w.event.contract,
      tokenId: rivalTicket.toString(),
    });
    await expectProblem(t.api, { status: 409, code: "ticket_already_booked" }, "POST", bookingPath(spots[1]!.id), fan.user, {
      contract: w.event.contract,
      tokenId: ticket.toString(),
    });
    await expectProblem(t.api, { status: 422, code: "ticket_not_held", fields: ["body.tokenId"] }, "POST", bookingPath(spots[1]!.id), rival.user, {
      contract: w.event.contract,
      tokenId: ticket.toString(),
    });
    const available = await expectStatus(t.api, 200, "GET", `/api/v1/camping-zones/${zone.id}/spots?available=false`, fan.user);
    assert.deepEqual(
      available.items.map((s: { id: string }) => s.id),
      [spots[0]!.id],
    );

    // concurrent bookings of one spot: one wins
    const racers = await Promise.all([0, 1, 2, 3].map(() => createFan(t.db)));
    const tickets = await Promise.all(racers.map((r) => seedTicket(t.db, w.event, r.address)));
    const results = await Promise.all(
      racers.map((r, i) => call(t.api, "POST", bookingPath(spots[2]!.id), r.user, { contract: w.event.contract, tokenId: tickets[i]!.toString() })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409]);

    // cancelling frees the spot and the ticket
    const mine = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${w.editionId}/me/camping-bookings`, fan.user);
    assert.equal(mine.items.length, 1);
    await expectStatus(t.api, 200, "POST", `/api/v1/camping-bookings/${booking.id}/cancel`, fan.user);
    await expectStatus(t.api, 201, "POST", bookingPath(spots[0]!.id), rival.user, { contract: w.event.contract, tokenId: rivalTicket.toString() });
  });

  it("requires the zone's ticket type", async () => {
    const { spots } = await zoneWithSpots({ requiredTierId: 2 });
    const fan = await createFan(t.db);
    const standard = await seedTicket(t.db, w.event, fan.address, { tierId: 1 });
    const vip = await seedTicket(t.db, w.event, fan.address, { tierId: 2 });
    const refused = await expectProblem(
      t.api,
      { status: 422, code: "required_ticket_type" },
      "POST",
      `/api/v1/camping-spots/${spots[0]!.id}/bookings`,
      fan.user,
      {
        contract: w.event.contract,
        tokenId: standard.toString(),
      },
    );
    assert.deepEqual(refused.required, { eventContractId: w.event.eventContractId, tierId: 2 });
    await expectStatus(t.api, 201, "POST", `/api/v1/camping-spots/${spots[0]!.id}/bookings`, fan.user, { contract: w.event.contract, tokenId: vip.toString() });
  });

  it("checks a booking in at the camping gate: a gate scanner of the festival, once", async () => {
    const { spots } = await zoneWithSpots();
    const fan = await createFan(t.db);
    const ticket = await seedTicket(t.db, w.event, fan.address);
    const booking = await expectStatus(t.api, 201, "POST", `/api/v1/camping-spots/${spots[0]!.id}/bookings`, fan.user, {
      contract: w.event.contract,
      tokenId: ticket.toString(),
    });
    const path = `/api/v1/camping-bookings/${booking.id}/check-in`;
    await expectProblem(t.api, { status: 404, code: "camping_booking_not_found" }, "POST", path, await createTestUser(t.db));
    const first = await expectStatus(t.api, 200, "POST", path, w.event.scanner);
    assert.equal(first.verdict, "checked_in");
    assert.equal(first.booking.status, "checked_in");
    assert.equal((await expectStatus(t.api, 200, "POST", path, w.event.scanner)).verdict, "already_checked_in");
    await expectProblem(t.api, { status: 422, code: "booking_not_cancellable" }, "POST", `/api/v1/camping-bookings/${booking.id}/cancel`, fan.user);
  });
});
