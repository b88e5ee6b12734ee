import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError, notFound } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { recordAudit } from "../audit/service.js";
import { insertAudited, updateAudited } from "../audit/audited-writes.js";
import { festivalAccess, satisfies } from "../festival-access/service.js";
import type { EditionContext } from "../festivals/models.js";
import { assertEditionAccess, editionContext } from "../festivals/service.js";
import { Vendor, VendorStaff, VendorStand, VendorTerminal, standDto, terminalDto, vendorDto } from "./models.js";
import { generateTerminalKey, type TerminalKeys } from "./terminals.js";
import { settingsOf } from "../cashless/service.js";

/**
 * Vendors, their staff, stands and terminals. Organizers (festival managers, scope editions)
 * create vendors and set their commission; a vendor's owners manage its staff, stands and
 * terminals; its staff see them. Everyone else gets a 404 (existence never leaks).
 */

type Db = Knex | Knex.Transaction;
export type VendorRole = "staff" | "owner" | "organizer";
const RANK: Record<VendorRole, number> = { staff: 0, owner: 1, organizer: 2 };

export interface VendorContext {
  vendor: Vendor;
  edition: EditionContext;
  role: VendorRole;
}

/** The vendor, if the caller holds at least `required` on it; 404 (or 403 when they can see it) otherwise. */
export async function assertVendorAccess(db: Db, principal: Principal, vendorId: string, required: VendorRole): Promise<VendorContext> {
  const vendor = await Vendor.query(db).findById(vendorId);
  if (!vendor) throw notFound("vendor", vendorId);
  const edition = await editionContext(db, vendor.edition_id);
  if (!edition) throw notFound("vendor", vendorId);
  const access = await festivalAccess(db, principal, edition.festivalId);
  let role: VendorRole | null = null;
  if (access && satisfies(access, { level: "manager", scope: "editions" })) role = "organizer";
  else {
    const staff = await VendorStaff.query(db).where({ vendor_id: vendorId, user_id: principal.userId }).first();
    if (staff) role = staff.role;
  }
  if (role === null) {
    if (access && access.grants.length) throw new HttpError(403, "forbidden", `requires ${required} access to this vendor`);
    throw notFound("vendor", vendorId);
  }
  if (RANK[role] < RANK[required]) throw new HttpError(403, "forbidden", `requires ${required} access to this vendor`);
  return { vendor, edition, role };
}

const target = (edition: EditionContext, entityType: string) => ({ entityType, organizationId: edition.organizationId, festivalId: edition.festivalId });

export async function createVendor(
  db: Knex,
  principal: Principal,
  ctx: AuditContext,
  editionId: string,
  body: { name: string; commissionBps?: number | null; ownerUserId?: string },
) {
  const edition = await assertEditionAccess(db, principal, editionId, { level: "manager", scope: "editions" });
  return db.transaction(async (trx) => {
    const vendor = await insertAudited(
      trx,
      ctx,
      Vendor,
      { edition_id: editionId, name: body.name, commission_bps: body.commissionBps ?? null },
      target(edition, "vendor"),
    );
    if (body.ownerUserId) await addStaffIn(trx, ctx, edition, vendor.id, body.ownerUserId, "owner");
    return vendorDto(vendor);
  });
}

export async function getVendor(db: Knex, principal: Principal, vendorId: string) {
  const { vendor } = await assertVendorAccess(db, principal, vendorId, "staff");
  return vendorDto(vendor);
}

export async function updateVendor(
  db: Knex,
  principal: Principal,
  ctx: AuditContext,
  vendorId: string,
  body: { name?: string; commissionBps?: number | null; status?: "active" | "suspended" },
) {
  const { edition } = await assertVendorAccess(db, principal, vendorId, "organizer");
  const changes: Partial<Pick<Vendor, "name" | "commission_bps" | "status">> = {};
  if (body.name !== undefined) changes.name = body.name;
  if (body.commissionBps !== undefined) changes.commission_bps = body.commissionBps;
  if (body.status !== undefined) changes.status = body.status;
  return db.transaction(async (trx) => vendorDto(await updateAudited(trx, ctx, Vendor, vendorId, changes, target(edition, "vendor"))));
}

async function addStaffIn(trx: Knex.Transaction, ctx: AuditContext, edition: EditionContext, vendorId: string, userId: string, role: "owner" | "staff") {
  const [row] = await withConstraintErrors(
    () =>
      trx(VendorStaff.tableName)
        .insert({ id: newId(), vendor_id: vendorId, user_id: userId, role, created_by: ctx.actorUserId, updated_by: ctx.actorUserId })
        .onConflict(["vendor_id", "user_id"])
        .merge({ role, updated_by: ctx.actorUserId })
        .returning("*"),
    { fk_vendor_staff_user: () => new HttpError(422, "user_not_found", "no such user", [{ field: "body.userId", message: "unknown user" }]) },
  );
  await recordAudit(trx, ctx, { ...target(edition, "vendor_staff"), action: "vendor_staff.added", entityId: row.id, after: { vendorId, userId, role } });
}

