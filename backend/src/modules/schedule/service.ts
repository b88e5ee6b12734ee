import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { PartialModelObject } from "objection";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { PrecompressedBody } from "../../http/precompressed.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { artistsById } from "../artists/service.js";
import type { FestivalAccessRequirement } from "../festival-access/service.js";
import { insertAudited, softDeleteAudited, updateAudited } from "../audit/audited-writes.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { notFound } from "../../http/errors.js";
import { definedOnly } from "../../http/validate.js";
import type { EditionContext } from "../festivals/models.js";
import { assertEditionAccess, editionContext } from "../festivals/service.js";
import { parseInstant, toLocalIso } from "../time-zones/time-zones.js";
import { enqueueScheduleChangeNotifications } from "./change-job.js";
import { stageContext, stagesById, stagesOfEdition } from "../venues/service.js";
import { publishedScheduleCache } from "./cache.js";
import { publishWebhookEvent } from "../webhooks/publish.js";
import { diffSchedules, Engagement, engagementDto, performancesOf, ScheduleVersion, TimeSlot, type PublishedSchedule } from "./models.js";
import type { CreateEngagementBody, CreateTimeSlotBody, ScheduleDiff, ScheduleDocument, UpdateEngagementBody, UpdateTimeSlotBody } from "./schemas.js";
import { assertVerifiedOrganizer } from "../users/organizer-verification.js";

const SCHEDULE: FestivalAccessRequirement = { level: "manager", scope: "schedule" };

// ------------------------------------------------------------------ time slots

async function loadSlot(db: Knex | Knex.Transaction, slotId: string): Promise<TimeSlot> {
  const row = await TimeSlot.query(db).findById(slotId).whereNull("deleted_at");
  if (!row) throw notFound("time_slot", slotId);
  return row;
}

/** The slot and its edition after the caller's access check (404 for another tenant's slot). */
async function slotWithAccess(db: Knex, principal: Principal, slotId: string, required: FestivalAccessRequirement) {
  const slot = await loadSlot(db, slotId);
  try {
    return { slot, edition: await assertEditionAccess(db, principal, slot.edition_id, required) };
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw notFound("time_slot", slotId);
    throw error;
  }
}

/** 409 naming the live slot in the way (looked up after the exclusion constraint refused the write). */
async function overlapError(db: Knex, edition: EditionContext, stageId: string, startsAt: Date, endsAt: Date, selfId: string): Promise<HttpError> {
  const other = await TimeSlot.query(db)
    .where({ stage_id: stageId })
    .whereNull("deleted_at")
    .whereNot({ id: selfId })
    .whereRaw("tstzrange(starts_at, ends_at, '[)') && tstzrange(?, ?, '[)')", [startsAt, endsAt])
    .orderBy("starts_at")
    .first();
  if (!other) return new HttpError(409, "time_slot_overlap", "the slot overlaps another slot on this stage");
  const local = (d: Date) => toLocalIso(d, edition.timezone);
  return new HttpError(
    409,
    "time_slot_overlap",
    `overlaps time slot ${other.id}${other.title ? ` (${other.title})` : ""} from ${local(other.starts_at)} to ${local(other.ends_at)} on this stage`,
    [{ field: "body.startsAt", message: `overlaps time slot ${other.id}` }],
    {
      conflictingTimeSlot: {
        id: other.id,
        stageId: other.stage_id,
        title: other.title,
        startsAt: other.starts_at.toISOString(),
        startsAtLocal: local(other.starts_at),
        endsAt: other.ends_at.toISOString(),
        endsAtLocal: local(other.ends_at),
      },
    },
  );
}

