import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
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
import { editionContext } from "../festivals/service.js";
import { parseInstant } from "../time-zones/time-zones.js";
import { Event, EventCategory, EventTag, Tag, categoryDto, eventDto, type EventContext } from "./models.js";
import type { CreateCategoryBody, CreateEventBody, UpdateCategoryBody, UpdateEventBody } from "./schemas.js";
import { assertVerifiedOrganizer } from "../users/organizer-verification.js";

const EDITIONS: FestivalAccessRequirement = { level: "manager", scope: "editions" };

// ------------------------------------------------------------------ categories

async function loadCategory(db: Knex, categoryId: string): Promise<EventCategory> {
  const row = await EventCategory.query(db).findById(categoryId);
  if (!row) throw notFound("event_category", categoryId);
  return row;
}

/** The parent must be a category of the same festival, and not the category or one of its descendants. */
async function checkParent(db: Knex | Knex.Transaction, festivalId: string, parentId: string | null | undefined, selfId?: string) {
  if (!parentId) return;
  const parent = await EventCategory.query(db).findById(parentId).where({ festival_id: festivalId }).select("id");
  if (!parent)
    throw new HttpError(422, "invalid_parent", "parentId is not a category of this festival", [{ field: "body.parentId", message: "unknown category" }]);
  if (!selfId) return;
  const { rows } = await db.raw(
    `with recursive up as (select id, parent_id from event_categories where id = ? union all
       select c.id, c.parent_id from event_categories c join up on c.id = up.parent_id) select 1 from up where id = ? limit 1`,
    [parentId, selfId],
  );
  if (rows.length)
    throw new HttpError(422, "category_cycle", "a category cannot sit under itself or its descendants", [
      { field: "body.parentId", message: "would make a cycle" },
    ]);
}

export async function createCategory(db: Knex, principal: Principal, ctx: AuditContext, festivalId: string, body: CreateCategoryBody) {
  const access = await assertFestivalAccess(db, principal, festivalId, EDITIONS);
  await checkParent(db, festivalId, body.parentId);
  return withConstraintErrors(() =>
    db.transaction(async (trx) => {
      const row = await insertAudited(
        trx,
        ctx,
        EventCategory,
        {
          festival_id: festivalId,
          parent_id: body.parentId ?? null,
          name: body.name,
          icon: body.icon ?? null,
          colour: body.colour ?? null,
          sort_order: body.sortOrder ?? 0,
        },
        { entityType: "event_category", organizationId: access.organizationId, festivalId },
      );
      return categoryDto(row);
    }),
  );
}

export async function listCategories(db: Knex, principal: Principal, festivalId: string, page: PageQuery) {
  await assertFestivalAccess(db, principal, festivalId, { level: "viewer" });
  return paginate(db("event_categories").where({ festival_id: festivalId }), page, { column: ["sort_order", "name"], order: "asc" }, (r: EventCategory) =>
    categoryDto(r),
  );
}

export async function updateCategory(db: Knex, principal: Principal, ctx: AuditContext, categoryId: string, body: UpdateCategoryBody) {
  const category = await loadCategory(db, categoryId);
  const access = await assertObjectAccess(db, principal, category.festival_id, EDITIONS, "event_category", categoryId);
  await checkParent(db, category.festival_id, body.parentId, categoryId);
  const changes = definedOnly({ name: body.name, parent_id: body.parentId, icon: body.icon, colour: body.colour, sort_order: body.sortOrder });
  return withConstraintErrors(() =>
    db.transaction(async (trx) => {
      const row = await updateAudited(trx, ctx, EventCategory, categoryId, changes, {
        entityType: "event_category",
        organizationId: access.organizationId,
        festivalId: category.festival_id,
      });
      return categoryDto(row);
    }),
  );
}

export async function deleteCategory(db: Knex, principal: Principal, ctx: AuditContext, categoryId: string): Promise<void> {
  const category = await loadCategory(db, categoryId);
  const access = await assertObjectAccess(db, principal, category.festival_id, EDITIONS, "event_category", categoryId);
  await withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        await EventCategory.query(trx).deleteById(categoryId);
        await recordAudit(trx, ctx, {
          action: "event_category.deleted",
          entityType: "event_category",
          entityId: categoryId,
          organizationId: access.organizationId,
          festivalId: category.festival_id,
          before: category,
        });
      }),
    { fk_event_categories_parent: () => new HttpError(409, "category_has_children", "move or delete the sub-categories first") },
  );
}

// ------------------------------------------------------------------ tags

