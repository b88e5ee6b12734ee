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
import { EditionVenue, Stage, stageDto, Venue, venueDto, type StageContext } from "./models.js";
import type { CreateStageBody, CreateVenueBody, UpdateStageBody, UpdateVenueBody } from "./schemas.js";

const VENUES: FestivalAccessRequirement = { level: "manager", scope: "venues" };

async function loadVenue(db: Knex | Knex.Transaction, venueId: string): Promise<Venue> {
  const row = await Venue.query(db).findById(venueId).whereNull("deleted_at");
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
        await insertAudited(
          trx,
          ctx,
          Venue,
          { festival_id: festivalId, ...venueColumns(body) },
          {
            entityType: "venue",
            organizationId: access.organizationId,
            festivalId,
          },
        ),
      ),
    ),
  );
}

export async function listVenues(db: Knex, principal: Principal, festivalId: string, page: PageQuery) {
  await assertFestivalAccess(db, principal, festivalId, { level: "viewer" });
  const q = Venue.query(db).where({ festival_id: festivalId }).whereNull("deleted_at");
  return paginate(q.toKnexQuery(), page, { column: "name", order: "asc" }, (row) => venueDto(Venue.fromDatabaseJson(row)));
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
        await updateAudited(trx, ctx, Venue, venueId, venueColumns(body), {
          entityType: "venue",
          organizationId: access.organizationId,
          festivalId: venue.festival_id,
        }),
      ),
    ),
  );
}

export async function deleteVenue(db: Knex, principal: Principal, ctx: AuditContext, venueId: string, hasLiveTimeSlots: HasLiveTimeSlots): Promise<void> {
  const venue = await loadVenue(db, venueId);
  const access = await assertObjectAccess(db, principal, venue.festival_id, VENUES, "venue", venueId);
  await db.transaction(async (trx) => {
    if (await hasLiveTimeSlots(trx, { venueId })) throw new HttpError(409, "venue_in_use", "the venue's stages have time slots; remove them first");
    await softDeleteAudited(trx, ctx, Venue, venueId, { entityType: "venue", organizationId: access.organizationId, festivalId: venue.festival_id });
  });
}

// ------------------------------------------------------------------ venues of an edition

export async function linkVenue(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, venueId: string) {
  const edition = await assertEditionAccess(db, principal, editionId, VENUES);
  const venue = await loadVenue(db, venueId);
  if (venue.festival_id !== edition.festivalId) throw notFound("venue", venueId);
  await db.transaction(async (trx) => {
    const existing = await EditionVenue.query(trx).where({ edition_id: editionId, venue_id: venueId }).first().select("id");
    if (existing) return; // PUT is idempotent: nothing changed, nothing to audit
    await insertAudited(
      trx,
      ctx,
      EditionVenue,
      { edition_id: editionId, venue_id: venueId },
      {
        entityType: "edition_venue",
        organizationId: edition.organizationId,
        festivalId: edition.festivalId,
      },
    );
  });
  return venueDto(venue);
}