export async function addStaff(db: Knex, principal: Principal, ctx: AuditContext, vendorId: string, body: { userId: string; role: "owner" | "staff" }) {
  const { edition } = await assertVendorAccess(db, principal, vendorId, "owner");
  await db.transaction((trx) => addStaffIn(trx, ctx, edition, vendorId, body.userId, body.role));
  return { vendorId, userId: body.userId, role: body.role };
}

export async function createStand(db: Knex, principal: Principal, ctx: AuditContext, vendorId: string, body: { name: string; location?: string | null }) {
  const { vendor, edition } = await assertVendorAccess(db, principal, vendorId, "owner");
  return db.transaction(async (trx) =>
    standDto(
      await insertAudited(
        trx,
        ctx,
        VendorStand,
        { vendor_id: vendorId, edition_id: vendor.edition_id, name: body.name, location: body.location ?? null },
        target(edition, "vendor_stand"),
      ),
    ),
  );
}

export async function listStands(db: Knex, principal: Principal, vendorId: string, page: PageQuery) {
  await assertVendorAccess(db, principal, vendorId, "staff");
  return paginate(VendorStand.query(db).where("vendor_id", vendorId).toKnexQuery(), page, { column: [], order: "asc" }, (row) =>
    standDto(VendorStand.fromDatabaseJson(row)),
  );
}

export async function standContext(db: Db, principal: Principal, standId: string, required: VendorRole) {
  const stand = await VendorStand.query(db).findById(standId);
  if (!stand) throw notFound("stand", standId);
  try {
    return { stand, ...(await assertVendorAccess(db, principal, stand.vendor_id, required)) };
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw notFound("stand", standId);
    throw error;
  }
}

/** Registers a terminal to a stand; its key is in this answer only (stored as a hash). */
export async function registerTerminal(
  db: Knex,
  principal: Principal,
  ctx: AuditContext,
  standId: string,
  body: { name: string; signingPublicKey?: string | null },
) {
  const { stand, edition } = await standContext(db, principal, standId, "owner");
  const { key, prefix, hash } = generateTerminalKey();
  return db.transaction(async (trx) => {
    const row = await insertAudited(
      trx,
      ctx,
      VendorTerminal,
      {
        stand_id: stand.id,
        vendor_id: stand.vendor_id,
        edition_id: stand.edition_id,
        name: body.name,
        key_prefix: prefix,
        key_hash: hash,
        signing_public_key: body.signingPublicKey?.toLowerCase() ?? null,
      },
      target(edition, "vendor_terminal"),
    );
    return { ...terminalDto(row), key };
  });
}

export async function revokeTerminal(db: Knex, principal: Principal, ctx: AuditContext, terminalId: string, keys: TerminalKeys): Promise<void> {
  const terminal = await VendorTerminal.query(db).findById(terminalId);
  if (!terminal) throw notFound("terminal", terminalId);
  const { edition } = await standContext(db, principal, terminal.stand_id, "owner");
  await db.transaction((trx) =>
    updateAudited(trx, ctx, VendorTerminal, terminalId, { revoked_at: trx.fn.now() as unknown as Date }, target(edition, "vendor_terminal"), "revoked"),
  );
  keys.forget(terminal.key_prefix);
}

export async function listTerminals(db: Knex, principal: Principal, standId: string, page: PageQuery) {
  await standContext(db, principal, standId, "staff");
  return paginate(VendorTerminal.query(db).where("stand_id", standId).toKnexQuery(), page, { column: [], order: "asc" }, (row) =>
    terminalDto(VendorTerminal.fromDatabaseJson(row)),
  );
}

/**
 * Where the caller works: the stands of every active vendor they are staff or owner of, with
 * the role and the edition's cashless currency (null before cashless is set up), for the
 * terminal page's stand picker.
 */
export async function myStands(db: Knex, principal: Principal) {
  const rows = await VendorStand.query(db)
    .join("vendors", "vendors.id", "vendor_stands.vendor_id")
    .join("vendor_staff", (j) => j.on("vendor_staff.vendor_id", "vendors.id").andOnVal("vendor_staff.user_id", principal.userId))
    .where("vendors.status", "active")
    .select("vendor_stands.*", "vendors.name as vendor_name", "vendor_staff.role as staff_role")
    .orderBy(["vendors.name", "vendor_stands.name", "vendor_stands.id"])
    .limit(200);
  const editions = [...new Set(rows.map((r) => r.edition_id))];
  const currencies = new Map(
    await Promise.all(
      editions.map(
        async (id) =>
          [
            id,
            await settingsOf(db, id).then(
              (s) => s.currency,
              () => null,
            ),
          ] as const,
      ),
    ),
  );
  return {
    items: rows.map((r) => {
      const extra = r as unknown as { vendor_name: string; staff_role: "owner" | "staff" };
      return { ...standDto(r), vendorName: extra.vendor_name, role: extra.staff_role, currency: currencies.get(r.edition_id) ?? null };
    }),
  };
}
