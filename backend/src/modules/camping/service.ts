import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError, notFound } from "../../http/errors.js";
import { paginate } from "../../http/pagination.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { newId } from "../../../../lib/ids.js";
import { insertAudited, updateAudited } from "../audit/audited-writes.js";
import { recordAudit } from "../audit/service.js";
import { assertEditionAccess, editionContext } from "../festivals/service.js";
import type { EditionContext } from "../festivals/models.js";
import { MANAGE_STAFF } from "../staff/service.js";
import type { HeldTicket } from "../tickets/service.js";
import { bookingDto, CampingBooking, CampingSpot, CampingZone, spotDto, zoneDto } from "./models.js";
import type { CreateCampingZoneBody, CreateSpotsBody, SpotListQuery } from "./schemas.js";

/** The tickets module's ownership answer (tickets/service.ts heldTicket), handed in by app.ts. */
export type HeldTicketLookup = (db: Knex, userId: string, ref: { contract: string; tokenId: string }) => Promise<HeldTicket | null>;
/** The gate's scanner check (a gate scanner of the festival may check people in at the camping gate). */
export type ScannerCheck = (principal: Principal, festivalId: string) => Promise<void>;

const target = (edition: Pick<EditionContext, "organizationId" | "festivalId">, entityType: string) => ({
  entityType,
  organizationId: edition.organizationId,
  festivalId: edition.festivalId,
});

const BOOKING_RULES = {
  uq_camping_bookings_spot: () => new HttpError(409, "spot_taken", "this spot is already booked"),
  uq_camping_bookings_ticket: () => new HttpError(409, "ticket_already_booked", "this ticket already has a camping booking in this edition"),
};

/**
 * Camping zones, spots and bookings. Managers (festival manager, scope editions, as for staff)
 * lay out zones and spots; a ticket holder books one spot per ticket; a gate scanner of the
 * festival (or a manager) checks the booking in at the camping gate. Where the rules live:
 * one booking per spot and one per ticket: migration 630's unique indexes (409s below);
 * holding the ticket, and the ticket type a zone requires: `book`, through the tickets module.
 */
export class CampingService {
  constructor(
    private readonly db: Knex,
    private readonly heldTicket: HeldTicketLookup,
    private readonly assertScanner: ScannerCheck,
  ) {}

