import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import type { AuditContext } from "../../http/audit-context.js";

import { accessibleFestivalIds, assertFestivalAccess, type FestivalAccessRequirement } from "../festival-access/service.js";
import { assertOrganizationAccess } from "../organizations/access.js";
import { insertAudited, softDeleteAudited, updateAudited } from "../audit/audited-writes.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { notFound } from "../../http/errors.js";
import { definedOnly } from "../../http/validate.js";
import { Edition, editionDto, Festival, festivalDto, type EditionContext } from "./models.js";
import type { CreateEditionBody, CreateFestivalBody, UpdateEditionBody, UpdateFestivalBody } from "./schemas.js";
import { parseInstant } from "../time-zones/time-zones.js";
import { assertVerifiedOrganizer } from "../users/organizer-verification.js";

const slugTaken = (what: string) => () =>
  new HttpError(409, `${what}_slug_taken`, `a ${what} with this slug already exists`, [{ field: "body.slug", message: "already taken" }]);

// ------------------------------------------------------------------ festivals

export async function createFestival(db: Knex, principal: Principal, ctx: AuditContext, organizationId: string, body: CreateFestivalBody) {
  await assertOrganizationAccess(db, principal, organizationId, "admin");
  return withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        const row = await insertAudited(
          trx,
          ctx,
          Festival,
          {
            organization_id: organizationId,
            name: body.name,
            slug: body.slug,
            description: body.description ?? null,
            images: body.images ?? [],
            links: body.links ?? {},
          },
          { entityType: "festival", organizationId, festivalId: null },
        );
        return festivalDto(row);
      }),
    { uq_festivals_organization_slug: slugTaken("festival") },
  );
}

export async function listFestivals(db: Knex, principal: Principal, page: PageQuery, organizationId?: string) {
  const q = Festival.query(db)
    .whereIn("id", accessibleFestivalIds(db, principal, { level: "viewer" }))
    .whereNull("deleted_at");
  if (organizationId) q.where({ organization_id: organizationId });
  return paginate(q.toKnexQuery(), page, { column: "created_at", order: "desc" }, (row) => festivalDto(Festival.fromDatabaseJson(row)));
}

export async function getFestival(db: Knex, principal: Principal, festivalId: string) {
  await assertFestivalAccess(db, principal, festivalId, { level: "viewer" });
  const row = await Festival.query(db).findById(festivalId).whereNull("deleted_at");
  if (!row) throw notFound("festival", festivalId);
  return festivalDto(row);
}

export async function updateFestival(db: Knex, principal: Principal, ctx: AuditContext, festivalId: string, body: UpdateFestivalBody) {
  const access = await assertFestivalAccess(db, principal, festivalId, { level: "manager", scope: "all" });
  const changes = definedOnly({
    name: body.name,
    slug: body.slug,
    description: body.description,
    images: body.images,
    links: body.links,
  });
  return withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        const row = await updateAudited(trx, ctx, Festival, festivalId, changes, {
          entityType: "festival",
          organizationId: access.organizationId,
          festivalId,
        });
        return festivalDto(row);
      }),
    { uq_festivals_organization_slug: slugTaken("festival") },
  );
}

export async function deleteFestival(db: Knex, principal: Principal, ctx: AuditContext, festivalId: string): Promise<void> {
  const access = await assertFestivalAccess(db, principal, festivalId, { level: "administrator", scope: "all" });
  await db.transaction((trx) =>
    softDeleteAudited(trx, ctx, Festival, festivalId, { entityType: "festival", organizationId: access.organizationId, festivalId }),
  );
}

// ------------------------------------------------------------------ editions

/** The edition and its festival (both live), for any module that works under an edition; null if gone. */
export async function editionContext(db: Knex | Knex.Transaction, editionId: string): Promise<EditionContext | null> {
  const row = await Edition.query(db).withGraphJoined("festival").findById(editionId).whereNull("editions.deleted_at").whereNull("festival.deleted_at");
  if (!row?.festival) return null;
  return {
    editionId: row.id,
    festivalId: row.festival_id,
    organizationId: row.festival.organization_id,
    name: row.name,
    timezone: row.timezone,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    status: row.status,
    festivalName: row.festival.name,
  };
}

/** The edition, after checking the caller's festival access (404 for no access or no edition). */
export async function assertEditionAccess(
  db: Knex | Knex.Transaction,
  principal: Principal,
  editionId: string,
  required: FestivalAccessRequirement,
): Promise<EditionContext> {
  const edition = await editionContext(db, editionId);
  if (!edition) throw notFound("edition", editionId);
  try {
    await assertFestivalAccess(db, principal, edition.festivalId, required);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw notFound("edition", editionId);
    throw error;
  }
  return edition;
}