function slotRules(db: Knex, edition: EditionContext, stageId: string, startsAt: Date, endsAt: Date, selfId: string) {
  return {
    ex_time_slots_no_overlap_per_stage: () => overlapError(db, edition, stageId, startsAt, endsAt, selfId),
    ck_time_slots_end_after_start: () =>
      new HttpError(422, "time_slot_ends_before_start", "a time slot ends after it starts", [{ field: "body.endsAt", message: "must be after startsAt" }]),
    ck_time_slots_within_edition: () =>
      new HttpError(
        422,
        "time_slot_outside_edition",
        `a time slot lies inside its edition (${toLocalIso(edition.startsAt, edition.timezone)} to ${toLocalIso(edition.endsAt, edition.timezone)})`,
        [{ field: "body.startsAt", message: "outside the edition's dates" }],
      ),
    ck_time_slots_stage_in_edition: () =>
      new HttpError(422, "stage_not_in_edition", "the stage is not at a venue of this edition (link the venue first)", [
        { field: "body.stageId", message: "not at a venue of this edition" },
      ]),
  };
}

/** Marks the edition's schedule as edited since the last publication (one draft row per edition). */
async function touchDraft(trx: Knex.Transaction, ctx: AuditContext, editionId: string): Promise<void> {
  await ScheduleVersion.query(trx)
    .insert({ id: newId(), edition_id: editionId, status: "draft", created_by: ctx.actorUserId, updated_by: ctx.actorUserId })
    .onConflict(trx.raw("(edition_id) where status = 'draft'"))
    .ignore();
}

async function checkStage(db: Knex, edition: EditionContext, stageId: string) {
  const stage = await stageContext(db, stageId);
  if (!stage || stage.festivalId !== edition.festivalId) {
    throw new HttpError(422, "invalid_stage", "stageId is not a stage of this festival", [{ field: "body.stageId", message: "unknown stage" }]);
  }
}

export async function createTimeSlot(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, body: CreateTimeSlotBody) {
  const edition = await assertEditionAccess(db, principal, editionId, SCHEDULE);
  await checkStage(db, edition, body.stageId);
  const startsAt = parseInstant(body.startsAt, edition.timezone, "body.startsAt");
  const endsAt = parseInstant(body.endsAt, edition.timezone, "body.endsAt");
  const id = newId();
  const row = await withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        const inserted = await insertAudited(
          trx,
          ctx,
          TimeSlot,
          {
            id,
            edition_id: editionId,
            stage_id: body.stageId,
            starts_at: startsAt,
            ends_at: endsAt,
            kind: body.kind ?? "performance",
            title: body.title ?? null,
          },
          { entityType: "time_slot", organizationId: edition.organizationId, festivalId: edition.festivalId },
        );
        await touchDraft(trx, ctx, editionId);
        return inserted;
      }),
    slotRules(db, edition, body.stageId, startsAt, endsAt, id),
  );
  return slotDto(row, edition.timezone, []);
}

export async function updateTimeSlot(db: Knex, principal: Principal, ctx: AuditContext, slotId: string, body: UpdateTimeSlotBody) {
  const { slot, edition } = await slotWithAccess(db, principal, slotId, SCHEDULE);
  if (body.stageId) await checkStage(db, edition, body.stageId);
  const startsAt = body.startsAt === undefined ? slot.starts_at : parseInstant(body.startsAt, edition.timezone, "body.startsAt");
  const endsAt = body.endsAt === undefined ? slot.ends_at : parseInstant(body.endsAt, edition.timezone, "body.endsAt");
  const stageId = body.stageId ?? slot.stage_id;
  const changes = definedOnly({
    stage_id: body.stageId,
    starts_at: body.startsAt === undefined ? undefined : startsAt,
    ends_at: body.endsAt === undefined ? undefined : endsAt,
    kind: body.kind,
    title: body.title,
  });
  const row = await withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        if (body.kind === "changeover" && (await liveEngagements(trx, [slotId])).length) {
          throw new HttpError(422, "slot_has_performances", "a slot with performances cannot become a changeover");
        }
        const updated = await updateAudited(trx, ctx, TimeSlot, slotId, changes, {
          entityType: "time_slot",
          organizationId: edition.organizationId,
          festivalId: edition.festivalId,
        });
        await touchDraft(trx, ctx, edition.editionId);
        return updated;
      }),
    slotRules(db, edition, stageId, startsAt, endsAt, slotId),
  );
  return slotDto(row, edition.timezone, await performancesFor(db, [row.id]));
}

