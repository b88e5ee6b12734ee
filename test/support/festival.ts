import type { Knex } from "knex";
import { expectStatus } from "./api-suite.js";
import { createTestOrganization, createTestUser, type TestUser } from "./auth.js";
import type { TestApi } from "./http.js";

/**
 * A festival built through the API: an organization owner, a festival, an edition (default:
 * Europe/Amsterdam, 2025-07-04 to 2025-07-07 local), one venue linked to it with `stages` stages.
 */
export interface FestivalFixture {
  owner: TestUser;
  organizationId: string;
  festivalId: string;
  editionId: string;
  venueId: string;
  stageIds: string[];
}

let counter = 0;

export async function buildFestival(
  db: Knex,
  api: TestApi,
  opts: { timezone?: string; startsAt?: string; endsAt?: string; stages?: number; publishEdition?: boolean } = {},
): Promise<FestivalFixture> {
  const n = ++counter;
  const owner = await createTestUser(db, { roles: ["organizer"], organizerVerified: true });
  const { organizationId } = await createTestOrganization(db, [[owner, "owner"]]);
  const festival = await expectStatus(api, 201, "POST", `/api/v1/organizations/${organizationId}/festivals`, owner, {
    name: `Fest ${n}`,
    slug: `fest-${n}-${Date.now()}`,
  });
  const edition = await expectStatus(api, 201, "POST", `/api/v1/festivals/${festival.id}/editions`, owner, {
    name: "2025",
    slug: "y2025",
    timezone: opts.timezone ?? "Europe/Amsterdam",
    startsAt: opts.startsAt ?? "2025-07-04T10:00",
    endsAt: opts.endsAt ?? "2025-07-07T04:00",
    status: opts.publishEdition === false ? "draft" : "published",
  });
  const venue = await expectStatus(api, 201, "POST", `/api/v1/festivals/${festival.id}/venues`, owner, {
    name: "Park",
    city: "Amsterdam",
    country: "NL",
    latitude: 52.36,
    longitude: 4.87,
  });
  await expectStatus(api, 200, "PUT", `/api/v1/editions/${edition.id}/venues/${venue.id}`, owner);
  const stageIds: string[] = [];
  for (let i = 0; i < (opts.stages ?? 2); i++) {
    const stage = await expectStatus(api, 201, "POST", `/api/v1/venues/${venue.id}/stages`, owner, { name: `Stage ${i + 1}`, sortOrder: i });
    stageIds.push(stage.id);
  }
  return { owner, organizationId, festivalId: festival.id, editionId: edition.id, venueId: venue.id, stageIds };
}

export async function createSlot(api: TestApi, f: FestivalFixture, stageIndex: number, startsAt: string, endsAt: string, title?: string) {
  return expectStatus(api, 201, "POST", `/api/v1/editions/${f.editionId}/time-slots`, f.owner, { stageId: f.stageIds[stageIndex], startsAt, endsAt, title });
}

export async function createArtist(api: TestApi, f: FestivalFixture, name: string) {
  return expectStatus(api, 201, "POST", `/api/v1/festivals/${f.festivalId}/artists`, f.owner, { name, genre: "techno" });
}

/** A performance: a slot with an artist on it. Returns the engagement id and slot id. */
export async function createPerformance(api: TestApi, f: FestivalFixture, stageIndex: number, startsAt: string, endsAt: string, artistName: string) {
  const slot = await createSlot(api, f, stageIndex, startsAt, endsAt, artistName);
  const artist = await createArtist(api, f, artistName);
  const engagement = await expectStatus(api, 201, "POST", `/api/v1/time-slots/${slot.id}/engagements`, f.owner, { artistId: artist.id });
  return { slotId: slot.id as string, engagementId: engagement.id as string, artistId: artist.id as string };
}