export async function unlinkVenue(
  db: Knex,
  principal: Principal,
  ctx: AuditContext,
  editionId: string,
  venueId: string,
  hasLiveTimeSlots: HasLiveTimeSlots,
): Promise<void> {
  const edition = await assertEditionAccess(db, principal, editionId, VENUES);
  await db.transaction(async (trx) => {
    const link = await EditionVenue.query(trx).where({ edition_id: editionId, venue_id: venueId }).forUpdate().first();
    if (!link) throw notFound("edition_venue", venueId);
    if (await hasLiveTimeSlots(trx, { editionId, venueId }))
      throw new HttpError(409, "venue_in_use", "this edition has time slots on the venue's stages; remove them first");
    await EditionVenue.query(trx).deleteById(link.id);
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
  return paginate(query, page, { column: "v.name", id: "v.id", order: "asc" }, (r: Venue) => venueDto(r));
}

// ------------------------------------------------------------------ stages

/** A live stage of a live venue, and that venue. */
async function loadStage(db: Knex | Knex.Transaction, stageId: string): Promise<{ stage: Stage; venue: Venue }> {
  const stage = await Stage.query(db).withGraphJoined("venue").findById(stageId).whereNull("stages.deleted_at").whereNull("venue.deleted_at");
  if (!stage?.venue) throw notFound("stage", stageId);
  return { stage, venue: stage.venue };
}

function stageContextOf(stage: Stage, venue: Venue): StageContext {
  return { stageId: stage.id, stageName: stage.name, sortOrder: stage.sort_order, venueId: venue.id, venueName: venue.name, festivalId: venue.festival_id };
}

export async function createStage(db: Knex, principal: Principal, ctx: AuditContext, venueId: string, body: CreateStageBody) {
  const venue = await loadVenue(db, venueId);
  const access = await assertObjectAccess(db, principal, venue.festival_id, VENUES, "venue", venueId);
  return withConstraintErrors(() =>
    db.transaction(async (trx) =>
      stageDto(
        await insertAudited(
          trx,
          ctx,
          Stage,
          { venue_id: venueId, name: body.name, sort_order: body.sortOrder ?? 0, capacity: body.capacity ?? null },
          {
            entityType: "stage",
            organizationId: access.organizationId,
            festivalId: venue.festival_id,
          },
        ),
      ),
    ),
  );
}

export async function listStages(db: Knex, principal: Principal, venueId: string, page: PageQuery) {
  const venue = await loadVenue(db, venueId);
  await assertObjectAccess(db, principal, venue.festival_id, { level: "viewer" }, "venue", venueId);
  const query = db("stages").where({ venue_id: venueId }).whereNull("deleted_at");
  return paginate(query, page, { column: ["sort_order", "name"], order: "asc" }, (r: Stage) => stageDto(r));
}

export async function updateStage(db: Knex, principal: Principal, ctx: AuditContext, stageId: string, body: UpdateStageBody) {
  const { venue } = await loadStage(db, stageId);
  const access = await assertObjectAccess(db, principal, venue.festival_id, VENUES, "stage", stageId);
  const changes = definedOnly({ name: body.name, sort_order: body.sortOrder, capacity: body.capacity });
  return withConstraintErrors(() =>
    db.transaction(async (trx) =>
      stageDto(
        await updateAudited(trx, ctx, Stage, stageId, changes, {
          entityType: "stage",
          organizationId: access.organizationId,
          festivalId: venue.festival_id,
        }),
      ),
    ),
  );
}

export async function deleteStage(db: Knex, principal: Principal, ctx: AuditContext, stageId: string, hasLiveTimeSlots: HasLiveTimeSlots): Promise<void> {
  const { venue } = await loadStage(db, stageId);
  const access = await assertObjectAccess(db, principal, venue.festival_id, VENUES, "stage", stageId);
  await db.transaction(async (trx) => {
    if (await hasLiveTimeSlots(trx, { stageId })) throw new HttpError(409, "stage_in_use", "the stage has time slots; remove them first");
    await softDeleteAudited(trx, ctx, Stage, stageId, { entityType: "stage", organizationId: access.organizationId, festivalId: venue.festival_id });
  });
}

/** For the schedule module: a live stage with its venue, or null. */
export async function stageContext(db: Knex | Knex.Transaction, stageId: string): Promise<StageContext | null> {
  const loaded = await loadStage(db, stageId).catch(() => null);
  return loaded && stageContextOf(loaded.stage, loaded.venue);
}

/** For the schedule module: every stage (even deleted ones, for history) of the venues of a festival, by id. */
export async function stagesById(db: Knex | Knex.Transaction, stageIds: string[]): Promise<Map<string, StageContext>> {
  const rows = await Stage.query(db).withGraphJoined("venue").whereIn("stages.id", stageIds);
  return new Map(rows.map((s) => [s.id, stageContextOf(s, s.venue!)]));
}

/** For the schedule module: the live stages of the venues an edition uses. */
export async function stagesOfEdition(db: Knex | Knex.Transaction, editionId: string): Promise<StageContext[]> {
  const rows = await Stage.query(db)
    .withGraphJoined("venue")
    .join("edition_venues as ev", "ev.venue_id", "stages.venue_id")
    .where("ev.edition_id", editionId)
    .whereNull("stages.deleted_at")
    .whereNull("venue.deleted_at")
    .orderBy([{ column: "stages.sort_order" }, { column: "stages.name" }, { column: "stages.id" }]);
  return rows.map((s) => stageContextOf(s, s.venue!));
}