export async function deleteTimeSlot(db: Knex, principal: Principal, ctx: AuditContext, slotId: string): Promise<void> {
  const { edition } = await slotWithAccess(db, principal, slotId, SCHEDULE);
  await db.transaction(async (trx) => {
    await TimeSlot.query(trx).findById(slotId).forUpdate().select("id");
    if ((await liveEngagements(trx, [slotId])).length) {
      throw new HttpError(409, "slot_has_performances", "the slot has performances: cancel or remove them (or move them) first");
    }
    await softDeleteAudited(trx, ctx, TimeSlot, slotId, { entityType: "time_slot", organizationId: edition.organizationId, festivalId: edition.festivalId });
    await touchDraft(trx, ctx, edition.editionId);
  });
}

export async function listTimeSlots(db: Knex, principal: Principal, editionId: string, stageId: string | undefined, page: PageQuery) {
  const edition = await assertEditionAccess(db, principal, editionId, { level: "viewer" });
  const q = TimeSlot.query(db).where({ edition_id: editionId }).whereNull("deleted_at");
  if (stageId) q.where({ stage_id: stageId });
  const result = await paginate(q.toKnexQuery(), page, { column: "starts_at", order: "asc" }, (r) => TimeSlot.fromDatabaseJson(r));
  const perf = await performancesFor(
    db,
    result.items.map((r) => r.id),
  );
  return {
    items: result.items.map((r) =>
      slotDto(
        r,
        edition.timezone,
        perf.filter((p) => p.slotId === r.id),
      ),
    ),
    nextCursor: result.nextCursor,
  };
}

function slotDto(r: TimeSlot, timezone: string, performances: Array<{ slotId: string } & ScheduleDocument["slots"][number]["performances"][number]>) {
  return {
    id: r.id,
    editionId: r.edition_id,
    stageId: r.stage_id,
    kind: r.kind,
    title: r.title,
    startsAt: r.starts_at.toISOString(),
    startsAtLocal: toLocalIso(r.starts_at, timezone),
    endsAt: r.ends_at.toISOString(),
    endsAtLocal: toLocalIso(r.ends_at, timezone),
    performances: performances.map(({ slotId: _slot, ...p }) => p),
  };
}

async function liveEngagements(db: Knex | Knex.Transaction, slotIds: string[]): Promise<Engagement[]> {
  if (slotIds.length === 0) return [];
  return Engagement.query(db).whereIn("time_slot_id", slotIds).whereNull("deleted_at").orderBy(["created_at", "id"]);
}

async function performancesFor(db: Knex | Knex.Transaction, slotIds: string[]) {
  const engagements = await liveEngagements(db, slotIds);
  const artists = await artistsById(db, [...new Set(engagements.map((e) => e.artist_id))]);
  return engagements.map((e) => ({
    slotId: e.time_slot_id,
    engagementId: e.id,
    artistId: e.artist_id,
    artistName: artists.get(e.artist_id)?.name ?? "",
    genre: artists.get(e.artist_id)?.genre ?? null,
    status: e.status,
  }));
}

// ------------------------------------------------------------------ engagements

async function checkPerformanceSlot(trx: Knex.Transaction, slotId: string, edition: EditionContext): Promise<TimeSlot> {
  const slot = await TimeSlot.query(trx).findById(slotId).whereNull("deleted_at").forShare();
  if (!slot || slot.edition_id !== edition.editionId) {
    throw new HttpError(422, "invalid_time_slot", "timeSlotId is not a slot of this edition", [{ field: "body.timeSlotId", message: "unknown slot" }]);
  }
  if (slot.kind !== "performance") throw new HttpError(422, "changeover_slot", "artists perform in performance slots, not changeovers");
  return slot;
}

