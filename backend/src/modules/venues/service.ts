import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { assertFestivalAccess, type FestivalAccessRequirement } from "../festival-access/service.js";
import { insertAudited, softDeleteAudited, updateAudited } from "../audit/audited-writes.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { notFound } from "../../http/errors.js";
import { definedOnly } from "../../http/validate.js";
import { assertObjectAccess } from "../festival-access/service.js";
import { assertEditionAccess } from "../festivals/service.js";
import { stageDto, venueDto, type StageContext, type StageRow, type VenueRow } from "./models.js";
import type { CreateStageBody, CreateVenueBody, UpdateStageBody, UpdateVenueBody } from "./schemas.js";

const VENUES: FestivalAccessRequirement = { level: "manager", scope: "venues" };

async function loadVenue(db: Knex | Knex.Transaction, venueId: string): Promise<VenueRow> {
  const row = await db("venues").where({ id: venueId }).whereNull("deleted_at").first();
  if (!row) throw notFound("venue", venueId);
  return row;
}

function venueColumns(body: Partial<CreateVenueBody>) {
  return definedOnly({
    name: body.name,
    address_line1: body.addressLine1,
    address_line2: body.addressLine2,
    city: body.city,
    postal_code: body.postalCode,
    country: body.country,
    latitude: body.latitude,
    longitude: body.longitude,
  });
}

/**
 * The schedule's answer to "does anything play here?". The schedule sits above venues (it
 * reads stages), so app.ts passes its check in rather than venues importing it.
 */
export type HasLiveTimeSlots = (trx: Knex.Transaction, where: { stageId?: string; editionId?: string; venueId?: string }) => Promise<boolean>;

export async function createVenue(db: Knex, principal: Principal, ctx: AuditContext, festivalId: string, body: CreateVenueBody) {
  const access = await assertFestivalAccess(db, principal, festivalId, VENUES);
  return withConstraintErrors(() =>
    db.transaction(async (trx) =>
      venueDto(
        (await insertAudited(trx, ctx, "venues", { festival_id: festivalId, ...venueColumns(body) }, {
          entityType: "venue",
          organizationId: access.organizationId,
          festivalId,
        })) as VenueRow,
      ),
    ),
  );
}

export async function listVenues(db: Knex, principal: Principal, festivalId: string, page: PageQuery) {
  await assertFestivalAccess(db, principal, festivalId, { level: "viewer" });
  return paginate(db("venues").where({ festival_id: festivalId }).whereNull("deleted_at").select("*"), page, { column: "name", order: "asc" }, venueDto);
}

export async function getVenue(db: Knex, principal: Principal, venueId: string) {
  const venue = await loadVenue(db, venueId);
  await assertObjectAccess(db, principal, venue.festival_id, { level: "viewer" }, "venue", venueId);
  return venueDto(venue);
}

export async function updateVenue(db: Knex, principal: Principal, ctx: AuditContext, venueId: string, body: UpdateVenueBody) {
  const venue = await loadVenue(db, venueId);
  const access = await assertObjectAccess(db, principal, venue.festival_id, VENUES, "venue", venueId);
  return withConstraintErrors(() =>
    db.transaction(async (trx) =>
      venueDto(
        (await updateAudited(trx, ctx, "venues", venueId, venueColumns(body), {
          entityType: "venue",
          organizationId: access.organizationId,
          festivalId: venue.festival_id,
        })) as VenueRow,
      ),
    ),
  );
}

export async function deleteVenue(db: Knex, principal: Principal, ctx: AuditContext, venueId: string, hasLiveTimeSlots: HasLiveTimeSlots): Promise<void> {
  const venue = await loadVenue(db, venueId);
  const access = await assertObjectAccess(db, principal, venue.festival_id, VENUES, "venue", venueId);
  await db.transaction(async (trx) => {
    if (await hasLiveTimeSlots(trx, { venueId })) throw new HttpError(409, "venue_in_use", "the venue's stages have time slots; remove them first");
    await softDeleteAudited(trx, ctx, "venues", venueId, { entityType: "venue", organizationId: access.organizationId, festivalId: venue.festival_id });
  });
}

// ------------------------------------------------------------------ venues of an edition

export async function linkVenue(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, venueId: string) {
  const edition = await assertEditionAccess(db, principal, editionId, VENUES);
  const venue = await loadVenue(db, venueId);
  if (venue.festival_id !== edition.festivalId) throw notFound("venue", venueId);
  await db.transaction(async (trx) => {
    const existing = await trx("edition_venues").where({ edition_id: editionId, venue_id: venueId }).first("id");
    if (existing) return; // PUT is idempotent: nothing changed, nothing to audit
    await insertAudited(trx, ctx, "edition_venues", { edition_id: editionId, venue_id: venueId }, {
      entityType: "edition_venue",
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
    });
  });
  return venueDto(venue);
}

export async function unlinkVenue(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, venueId: string, hasLiveTimeSlots: HasLiveTimeSlots): Promise<void> {
  const edition = await assertEditionAccess(db, principal, editionId, VENUES);
  await db.transaction(async (trx) => {
    const link = await trx("edition_venues").where({ edition_id: editionId, venue_id: venueId }).forUpdate().first();
    if (!link) throw notFound("edition_venue", venueId);
    if (await hasLiveTimeSlots(trx, { editionId, venueId })) throw new HttpError(409, "venue_in_use", "this edition has time slots on the venue's stages; remove them first");
    await trx("edition_venues").where({ id: link.id }).delete();
    await recordAudit(trx, ctx, {
      action: "edition_venue.deleted",
      entityType: "edition_venue",
      entityId: link.id,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      before: link,
    });
  });
}