/** Most used first, then by name. */
export async function listTags(db: Knex, principal: Principal, festivalId: string, page: PageQuery) {
  await assertFestivalAccess(db, principal, festivalId, { level: "viewer" });
  const query = Tag.query(db).where({ festival_id: festivalId });
  return paginate(query.toKnexQuery(), page, { column: [{ column: "usage_count", order: "desc" }, "name"], order: "asc" }, (r: Tag) => ({
    id: r.id,
    name: r.name,
    usageCount: r.usage_count,
  }));
}

/** Replaces an event's tags; tags are created on first use and count their uses (trigger). */
async function setTags(trx: Knex.Transaction, ctx: AuditContext, festivalId: string, eventId: string, names: string[]): Promise<void> {
  const unique = [...new Map(names.map((n) => [n.toLowerCase(), n])).values()];
  await EventTag.query(trx).where({ event_id: eventId }).delete();
  if (unique.length === 0) return;
  await Tag.query(trx)
    .insert(unique.map((name) => ({ id: newId(), festival_id: festivalId, name, created_by: ctx.actorUserId, updated_by: ctx.actorUserId })))
    .onConflict(["festival_id", "name"])
    .ignore();
  const tags = await Tag.query(trx).where({ festival_id: festivalId }).whereIn("name", unique).select("id");
  await EventTag.query(trx).insert(tags.map((t) => ({ event_id: eventId, tag_id: t.id, created_by: ctx.actorUserId })));
}

async function tagsOf(db: Knex | Knex.Transaction, eventIds: string[]): Promise<Map<string, string[]>> {
  const rows = await EventTag.query(db).withGraphJoined("tag").whereIn("event_tags.event_id", eventIds).orderBy("tag.name");
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.event_id, [...(out.get(r.event_id) ?? []), r.tag!.name]);
  return out;
}

// ------------------------------------------------------------------ events

/** A live event of a live festival, and whose festival it is. */
async function loadEvent(db: Knex | Knex.Transaction, eventId: string): Promise<{ event: Event; organizationId: string }> {
  const event = await Event.query(db).withGraphJoined("festival").findById(eventId).whereNull("events.deleted_at");
  if (!event?.festival) throw notFound("event", eventId);
  return { event, organizationId: event.festival.organization_id };
}

/** For other modules (waitlists): the live event and whose it is; null if gone. */
export async function eventContext(db: Knex | Knex.Transaction, eventId: string): Promise<EventContext | null> {
  const loaded = await loadEvent(db, eventId).catch(() => null);
  if (!loaded) return null;
  const { event, organizationId } = loaded;
  return { eventId: event.id, festivalId: event.festival_id, organizationId, name: event.name, status: event.status, soldOut: event.sold_out_at !== null };
}

async function timezoneOf(db: Knex | Knex.Transaction, festivalId: string, editionId: string | null | undefined): Promise<string> {
  if (!editionId) return "UTC";
  const edition = await editionContext(db, editionId);
  if (!edition || edition.festivalId !== festivalId) {
    throw new HttpError(422, "invalid_edition", "editionId is not an edition of this festival", [{ field: "body.editionId", message: "unknown edition" }]);
  }
  return edition.timezone;
}

async function checkCategory(db: Knex, festivalId: string, categoryId: string | null | undefined) {
  if (!categoryId) return;
  const row = await EventCategory.query(db).findById(categoryId).where({ festival_id: festivalId }).select("id");
  if (!row)
    throw new HttpError(422, "invalid_category", "categoryId is not a category of this festival", [{ field: "body.categoryId", message: "unknown category" }]);
}

const EVENT_RULES = {
  uq_events_festival_slug: () =>
    new HttpError(409, "event_slug_taken", "an event with this slug already exists", [{ field: "body.slug", message: "already taken" }]),
  ck_events_end_after_start: () =>
    new HttpError(422, "event_ends_before_start", "an event ends after it starts", [{ field: "body.endsAt", message: "must be after startsAt" }]),
};

export async function createEvent(db: Knex, principal: Principal, ctx: AuditContext, festivalId: string, body: CreateEventBody) {
  const access = await assertFestivalAccess(db, principal, festivalId, EDITIONS);
  if (body.status === "published") await assertVerifiedOrganizer(db, principal);
  const timezone = await timezoneOf(db, festivalId, body.editionId);
  await checkCategory(db, festivalId, body.categoryId);
  return withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        const row = await insertAudited(
          trx,
          ctx,
          Event,
          {
            festival_id: festivalId,
            edition_id: body.editionId ?? null,
            category_id: body.categoryId ?? null,
            name: body.name,
            slug: body.slug,
            description: body.description ?? null,
            status: body.status ?? "draft",
            capacity: body.capacity ?? null,
            starts_at: body.startsAt ? parseInstant(body.startsAt, timezone, "body.startsAt") : null,
            ends_at: body.endsAt ? parseInstant(body.endsAt, timezone, "body.endsAt") : null,
            sold_out_at: body.soldOut ? trx.fn.now() : null,
          },
          { entityType: "event", organizationId: access.organizationId, festivalId },
        );
        await setTags(trx, ctx, festivalId, row.id, body.tags ?? []);
        return eventDto(row, timezone, (await tagsOf(trx, [row.id])).get(row.id) ?? []);
      }),
    EVENT_RULES,
  );
}