const ENGAGEMENT_RULES = {
  uq_engagements_slot_artist: () => new HttpError(409, "artist_already_in_slot", "the artist is already engaged in this slot"),
};

export async function createEngagement(db: Knex, principal: Principal, ctx: AuditContext, slotId: string, body: CreateEngagementBody) {
  const { slot, edition } = await slotWithAccess(db, principal, slotId, SCHEDULE);
  const artist = (await artistsById(db, [body.artistId])).get(body.artistId);
  if (!artist || artist.deleted || artist.festivalId !== edition.festivalId) {
    throw new HttpError(422, "invalid_artist", "artistId is not an artist of this festival", [{ field: "body.artistId", message: "unknown artist" }]);
  }
  return withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        await checkPerformanceSlot(trx, slot.id, edition);
        const row = await insertAudited(
          trx,
          ctx,
          Engagement,
          { time_slot_id: slot.id, artist_id: body.artistId, notes: body.notes ?? null },
          {
            entityType: "engagement",
            organizationId: edition.organizationId,
            festivalId: edition.festivalId,
          },
        );
        await touchDraft(trx, ctx, edition.editionId);
        return engagementDto(row);
      }),
    ENGAGEMENT_RULES,
  );
}

async function engagementWithAccess(db: Knex, principal: Principal, engagementId: string, required: FestivalAccessRequirement) {
  const engagement = await Engagement.query(db).findById(engagementId).whereNull("deleted_at");
  if (!engagement) throw notFound("engagement", engagementId);
  try {
    return { engagement, ...(await slotWithAccess(db, principal, engagement.time_slot_id, required)) };
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw notFound("engagement", engagementId);
    throw error;
  }
}

export async function updateEngagement(db: Knex, principal: Principal, ctx: AuditContext, engagementId: string, body: UpdateEngagementBody) {
  const { edition } = await engagementWithAccess(db, principal, engagementId, SCHEDULE);
  return withConstraintErrors(
    () =>
      db.transaction(async (trx) => {
        if (body.timeSlotId) await checkPerformanceSlot(trx, body.timeSlotId, edition);
        const row = await updateAudited(
          trx,
          ctx,
          Engagement,
          engagementId,
          definedOnly({ time_slot_id: body.timeSlotId, status: body.status, notes: body.notes }),
          { entityType: "engagement", organizationId: edition.organizationId, festivalId: edition.festivalId },
        );
        await touchDraft(trx, ctx, edition.editionId);
        return engagementDto(row);
      }),
    ENGAGEMENT_RULES,
  );
}

export async function deleteEngagement(db: Knex, principal: Principal, ctx: AuditContext, engagementId: string): Promise<void> {
  const { edition } = await engagementWithAccess(db, principal, engagementId, SCHEDULE);
  await db.transaction(async (trx) => {
    await softDeleteAudited(trx, ctx, Engagement, engagementId, {
      entityType: "engagement",
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
    });
    await touchDraft(trx, ctx, edition.editionId);
  });
}

// ------------------------------------------------------------------ rendering

type WorkingSlot = Pick<TimeSlot, "id" | "stage_id" | "starts_at" | "ends_at" | "kind" | "title"> & {
  engagements: Array<Pick<Engagement, "id" | "artist_id" | "status">>;
};