const EDITION_RULES = {
  ck_editions_end_after_start: () =>
    new HttpError(422, "edition_ends_before_start", "an edition ends after it starts", [{ field: "body.endsAt", message: "must be after startsAt" }]),
  ck_editions_contain_time_slots: () =>
    new HttpError(422, "edition_dates_exclude_time_slots", "the new dates leave some time slots outside the edition; move them first"),
  uq_editions_festival_slug: slugTaken("edition"),
};

export async function createEdition(db: Knex, principal: Principal, ctx: AuditContext, festivalId: string, body: CreateEditionBody) {
  const access = await assertFestivalAccess(db, principal, festivalId, { level: "manager", scope: "editions" });
  if (body.status === "published") await assertVerifiedOrganizer(db, principal);
  const startsAt = parseInstant(body.startsAt, body.timezone, "body.startsAt");
  const endsAt = parseInstant(body.endsAt, body.timezone, "body.endsAt");
  return withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        const row = await insertAudited(
          trx,
          ctx,
          Edition,
          {
            festival_id: festivalId,
            name: body.name,
            slug: body.slug,
            timezone: body.timezone,
            starts_at: startsAt,
            ends_at: endsAt,
            ticket_url: body.ticketUrl ?? null,
            status: body.status ?? "draft",
          },
          { entityType: "edition", organizationId: access.organizationId, festivalId },
        );
        return editionDto(row);
      }),
    EDITION_RULES,
  );
}

export async function listEditions(db: Knex, principal: Principal, festivalId: string, page: PageQuery) {
  await assertFestivalAccess(db, principal, festivalId, { level: "viewer" });
  const q = Edition.query(db).where({ festival_id: festivalId }).whereNull("deleted_at");
  return paginate(q.toKnexQuery(), page, { column: "starts_at", order: "desc" }, (row) => editionDto(Edition.fromDatabaseJson(row)));
}

/**
 * What anyone may browse: published editions of festivals that are not deleted, soonest first,
 * each with its festival's name and description (a fan's first page; no sign-in).
 */
export async function listPublicEditions(db: Knex, page: PageQuery) {
  const q = Edition.query(db)
    .alias("e")
    .join("festivals as f", "f.id", "e.festival_id")
    .where("e.status", "published")
    .whereNull("e.deleted_at")
    .whereNull("f.deleted_at")
    .select("e.*", "f.name as festival_name", "f.description as festival_description");
  return paginate(q.toKnexQuery(), page, { column: "e.starts_at", id: "e.id", order: "asc" }, (row: Record<string, unknown>) => ({
    ...editionDto(Edition.fromDatabaseJson(row)),
    festivalName: row.festival_name as string,
    festivalDescription: (row.festival_description as string | null) ?? null,
  }));
}

/** One published edition (404 for a draft, archived or deleted one, as for one that does not exist). */
export async function getPublicEdition(db: Knex, editionId: string) {
  const row = await Edition.query(db)
    .alias("e")
    .join("festivals as f", "f.id", "e.festival_id")
    .where({ "e.id": editionId, "e.status": "published" })
    .whereNull("e.deleted_at")
    .whereNull("f.deleted_at")
    .first()
    .select("e.*", "f.name as festival_name", "f.description as festival_description");
  if (!row) throw notFound("edition", editionId);
  const extra = row as unknown as { festival_name: string; festival_description: string | null };
  return { ...editionDto(row), festivalName: extra.festival_name, festivalDescription: extra.festival_description ?? null };
}

export async function getEdition(db: Knex, principal: Principal, editionId: string) {
  await assertEditionAccess(db, principal, editionId, { level: "viewer" });
  return editionDto((await Edition.query(db).findById(editionId))!);
}

export async function updateEdition(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, body: UpdateEditionBody) {
  const edition = await assertEditionAccess(db, principal, editionId, { level: "manager", scope: "editions" });
  if (body.status === "published" && edition.status !== "published") await assertVerifiedOrganizer(db, principal);
  const timezone = body.timezone ?? edition.timezone;
  const changes = definedOnly({
    name: body.name,
    slug: body.slug,
    timezone: body.timezone,
    starts_at: body.startsAt === undefined ? undefined : parseInstant(body.startsAt, timezone, "body.startsAt"),
    ends_at: body.endsAt === undefined ? undefined : parseInstant(body.endsAt, timezone, "body.endsAt"),
    ticket_url: body.ticketUrl,
    status: body.status,
  });
  return withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        const row = await updateAudited(trx, ctx, Edition, editionId, changes, {
          entityType: "edition",
          organizationId: edition.organizationId,
          festivalId: edition.festivalId,
        });
        return editionDto(row);
      }),
    EDITION_RULES,
  );
}

export async function deleteEdition(db: Knex, principal: Principal, ctx: AuditContext, editionId: string): Promise<void> {
  const edition = await assertEditionAccess(db, principal, editionId, { level: "manager", scope: "editions" });
  await db.transaction((trx) =>
    softDeleteAudited(trx, ctx, Edition, editionId, { entityType: "edition", organizationId: edition.organizationId, festivalId: edition.festivalId }),
  );
}