export async function listEvents(
  db: Knex,
  principal: Principal,
  festivalId: string,
  filter: { editionId?: string; status?: string; tag?: string },
  page: PageQuery,
) {
  await assertFestivalAccess(db, principal, festivalId, { level: "viewer" });
  const q = Event.query(db).alias("e").where("e.festival_id", festivalId).whereNull("e.deleted_at").leftJoinRelated("edition");
  if (filter.editionId) q.where("e.edition_id", filter.editionId);
  if (filter.status) q.where("e.status", filter.status);
  if (filter.tag) q.whereExists(EventTag.query(db).joinRelated("tag").whereRaw("event_tags.event_id = e.id").where("tag.name", filter.tag));
  const result = await paginate(
    q.select("e.*", "edition.timezone").toKnexQuery(),
    page,
    { column: "e.created_at", id: "e.id", order: "desc" },
    ({ timezone, ...row }: Event & { timezone: string | null }) => ({ event: Event.fromDatabaseJson(row), timezone: timezone ?? "UTC" }),
  );
  const tags = await tagsOf(
    db,
    result.items.map((r) => r.event.id),
  );
  return { items: result.items.map(({ event, timezone }) => eventDto(event, timezone, tags.get(event.id) ?? [])), nextCursor: result.nextCursor };
}

export async function getEvent(db: Knex, principal: Principal, eventId: string) {
  const { event } = await loadEvent(db, eventId);
  await assertObjectAccess(db, principal, event.festival_id, { level: "viewer" }, "event", eventId);
  return eventDto(event, await timezoneOf(db, event.festival_id, event.edition_id), (await tagsOf(db, [eventId])).get(eventId) ?? []);
}

export async function updateEvent(db: Knex, principal: Principal, ctx: AuditContext, eventId: string, body: UpdateEventBody) {
  const { event } = await loadEvent(db, eventId);
  const access = await assertObjectAccess(db, principal, event.festival_id, EDITIONS, "event", eventId);
  if (body.status === "published" && event.status !== "published") await assertVerifiedOrganizer(db, principal);
  const editionId = body.editionId === undefined ? event.edition_id : body.editionId;
  const timezone = await timezoneOf(db, event.festival_id, editionId);
  await checkCategory(db, event.festival_id, body.categoryId);
  const changes = definedOnly({
    edition_id: body.editionId,
    category_id: body.categoryId,
    name: body.name,
    slug: body.slug,
    description: body.description,
    status: body.status,
    capacity: body.capacity,
    starts_at: body.startsAt === undefined ? undefined : body.startsAt ? parseInstant(body.startsAt, timezone, "body.startsAt") : null,
    ends_at: body.endsAt === undefined ? undefined : body.endsAt ? parseInstant(body.endsAt, timezone, "body.endsAt") : null,
    sold_out_at: body.soldOut === undefined || body.soldOut === (event.sold_out_at !== null) ? undefined : body.soldOut ? db.fn.now() : null,
  });
  return withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        const row = await updateAudited(trx, ctx, Event, eventId, changes, {
          entityType: "event",
          organizationId: access.organizationId,
          festivalId: event.festival_id,
        });
        if (body.tags) await setTags(trx, ctx, event.festival_id, eventId, body.tags);
        return eventDto(row, timezone, (await tagsOf(trx, [eventId])).get(eventId) ?? []);
      }),
    EVENT_RULES,
  );
}

export async function deleteEvent(db: Knex, principal: Principal, ctx: AuditContext, eventId: string): Promise<void> {
  const { event } = await loadEvent(db, eventId);
  const access = await assertObjectAccess(db, principal, event.festival_id, EDITIONS, "event", eventId);
  await db.transaction(async (trx) => {
    await softDeleteAudited(trx, ctx, Event, eventId, { entityType: "event", organizationId: access.organizationId, festivalId: event.festival_id });
    await setTags(trx, ctx, event.festival_id, eventId, []); // a deleted event no longer counts as a use
  });
}