/** The working copy (live slots and engagements) as the public document, without version. */
async function renderWorkingCopy(db: Knex | Knex.Transaction, edition: EditionContext): Promise<Omit<ScheduleDocument, "version">> {
  // One statement, so slots and their engagements come from one snapshot.
  const { rows: slots } = await db.raw<{ rows: WorkingSlot[] }>(
    `select t.id, t.stage_id, t.starts_at, t.ends_at, t.kind, t.title,
            coalesce(json_agg(json_build_object('id', e.id, 'artist_id', e.artist_id, 'status', e.status) order by e.created_at, e.id)
                     filter (where e.id is not null), '[]') as engagements
       from time_slots t
       left join engagements e on e.time_slot_id = t.id and e.deleted_at is null
      where t.edition_id = ? and t.deleted_at is null
      group by t.id
      order by t.starts_at, t.id`,
    [edition.editionId],
  );
  const stages = await stagesOfEdition(db, edition.editionId);
  const missing = slots.map((s) => s.stage_id).filter((id) => !stages.some((s) => s.stageId === id));
  if (missing.length) stages.push(...(await stagesById(db, [...new Set(missing)])).values());
  const order = new Map(stages.map((s, i) => [s.stageId, i]));
  const artists = await artistsById(db, [...new Set(slots.flatMap((s) => s.engagements.map((e) => e.artist_id)))]);
  const tz = edition.timezone;
  return {
    edition: {
      id: edition.editionId,
      festivalId: edition.festivalId,
      festivalName: edition.festivalName,
      name: edition.name,
      timezone: tz,
      startsAt: edition.startsAt.toISOString(),
      startsAtLocal: toLocalIso(edition.startsAt, tz),
      endsAt: edition.endsAt.toISOString(),
      endsAtLocal: toLocalIso(edition.endsAt, tz),
    },
    stages: stages.map((s) => ({ id: s.stageId, name: s.stageName, sortOrder: s.sortOrder, venueId: s.venueId, venueName: s.venueName })),
    slots: slots
      .sort((a, b) => a.starts_at.getTime() - b.starts_at.getTime() || order.get(a.stage_id)! - order.get(b.stage_id)!)
      .map((s) => ({
        id: s.id,
        stageId: s.stage_id,
        kind: s.kind,
        title: s.title,
        startsAt: s.starts_at.toISOString(),
        startsAtLocal: toLocalIso(s.starts_at, tz),
        endsAt: s.ends_at.toISOString(),
        endsAtLocal: toLocalIso(s.ends_at, tz),
        performances: s.engagements.map((e) => ({
          engagementId: e.id,
          artistId: e.artist_id,
          artistName: artists.get(e.artist_id)?.name ?? "",
          genre: artists.get(e.artist_id)?.genre ?? null,
          status: e.status,
        })),
      })),
  };
}

/** Raw select: the document is served as its stored text byte for byte (document::text), on the hot read path. */
async function latestPublishedRow(db: Knex | Knex.Transaction, editionId: string) {
  return db(ScheduleVersion.tableName)
    .where({ edition_id: editionId, status: "published" })
    .orderBy("number", "desc")
    .first("id", "number", "etag", "published_at", "notes", db.raw("document::text as body"));
}

function parseVersion(row: { id: string; number: number; etag: string; body: string }): PublishedSchedule {
  const document = JSON.parse(row.body) as ScheduleDocument;
  return {
    versionId: row.id,
    number: row.number,
    etag: row.etag,
    timezone: document.edition.timezone,
    body: new PrecompressedBody(Buffer.from(row.body)),
    document,
    performances: performancesOf(document),
  };
}

export async function draftView(db: Knex, principal: Principal, editionId: string) {
  const edition = await assertEditionAccess(db, principal, editionId, { level: "viewer" });
  const working = await renderWorkingCopy(db, edition);
  const latest = await latestPublishedRow(db, editionId);
  const draft = await ScheduleVersion.query(db).where({ edition_id: editionId, status: "draft" }).first().select("id", "created_at");
  const previous = latest ? parseVersion(latest) : null;
  return {
    draft: draft ? { id: draft.id, startedAt: draft.created_at.toISOString() } : null,
    latestVersion: latest?.number ?? null,
    document: { ...working, version: null },
    pendingChanges: diffSchedules(previous?.performances ?? null, performancesOf(working)),
  };
}