  async createZone(principal: Principal, ctx: AuditContext, editionId: string, body: CreateCampingZoneBody) {
    const edition = await assertEditionAccess(this.db, principal, editionId, MANAGE_STAFF);
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) =>
          zoneDto(
            await insertAudited(
              trx,
              ctx,
              CampingZone,
              {
                edition_id: editionId,
                code: body.code,
                name: body.name,
                description: body.description ?? null,
                required_event_contract_id: body.requiredEventContractId ?? null,
                required_tier_id: body.requiredTierId ?? null,
              },
              target(edition, "camping_zone"),
            ),
          ),
        ),
      { uq_camping_zones_edition_code: () => new HttpError(409, "camping_zone_code_taken", "this edition already has a camping zone with that code") },
    );
  }

  /** Who may see an edition's camping: anyone signed in once the edition is published, its festival's viewers before. */
  private async readableEdition(principal: Principal, editionId: string): Promise<EditionContext> {
    const edition = await editionContext(this.db, editionId);
    if (edition?.status === "published") return edition;
    return assertEditionAccess(this.db, principal, editionId, { level: "viewer" });
  }

  async listZones(principal: Principal, editionId: string, page: { limit: number; cursor?: string }) {
    await this.readableEdition(principal, editionId);
    const q = CampingZone.query(this.db).where({ edition_id: editionId });
    return paginate(q.toKnexQuery(), page, { column: "code", order: "asc" }, (row) => zoneDto(CampingZone.fromDatabaseJson(row)));
  }

  private async zone(zoneId: string): Promise<CampingZone> {
    const zone = await CampingZone.query(this.db).findById(zoneId);
    if (!zone) throw notFound("camping_zone", zoneId);
    return zone;
  }

  async createSpots(principal: Principal, ctx: AuditContext, zoneId: string, body: CreateSpotsBody) {
    const zone = await this.zone(zoneId);
    const edition = await assertEditionAccess(this.db, principal, zone.edition_id, MANAGE_STAFF).catch((error) => {
      throw error instanceof HttpError && error.status === 404 ? notFound("camping_zone", zoneId) : error;
    });
    const rows = body.spots.map((s) => ({
      id: newId(),
      zone_id: zoneId,
      edition_id: zone.edition_id,
      code: s.code,
      kind: s.kind,
      size_sqm: s.sizeSqm,
      price_minor: s.priceMinor,
      currency: s.currency,
      created_by: ctx.actorUserId,
      updated_by: ctx.actorUserId,
    }));
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) => {
          const inserted = await trx(CampingSpot.tableName).insert(rows).returning("*");
          await recordAudit(trx, ctx, {
            ...target(edition, "camping_spot"),
            action: "camping_spot.created",
            entityId: zoneId,
            after: { zoneId, spots: rows.map((r) => r.code) },
          });
          return { items: inserted.map((r: CampingSpot) => spotDto(CampingSpot.fromDatabaseJson(r))), nextCursor: null };
        }),
      { uq_camping_spots_zone_code: () => new HttpError(409, "spot_code_taken", "a spot with one of these codes already exists in this zone") },
    );
  }

  async listSpots(principal: Principal, zoneId: string, query: SpotListQuery) {
    const zone = await this.zone(zoneId);
    await this.readableEdition(principal, zone.edition_id).catch((error) => {
      throw error instanceof HttpError && error.status === 404 ? notFound("camping_zone", zoneId) : error;
    });
    const booked = "exists (select 1 from camping_bookings b where b.spot_id = s.id and b.status <> 'cancelled')";
    const q = this.db("camping_spots as s")
      .where("s.zone_id", zoneId)
      .select("s.*", this.db.raw(`${booked} as booked`));
    if (query.kind) q.where("s.kind", query.kind);
    if (query.available === "true") q.whereRaw(`not ${booked}`);
    if (query.available === "false") q.whereRaw(booked);
    return paginate(q, query, { column: "s.code", id: "s.id", order: "asc" }, (row: CampingSpot & { booked: boolean }) =>
      spotDto(Object.assign(CampingSpot.fromDatabaseJson(row), { booked: row.booked })),
    );
  }

  /** Books a spot for one of the caller's tickets. */
  async book(principal: Principal, ctx: AuditContext, spotId: string, ref: { contract: string; tokenId: string }) {
    const spot = await CampingSpot.query(this.db).findById(spotId);
    if (!spot) throw notFound("camping_spot", spotId);
    const [zone, edition] = await Promise.all([this.zone(spot.zone_id), editionContext(this.db, spot.edition_id)]);
    if (!edition || edition.status !== "published") throw notFound("camping_spot", spotId);
    const ticket = await this.heldTicket(this.db, principal.userId, ref);
    if (!ticket) {
      throw new HttpError(422, "ticket_not_held", "none of your linked wallets holds this ticket", [{ field: "body.tokenId", message: "not your ticket" }]);
    }
    if (ticket.festivalId !== edition.festivalId) throw new HttpError(422, "ticket_not_for_festival", "this ticket is for another festival");
    if (ticket.state === "refunded" || ticket.state === "cancelled") throw new HttpError(422, "ticket_not_valid", `this ticket is ${ticket.state}`);
    if (
      zone.required_event_contract_id &&
      (ticket.eventContractId !== zone.required_event_contract_id || (zone.required_tier_id !== null && ticket.tierId !== zone.required_tier_id))
    ) {
      throw new HttpError(422, "required_ticket_type", "this camping zone needs another ticket type", undefined, {
        required: { eventContractId: zone.required_event_contract_id, tierId: zone.required_tier_id },
      });
    }
    return withConstraintErrors(
      () =>
        this.db.transaction(async (trx) =>
          bookingDto(
            await insertAudited(
              trx,
              ctx,
              CampingBooking,
              {
                spot_id: spotId,
                zone_id: zone.id,
                edition_id: zone.edition_id,
                user_id: principal.userId,
                chain_id: String(ticket.chainId),
                contract_address: ticket.contract,
                token_id: ticket.tokenId,
              },
              target(edition, "camping_booking"),
            ),
          ),
        ),
      BOOKING_RULES,
    );
  }

  async myBookings(principal: Principal, editionId: string, page: { limit: number; cursor?: string }) {
    const q = CampingBooking.query(this.db).where({ edition_id: editionId, user_id: principal.userId });
    return paginate(q.toKnexQuery(), page, { column: "created_at", order: "asc" }, (row) => bookingDto(CampingBooking.fromDatabaseJson(row)));
  }

  async cancel(principal: Principal, ctx: AuditContext, bookingId: string) {
    const booking = await CampingBooking.query(this.db).findById(bookingId);
    if (!booking || booking.user_id !== principal.userId) throw notFound("camping_booking", bookingId);
    if (booking.status !== "booked") throw new HttpError(422, "booking_not_cancellable", `this booking is ${booking.status}`);
    const edition = (await editionContext(this.db, booking.edition_id))!;
    return this.db.transaction(async (trx) =>
      bookingDto(
        await updateAudited(
          trx,
          ctx,
          CampingBooking,
          bookingId,
          { status: "cancelled", cancelled_at: new Date() },
          target(edition, "camping_booking"),
          "cancelled",
        ),
      ),
    );
  }

  /** Check-in at the camping gate, by a gate scanner of the festival or a manager; the ticket must still be the booker's. */
  async checkIn(principal: Principal, ctx: AuditContext, bookingId: string) {
    const booking = await CampingBooking.query(this.db).findById(bookingId);
    if (!booking) throw notFound("camping_booking", bookingId);
    const edition = (await editionContext(this.db, booking.edition_id))!;
    try {
      await this.assertScanner(principal, edition.festivalId);
    } catch {
      await assertEditionAccess(this.db, principal, booking.edition_id, MANAGE_STAFF).catch((error) => {
        throw error instanceof HttpError && error.status === 404 ? notFound("camping_booking", bookingId) : error;
      });
    }
    if (booking.status === "cancelled") throw new HttpError(422, "booking_cancelled", "this booking is cancelled");
    if (booking.status === "checked_in") return { verdict: "already_checked_in" as const, booking: bookingDto(booking) };
    const ticket = await this.heldTicket(this.db, booking.user_id, { contract: booking.contract_address, tokenId: String(booking.token_id) });
    if (!ticket) throw new HttpError(422, "ticket_no_longer_held", "the ticket this booking was made with has left the booker's wallets");
    return this.db.transaction(async (trx) => {
      const [row] = await CampingBooking.query(trx)
        .where({ id: bookingId, status: "booked" })
        .patch({ status: "checked_in", checked_in_at: new Date(), checked_in_by: principal.userId, updated_by: principal.userId })
        .returning("*");
      if (!row) return { verdict: "already_checked_in" as const, booking: bookingDto((await CampingBooking.query(trx).findById(bookingId))!) };
      await recordAudit(trx, ctx, {
        ...target(edition, "camping_booking"),
        action: "camping_booking.checked_in",
        entityId: bookingId,
        after: { status: "checked_in" },
      });
      return { verdict: "checked_in" as const, booking: bookingDto(row) };
    });
  }
}
