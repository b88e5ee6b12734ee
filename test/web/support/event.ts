import assert from "node:assert/strict";
import { parseEther, type Address } from "viem";
import { createTestOrganization, type TestUser } from "../../support/auth.js";
import type { WebWorld } from "./world.js";

export interface WebEvent {
  organizer: TestUser & { password: string };
  organizationId: string;
  festivalId: string;
  editionId: string;
  eventContractId: string;
  ticketAddress: Address;
  splitAddress: Address;
  gateZoneId: string;
  price: bigint;
}

/** A festival with a published edition and an on-chain event (the platform's deployer on the local chain), linked. */
export async function createWebEvent(world: WebWorld, opts: { payees?: Array<{ account: Address; shareBps: number }>; name?: string } = {}): Promise<WebEvent> {
  const organizer = await world.passwordUser({ roles: ["organizer"], organizerVerified: true, displayName: "Olivia" });
  const { organizationId } = await createTestOrganization(world.db, [[organizer, "owner"]], "Soleil Events");
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await world.api.request(method, path, { headers: organizer.headers, body });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const stamp = Date.now().toString(36);
  const festival = await call("POST", `/api/v1/organizations/${organizationId}/festivals`, {
    name: opts.name ?? "Festival du Soleil",
    slug: `soleil-${stamp}`,
    description: "Trois jours de musique au bord de la Loire.",
  });
  const edition = await call("POST", `/api/v1/festivals/${festival.id}/editions`, {
    name: "2027",
    slug: "y2027",
    timezone: "Europe/Paris",
    startsAt: "2027-07-02T16:00",
    endsAt: "2027-07-05T02:00",
    status: "published",
  });
  const now = Math.floor(Date.now() / 1000);
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const price = parseEther("0.05");
  const prepared = await call("POST", `/api/v1/festivals/${festival.id}/event-contracts`, {
    deployWith: "server",
    name: `${opts.name ?? "Festival du Soleil"} 2027`,
    symbol: "SOL27",
    startsAt: iso(now - 60),
    endsAt: iso(now + 3 * 86_400),
    zones: [
      { code: "main-gate", name: "Main gate", kind: "entrance" },
      { code: "backstage", name: "Backstage", kind: "area", capacity: 50 },
    ],
    tiers: [
      { name: "STANDARD", price: price.toString(), supply: 1000, saleStart: iso(now - 60), saleEnd: iso(now + 86_400) },
      { name: "VIP", price: (price * 3n).toString(), supply: 100, saleStart: iso(now - 60), saleEnd: iso(now + 86_400), zones: ["backstage"] },
    ],
    payees: opts.payees ?? [],
  });
  await call("POST", `/api/v1/event-contracts/${prepared.id}/deploy`);
  const deadline = Date.now() + 60_000;
  let link = await call("GET", `/api/v1/event-contracts/${prepared.id}`);
  while (link.status !== "linked") {
    assert.ok(Date.now() < deadline, "the event is linked within a minute");
    await new Promise((r) => setTimeout(r, 200));
    link = await call("GET", `/api/v1/event-contracts/${prepared.id}`);
  }
  // the tiers reach the mirror with the event's block; the buyer's page reads them there
  while (!(await world.db("chain_tiers").where({ contract_address: link.ticketAddress.toLowerCase() }).first())) await new Promise((r) => setTimeout(r, 200));
  return {
    organizer,
    organizationId,
    festivalId: festival.id,
    editionId: edition.id,
    eventContractId: prepared.id,
    ticketAddress: link.ticketAddress,
    splitAddress: link.splitAddress,
    gateZoneId: link.zones.find((z: { code: string }) => z.code === "main-gate").id,
    price,
  };
}

/** A steward with the security role, assigned as a scanner of the festival. */
export async function createSteward(world: WebWorld, event: WebEvent) {
  const steward = await world.passwordUser({ roles: ["security"], displayName: "Sam" });
  const res = await world.api.post(`/api/v1/festivals/${event.festivalId}/gate/scanners`, { userId: steward.userId }, event.organizer.headers);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return steward;
}
