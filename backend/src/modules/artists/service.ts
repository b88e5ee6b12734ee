import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import type { AuditContext } from "../../http/audit-context.js";

import { assertFestivalAccess, type FestivalAccessRequirement } from "../festival-access/service.js";
import { insertAudited, softDeleteAudited, updateAudited } from "../audit/audited-writes.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { notFound } from "../../http/errors.js";
import { definedOnly } from "../../http/validate.js";
import { assertObjectAccess } from "../festival-access/service.js";
import { Artist, artistDto } from "./models.js";
import type { CreateArtistBody, UpdateArtistBody } from "./schemas.js";

const ARTISTS: FestivalAccessRequirement = { level: "manager", scope: "artists" };
const USER_RULES = {
  fk_artists_user: () => new HttpError(422, "invalid_user", "userId is not a user", [{ field: "body.userId", message: "unknown user" }]),
};

async function loadArtist(db: Knex | Knex.Transaction, artistId: string): Promise<Artist> {
  const row = await Artist.query(db).findById(artistId).whereNull("deleted_at");
  if (!row) throw notFound("artist", artistId);
  return row;
}

export async function createArtist(db: Knex, principal: Principal, ctx: AuditContext, festivalId: string, body: CreateArtistBody) {
  const access = await assertFestivalAccess(db, principal, festivalId, ARTISTS);
  return withConstraintErrors(
    () =>
      db.transaction(async (trx) =>
        artistDto(
          await insertAudited(
            trx,
            ctx,
            Artist,
            {
              festival_id: festivalId,
              name: body.name,
              genre: body.genre ?? null,
              bio: body.bio ?? null,
              links: body.links ?? {},
              user_id: body.userId ?? null,
            },
            { entityType: "artist", organizationId: access.organizationId, festivalId },
          ),
        ),
      ),
    USER_RULES,
  );
}

export async function listArtists(db: Knex, principal: Principal, festivalId: string, q: string | undefined, page: PageQuery) {
  await assertFestivalAccess(db, principal, festivalId, { level: "viewer" });
  const query = Artist.query(db).where({ festival_id: festivalId }).whereNull("deleted_at");
  if (q) query.whereILike("name", `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return paginate(query.toKnexQuery(), page, { column: "name", order: "asc" }, (row) => artistDto(Artist.fromDatabaseJson(row)));
}

export async function getArtist(db: Knex, principal: Principal, artistId: string) {
  const artist = await loadArtist(db, artistId);
  await assertObjectAccess(db, principal, artist.festival_id, { level: "viewer" }, "artist", artistId);
  return artistDto(artist);
}

export async function updateArtist(db: Knex, principal: Principal, ctx: AuditContext, artistId: string, body: UpdateArtistBody) {
  const artist = await loadArtist(db, artistId);
  const access = await assertObjectAccess(db, principal, artist.festival_id, ARTISTS, "artist", artistId);
  const changes = definedOnly({
    name: body.name,
    genre: body.genre,
    bio: body.bio,
    links: body.links,
    user_id: body.userId,
  });
  return withConstraintErrors(
    () =>
      db.transaction(async (trx) =>
        artistDto(
          await updateAudited(trx, ctx, Artist, artistId, changes, {
            entityType: "artist",
            organizationId: access.organizationId,
            festivalId: artist.festival_id,
          }),
        ),
      ),
    USER_RULES,
  );
}

/**
 * The schedule's answer to "is this artist still booked?". The schedule sits above artists
 * (it reads them), so app.ts passes its check in rather than artists importing it.
 */
export type HasLiveEngagements = (trx: Knex.Transaction, artistId: string) => Promise<boolean>;

export async function deleteArtist(db: Knex, principal: Principal, ctx: AuditContext, artistId: string, hasLiveEngagements: HasLiveEngagements): Promise<void> {
  const artist = await loadArtist(db, artistId);
  const access = await assertObjectAccess(db, principal, artist.festival_id, ARTISTS, "artist", artistId);
  await db.transaction(async (trx) => {
    if (await hasLiveEngagements(trx, artistId)) throw new HttpError(409, "artist_engaged", "the artist has engagements; cancel or remove them first");
    await softDeleteAudited(trx, ctx, Artist, artistId, { entityType: "artist", organizationId: access.organizationId, festivalId: artist.festival_id });
  });
}

/** For the schedule module: artists by id (deleted ones too: a published version keeps their names). */
export async function artistsById(
  db: Knex | Knex.Transaction,
  ids: string[],
): Promise<Map<string, { id: string; name: string; genre: string | null; festivalId: string; deleted: boolean }>> {
  const rows = await Artist.query(db).findByIds(ids);
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, genre: r.genre, festivalId: r.festival_id, deleted: r.deleted_at !== null }]));
}
