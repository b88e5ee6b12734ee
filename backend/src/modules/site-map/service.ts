import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError, notFound } from "../../http/errors.js";
import { definedOnly } from "../../http/validate.js";
import { insertAudited, softDeleteAudited, updateAudited } from "../audit/audited-writes.js";
import type { FestivalAccessRequirement } from "../festival-access/service.js";
import type { EditionContext } from "../festivals/models.js";
import { assertEditionAccess, editionContext } from "../festivals/service.js";
import { MapPoint, pointDto, pointFeature, type MapCategory } from "./models.js";
import type { CreateMapPointBody, UpdateMapPointBody } from "./schemas.js";

/** Editing the map: festival manager with the editions scope (as staff and camping). */
const MANAGE_MAP: FestivalAccessRequirement = { level: "manager", scope: "editions" };
/** The whole map of an edition in one answer: a site has hundreds of points, not millions. */
const MAX_POINTS = 5_000;

const target = (edition: EditionContext) => ({ entityType: "map_point", organizationId: edition.organizationId, festivalId: edition.festivalId });

export class SiteMapService {
  constructor(private readonly db: Knex) {}

  async create(principal: Principal, ctx: AuditContext, editionId: string, body: CreateMapPointBody) {
    const edition = await assertEditionAccess(this.db, principal, editionId, MANAGE_MAP);
    return this.db.transaction(async (trx) =>
      pointDto(
        await insertAudited(
          trx,
          ctx,
          MapPoint,
          {
            edition_id: editionId,
            category: body.category,
            name: body.name,
            description: body.description ?? null,
            longitude: body.longitude,
            latitude: body.latitude,
            opening_hours: body.openingHours ?? [],
          },
          target(edition),
        ),
      ),
    );
  }

  private async pointFor(principal: Principal, pointId: string) {
    const point = await MapPoint.query(this.db).findById(pointId).whereNull("deleted_at");
    if (!point) throw notFound("map_point", pointId);
    const edition = await assertEditionAccess(this.db, principal, point.edition_id, MANAGE_MAP).catch((error) => {
      throw error instanceof HttpError && error.status === 404 ? notFound("map_point", pointId) : error;
    });
    return { point, edition };
  }

  async update(principal: Principal, ctx: AuditContext, pointId: string, body: UpdateMapPointBody) {
    const { edition } = await this.pointFor(principal, pointId);
    const changes = definedOnly({
      category: body.category,
      name: body.name,
      description: body.description,
      longitude: body.longitude,
      latitude: body.latitude,
      opening_hours: body.openingHours,
    });
    return this.db.transaction(async (trx) => pointDto(await updateAudited(trx, ctx, MapPoint, pointId, changes, target(edition))));
  }

  async remove(principal: Principal, ctx: AuditContext, pointId: string): Promise<void> {
    const { edition } = await this.pointFor(principal, pointId);
    await this.db.transaction((trx) => softDeleteAudited(trx, ctx, MapPoint, pointId, target(edition)));
  }

  /** The edition's points as an RFC 7946 FeatureCollection: anyone for a published edition, the festival's viewers before. */
  async featureCollection(principal: Principal | undefined, editionId: string, category?: MapCategory, now = new Date()) {
    const edition = await editionContext(this.db, editionId);
    if (!edition) throw notFound("edition", editionId);
    if (edition.status !== "published") {
      if (!principal) throw notFound("edition", editionId);
      await assertEditionAccess(this.db, principal, editionId, { level: "viewer" });
    }
    const q = MapPoint.query(this.db)
      .where({ edition_id: editionId })
      .whereNull("deleted_at")
      .orderBy([{ column: "category" }, { column: "name" }, { column: "id" }])
      .limit(MAX_POINTS);
    if (category) q.where({ category });
    const points = await q;
    return {
      type: "FeatureCollection" as const,
      name: `${edition.festivalName} ${edition.name}`,
      features: points.map((p) => pointFeature(p, now)),
    };
  }
}