// ------------------------------------------------------------------ publishing

const sameContent = (a: Omit<ScheduleDocument, "version">, b: ScheduleDocument) => JSON.stringify([a.stages, a.slots]) === JSON.stringify([b.stages, b.slots]);

/**
 * Freezes the working copy as the next numbered version, with its diff from the previous
 * one, in one transaction with its audit row and (when performances moved or were cancelled)
 * the notification job. Publications of one edition are serialized by an advisory lock.
 */
export async function publishSchedule(db: Knex, principal: Principal, ctx: AuditContext, editionId: string, notes: string | undefined) {
  const edition = await assertEditionAccess(db, principal, editionId, SCHEDULE);
  await assertVerifiedOrganizer(db, principal);
  const result = await db.transaction(async (trx) => {
    await trx.raw("select pg_advisory_xact_lock(hashtextextended(?, 0))", [`schedule_publish:${editionId}`]);
    const latest = await latestPublishedRow(trx, editionId);
    const previous = latest ? parseVersion(latest) : null;
    const working = await renderWorkingCopy(trx, edition);
    if (previous && sameContent(working, previous.document)) {
      throw new HttpError(422, "nothing_to_publish", `the schedule has not changed since version ${previous.number}`);
    }
    const number = (previous?.number ?? 0) + 1;
    const publishedAt = new Date();
    const document: ScheduleDocument = {
      edition: working.edition,
      version: { number, publishedAt: publishedAt.toISOString(), notes: notes ?? null },
      stages: working.stages,
      slots: working.slots,
    };
    const body = JSON.stringify(document);
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
    const diff = diffSchedules(previous?.performances ?? null, performancesOf(document));
    const values: PartialModelObject<ScheduleVersion> = {
      status: "published",
      number,
      notes: notes ?? null,
      previous_version_id: previous?.versionId ?? null,
      document: body,
      etag,
      diff,
      published_at: publishedAt,
      published_by: ctx.actorUserId,
      updated_by: ctx.actorUserId,
    };
    const draft = await ScheduleVersion.query(trx).where({ edition_id: editionId, status: "draft" }).forUpdate().first().select("id");
    const versionId = draft?.id ?? newId();
    if (draft) await ScheduleVersion.query(trx).findById(versionId).patch(values);
    else await ScheduleVersion.query(trx).insert({ ...values, id: versionId, edition_id: editionId, created_by: ctx.actorUserId });
    await recordAudit(trx, ctx, {
      action: "schedule_version.published",
      entityType: "schedule_version",
      entityId: versionId,
      organizationId: edition.organizationId,
      festivalId: edition.festivalId,
      after: { editionId, number, etag, notes: notes ?? null, previousVersionId: previous?.versionId ?? null, changes: counts(diff) },
    });
    const notify = diff.moved.length + diff.cancelled.length > 0;
    if (notify) await enqueueScheduleChangeNotifications(trx, versionId);
    await publishWebhookEvent(trx, {
      organizationId: edition.organizationId,
      type: previous ? "schedule.changed" : "schedule.published",
      sourceKey: `schedule_version:${versionId}`,
      occurredAt: publishedAt,
      data: { festivalId: edition.festivalId, editionId, version: number, etag, notes: notes ?? null, changes: counts(diff), diff },
    });
    return { versionId, number, etag, publishedAt, diff, notify };
  });
  publishedScheduleCache.forgetLatest(editionId);
  return {
    id: result.versionId,
    number: result.number,
    publishedAt: result.publishedAt.toISOString(),
    notes: notes ?? null,
    etag: result.etag,
    changes: counts(result.diff),
    diff: result.diff,
    notificationsQueued: result.notify,
  };
}

const counts = (d: ScheduleDiff) => ({ added: d.added.length, moved: d.moved.length, cancelled: d.cancelled.length });