export async function listEditionVenues(db: Knex, principal: Principal, editionId: string, page: PageQuery) {
  await assertEditionAccess(db, principal, editionId, { level: "viewer" });
  const query = db("venues as v").join("edition_venues as ev", "ev.venue_id", "v.id").where("ev.edition_id", editionId).whereNull("v.deleted_at").select("v.*");
  return paginate(query, page, { column: "v.name", id: "v.id", order: "asc" }, (r: VenueRow) => venueDto(r));
}

// ------------------------------------------------------------------ stages

async function loadStage(db: Knex | Knex.Transaction, stageId: string): Promise<StageRow & { festival_id: string }> {
  const row = await db("stages as s")
    .join("venues as v", "v.id", "s.venue_id")
    .where("s.id", stageId)
    .whereNull("s.deleted_at")
    .whereNull("v.deleted_at")
    .first("s.*", "v.festival_id");
  if (!row) throw notFound("stage", stageId);
  return row;
}

export async function createStage(db: Knex, principal: Principal, ctx: AuditContext, venueId: string, body: CreateStageBody) {
  const venue = await loadVenue(db, venueId);
  const access = await assertObjectAccess(db, principal, venue.festival_id, VENUES, "venue", venueId);
  return withConstraintErrors(() =>
    db.transaction(async (trx) =>
      stageDto(
        (await insertAudited(trx, ctx, "stages", { venue_id: venueId, name: body.name, sort_order: body.sortOrder ?? 0, capacity: body.capacity ?? null }, {
          entityType: "stage",
          organizationId: access.organizationId,
          festivalId: venue.festival_id,
        })) as StageRow,
      ),
    ),
  );
}

export async function listStages(db: Knex, principal: Principal, venueId: string, page: PageQuery) {
  const venue = await loadVenue(db, venueId);
  await assertObjectAccess(db, principal, venue.festival_id, { level: "viewer" }, "venue", venueId);
  const query = db("stages").where({ venue_id: venueId }).whereNull("deleted_at");
  return paginate(query, page, { column: ["sort_order", "name"], order: "asc" }, (r: StageRow) => stageDto(r));
}

export async function updateStage(db: Knex, principal: Principal, ctx: AuditContext, stageId: string, body: UpdateStageBody) {
  const stage = await loadStage(db, stageId);
  const access = await assertObjectAccess(db, principal, stage.festival_id, VENUES, "stage", stageId);
  const changes = definedOnly({ name: body.name, sort_order: body.sortOrder, capacity: body.capacity });
  return withConstraintErrors(() =>
    db.transaction(async (trx) =>
      stageDto(
        (await updateAudited(trx, ctx, "stages", stageId, changes, {
          entityType: "stage",
          organizationId: access.organizationId,
          festivalId: stage.festival_id,
        })) as StageRow,
      ),
    ),
  );
}

export async function deleteStage(db: Knex, principal: Principal, ctx: AuditContext, stageId: string, hasLiveTimeSlots: HasLiveTimeSlots): Promise<void> {
  const stage = await loadStage(db, stageId);
  const access = await assertObjectAccess(db, principal, stage.festival_id, VENUES, "stage", stageId);
  await db.transaction(async (trx) => {
    if (await hasLiveTimeSlots(trx, { stageId })) throw new HttpError(409, "stage_in_use", "the stage has time slots; remove them first");
    await softDeleteAudited(trx, ctx, "stages", stageId, { entityType: "stage", organizationId: access.organizationId, festivalId: stage.festival_id });
  });
}

/** For the schedule module: a live stage with its venue, or null. */
export async function stageContext(db: Knex | Knex.Transaction, stageId: string): Promise<StageContext | null> {
  const row = await loadStage(db, stageId).catch(() => null);
  if (!row) return null;
  const venue = await db("venues").where({ id: row.venue_id }).first("name");
  return { stageId: row.id, stageName: row.name, sortOrder: row.sort_order, venueId: row.venue_id, venueName: venue.name, festivalId: row.festival_id };
}

/** For the schedule module: every stage (even deleted ones, for history) of the venues of a festival, by id. */
export async function stagesById(db: Knex | Knex.Transaction, stageIds: string[]): Promise<Map<string, StageContext>> {
  const rows = await db("stages as s")
    .join("venues as v", "v.id", "s.venue_id")
    .whereIn("s.id", stageIds)
    .select("s.id", "s.name", "s.sort_order", "s.venue_id", "v.name as venue_name", "v.festival_id");
  return new Map(
    rows.map((r) => [r.id, { stageId: r.id, stageName: r.name, sortOrder: r.sort_order, venueId: r.venue_id, venueName: r.venue_name, festivalId: r.festival_id }]),
  );
}

/** For the schedule module: the live stages of the venues an edition uses. */
export async function stagesOfEdition(db: Knex | Knex.Transaction, editionId: string): Promise<StageContext[]> {
  const rows = await db("stages as s")
    .join("venues as v", "v.id", "s.venue_id")
    .join("edition_venues as ev", "ev.venue_id", "v.id")
    .where("ev.edition_id", editionId)
    .whereNull("s.deleted_at")
    .whereNull("v.deleted_at")
    .orderBy([{ column: "s.sort_order" }, { column: "s.name" }, { column: "s.id" }])
    .select("s.id", "s.name", "s.sort_order", "s.venue_id", "v.name as venue_name", "v.festival_id");
  return rows.map((r) => ({ stageId: r.id, stageName: r.name, sortOrder: r.sort_order, venueId: r.venue_id, venueName: r.venue_name, festivalId: r.festival_id }));
}