// ------------------------------------------------------------------ public reads

/** Attendees see an edition's versions once the edition itself is published (or archived). */
async function visibleEdition(db: Knex, editionId: string): Promise<EditionContext | null> {
  const edition = await editionContext(db, editionId);
  return edition && edition.status !== "draft" ? edition : null;
}

async function loadVersion(db: Knex, versionId: string): Promise<PublishedSchedule> {
  const cached = publishedScheduleCache.version(versionId);
  if (cached) return cached;
  // Raw select, as in latestPublishedRow: the stored text is the served body.
  const row = await db(ScheduleVersion.tableName).where({ id: versionId, status: "published" }).first("id", "number", "etag", db.raw("document::text as body"));
  const parsed = parseVersion(row);
  publishedScheduleCache.storeVersion(parsed);
  return parsed;
}

/**
 * The latest published version of a visible edition, or null. Hot path of the public
 * schedule and personal schedules: usually answered from memory without a query.
 */
export async function publishedSchedule(db: Knex, editionId: string): Promise<PublishedSchedule | null> {
  const pointer = await publishedScheduleCache.latestOrLoad(editionId, async () => {
    const edition = await visibleEdition(db, editionId);
    const latest = edition
      ? await ScheduleVersion.query(db).where({ edition_id: editionId, status: "published" }).orderBy("number", "desc").first().select("id", "number")
      : undefined;
    return edition && latest?.number ? { versionId: latest.id, number: latest.number } : null;
  });
  if (!pointer) return null;
  return loadVersion(db, pointer.versionId);
}

export async function publishedVersion(db: Knex, editionId: string, number: number): Promise<PublishedSchedule | null> {
  if (!(await visibleEdition(db, editionId))) return null;
  const row = await ScheduleVersion.query(db).where({ edition_id: editionId, status: "published", number }).first().select("id");
  return row ? loadVersion(db, row.id) : null;
}

export async function listVersions(db: Knex, editionId: string, page: PageQuery) {
  if (!(await visibleEdition(db, editionId))) throw notFound("schedule", editionId);
  const query = ScheduleVersion.query(db).where({ edition_id: editionId, status: "published" }).select("id", "number", "published_at", "notes", "etag", "diff");
  return paginate(query.toKnexQuery(), page, { column: "number", order: "desc" }, (row) => publishedVersionDto(ScheduleVersion.fromDatabaseJson(row)));
}

/** A published row has its number, time, etag and diff (ck_schedule_versions_published_complete). */
function publishedVersionDto(r: ScheduleVersion) {
  return {
    id: r.id,
    number: r.number!,
    publishedAt: r.published_at!.toISOString(),
    notes: r.notes,
    etag: r.etag!,
    changes: counts(r.diff!),
  };
}

export async function versionDiff(db: Knex, editionId: string, number: number): Promise<ScheduleDiff> {
  if (!(await visibleEdition(db, editionId))) throw notFound("schedule", editionId);
  const row = await ScheduleVersion.query(db).where({ edition_id: editionId, status: "published", number }).first().select("diff");
  if (!row?.diff) throw new HttpError(404, "schedule_version_not_found", `version ${number} not found`);
  return row.diff;
}

/** For the notification job: the edition and the performances a version moved or cancelled. */
export async function versionChanges(
  db: Knex,
  versionId: string,
): Promise<{ editionId: string; number: number; festivalName: string; diff: ScheduleDiff } | null> {
  const row = await ScheduleVersion.query(db)
    .findById(versionId)
    .where({ status: "published" })
    .select("edition_id", "number", "diff", ScheduleVersion.raw("document->'edition'->>'festivalName' as festival_name"))
    .castTo<{ edition_id: string; number: number; diff: ScheduleDiff; festival_name: string } | undefined>();
  return row ? { editionId: row.edition_id, number: row.number, festivalName: row.festival_name, diff: row.diff } : null;
}
