import type { Knex } from "knex";
import type { Address, Hex } from "viem";
import type { Config } from "../../../../lib/config.js";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { requireChain, type ChainDeps } from "../../http/chain.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { assertFestivalAccess, festivalAccess, satisfies, type FestivalAccessRequirement } from "../festival-access/service.js";
import { insertZones, zoneIdsByCode, zonesOf } from "../gate/zones.js";
import { evmWalletsOf } from "../users/wallets.js";
import { deployerAccount, scannerAccount } from "../../../../lib/chain-accounts.js";
import { assertVerifiedOrganizer } from "../users/organizer-verification.js";
import { deployWithServer } from "./deployment.js";
import { createEventCall, draftOf, grantScannerCall } from "./draft.js";
import { claimTaken, proveChainEvent, proveTransaction, resolvePendingLinks } from "./links.js";
import type { CreateEventContractBody } from "./schemas.js";
import { tierStats } from "./stats.js";
import { validateDraft } from "./validation.js";
import { EventContract, TicketCategory, TicketCategoryZone, zoneCodes } from "./models.js";

/**
 * Organizers link a festival (edition, event) to an on-chain event:
 *  1. `create`: a verified organizer prepares it; the draft is validated (validation.ts) and
 *     stored `pending` with its categories (one per tier, tier ids 1..n in order) and zones;
 *     the answer carries the EventFactory.createEvent call for the organizer's wallet to sign;
 *  2. the organizer reports the transaction hash (or the factory's event id), proven to be this
 *     link's before it is stored (links.ts); on a local chain the platform's deployer account
 *     can send it instead (deployment.ts);
 *  3. the link resolver (links.ts) links it once the indexer has mirrored EventCreated;
 *  4. the event admin grants the platform scanner SCANNER_ROLE (`grantScannerCall`) so check-ins
 *     can be anchored.
 * Reads (get, list, tiers) only read.
 */
export interface EventContractsDeps {
  db: Knex;
  config: Config;
  chain?: ChainDeps;
}

function requireFactory(config: Config): Address {
  if (!config.chain.factoryAddress) throw new HttpError(503, "factory_unconfigured", "FACTORY_ADDRESS is not configured");
  return config.chain.factoryAddress;
}

const MANAGE: FestivalAccessRequirement = { level: "manager", scope: "editions" };

export class EventContractsService {
  constructor(private readonly deps: EventContractsDeps) {}

  private get db() {
    return this.deps.db;
  }

  /** The link, if the caller may see its festival at `required` (404 otherwise, 403 when seen but not enough). */
  async load(principal: Principal, id: string, required: FestivalAccessRequirement): Promise<EventContract> {
    const row = await EventContract.query(this.db).findById(id);
    const notFound = new HttpError(404, "event_contract_not_found", `event contract ${id} not found`);
    if (!row) throw notFound;
    const access = await festivalAccess(this.db, principal, row.festival_id);
    if (!access || access.grants.length === 0) throw notFound;
    if (!satisfies(access, required)) throw new HttpError(403, "insufficient_festival_access", `requires ${required.level} access`);
    return row;
  }

  async create(principal: Principal, audit: AuditContext, festivalId: string, body: CreateEventContractBody) {
    const chain = requireChain(this.deps);
    const factory = requireFactory(this.deps.config);
    const access = await assertFestivalAccess(this.db, principal, festivalId, MANAGE);
    await assertVerifiedOrganizer(this.db, principal);

    let organizer: Address;
    if (body.deployWith === "server") {
      const deployer = deployerAccount(this.deps.config, chain.chainId);
      if (!deployer) {
        throw new HttpError(422, "server_deployer_unavailable", "no server-side deployer on this chain: sign the call from your wallet");
      }
      organizer = deployer.address.toLowerCase() as Address;
    } else {
      organizer = body.organizerAddress!;
      const mine = (await evmWalletsOf(this.db, principal.userId)).includes(organizer);
      if (!mine) {
        throw new HttpError(422, "organizer_wallet_not_linked", "organizerAddress must be one of your linked wallets", [
          { field: "body.organizerAddress", message: "not one of your linked wallets" },
        ]);
      }
    }
    const draft = draftOf(body);
    await validateDraft(this.db, chain, factory, festivalId, body, draft);

    const id = newId();
    await this.db.transaction(async (trx) => {
      const row = {
        id,
        festival_id: festivalId,
        edition_id: body.editionId ?? null,
        event_id: body.eventId ?? null,
        chain_id: String(chain.chainId),
        factory_address: factory,
        organizer_address: organizer,
        name: body.name,
        config: draft,
        created_by: principal.userId,
        updated_by: principal.userId,
      };
      await EventContract.query(trx).insert(row);
      // the zones are the gate's rows: its insertZones writes them, in this transaction
      const zoneIds = await insertZones(trx, id, body.zones, principal.userId);
      await TicketCategory.query(trx).insertGraph(
        body.tiers.map((tier, index) => ({
          id: newId(),
          event_contract_id: id,
          tier_id: index + 1,
          name: tier.name,
          description: tier.description ?? null,
          created_by: principal.userId,
          updated_by: principal.userId,
          zones: [...new Set(tier.zones)].map((code) => ({ zone_id: zoneIds.get(code)!, created_by: principal.userId })),
        })),
      );
      await recordAudit(trx, audit, {
        action: "event_contract.created",
        entityType: "event_contract",
        entityId: id,
        organizationId: access.organizationId,
        festivalId,
        after: { ...row, chain_id: chain.chainId },
      });
    });
    return this.view(id);
  }

  /** The organizer reports the transaction they sent (or the factory's event id): stored once proven to be this link's. */
  async reportTransaction(principal: Principal, audit: AuditContext, id: string, input: { txHash?: Hex; chainEventId?: string }) {
    const chain = requireChain(this.deps);
    const row = await this.load(principal, id, MANAGE);
    if (row.status === "linked") throw new HttpError(409, "already_linked", "this event contract is already linked");
    if (row.status === "discarded") throw discardedError();
    // the server deployer is every server-deployed link's wallet: only its own deploy may claim for such a link
    if (deployerAccount(this.deps.config, chain.chainId)?.address.toLowerCase() === row.organizer_address) {
      throw new HttpError(422, "server_deployed_link", "this event contract is deployed by the platform: POST .../deploy instead of reporting a transaction");
    }
    if (input.txHash) await proveTransaction(chain, row, input.txHash);
    if (input.chainEventId) await proveChainEvent(this.db, row, input.chainEventId);
    if (await claimTaken(this.db, row, input)) {
      throw new HttpError(409, "transaction_already_linked", "this transaction or event is already claimed by another event contract");
    }
    await this.db.transaction(async (trx) => {
      const patch = {
        ...(input.txHash ? { deploy_tx_hash: input.txHash } : {}),
        ...(input.chainEventId ? { chain_event_id: input.chainEventId } : {}),
        link_error: null,
        updated_by: principal.userId,
      };
      try {
        await EventContract.query(trx).findById(id).patch(patch);
      } catch (error) {
        if ((error as { code?: string }).code === "23505") {
          throw new HttpError(409, "transaction_already_linked", "this transaction is already reported for another event contract");
        }
        throw error;
      }
      await recordAudit(trx, audit, {
        action: "event_contract.transaction_reported",
        entityType: "event_contract",
        entityId: id,
        festivalId: row.festival_id,
        before: { deploy_tx_hash: row.deploy_tx_hash, chain_event_id: row.chain_event_id },
        after: patch,
      });
    });
    await resolvePendingLinks(this.db, id);
    return this.view(id);
  }

  async deploy(principal: Principal, audit: AuditContext, id: string) {
    const chain = requireChain(this.deps);
    const row = await this.load(principal, id, MANAGE);
    if (row.status === "discarded") throw discardedError();
    await assertVerifiedOrganizer(this.db, principal);
    await deployWithServer({ db: this.db, config: this.deps.config, chain }, principal, audit, row);
    await resolvePendingLinks(this.db, id);
    return this.view(id);
  }

  async get(principal: Principal, id: string) {
    await this.load(principal, id, { level: "viewer" });
    return this.view(id);
  }

  async list(principal: Principal, festivalId: string, page: PageQuery) {
    await assertFestivalAccess(this.db, principal, festivalId, { level: "viewer" });
    const rows = await paginate(
      EventContract.query(this.db).where({ festival_id: festivalId }).toKnexQuery(),
      page,
      { column: "created_at", order: "desc" },
      (r) => EventContract.fromDatabaseJson(r),
    );
    return { items: await this.views(rows.items), nextCursor: rows.nextCursor };
  }

  async view(id: string) {
    const row = (await EventContract.query(this.db).findById(id))!;
    const [view] = await this.views([row]);
    return view!;
  }

  /** Views of several links in three queries (zones, categories, their zones), whatever their number. */
  private async views(rows: EventContract[]) {
    const ids = rows.map((r) => r.id);
    const zones = await zonesOf(this.db, ids);
    const codes = new Map([...zones.values()].flat().map((z) => [z.id, z.code]));
    // the graph: link -> its ticket categories (in tier order) -> the zones each may enter
    const links = rows.length
      ? await EventContract.fetchGraph(rows, "categories.zones", { transaction: this.db }).modifyGraph("categories", (q) => q.orderBy("tier_id"))
      : [];
    return links.map((row) => {
      const chainId = Number(row.chain_id);
      const scanner = scannerAccount(this.deps.config, chainId);
      return {
        id: row.id,
        festivalId: row.festival_id,
        editionId: row.edition_id,
        eventId: row.event_id,
        chainId,
        status: row.status,
        name: row.name,
        organizerAddress: row.organizer_address,
        factoryAddress: row.factory_address,
        deployTxHash: row.deploy_tx_hash,
        chainEventId: row.chain_event_id,
        ticketAddress: row.ticket_address,
        splitAddress: row.split_address,
        linkedAt: row.linked_at?.toISOString() ?? null,
        linkError: row.link_error,
        scannerAddress: scanner?.address.toLowerCase() ?? null,
        scannerGranted: row.scanner_granted_at !== null,
        createEventCall: createEventCall(chainId, row.factory_address, row.config),
        grantScannerCall: row.ticket_address && scanner && !row.scanner_granted_at ? grantScannerCall(chainId, row.ticket_address, scanner.address) : null,
        zones: zones.get(row.id) ?? [],
        categories: (row.categories ?? []).map((c) => ({
          id: c.id,
          tierId: c.tier_id,
          name: c.name,
          description: c.description,
          zones: zoneCodes(c.zones ?? [], codes),
        })),
      };
    });
  }

  async updateCategory(
    principal: Principal,
    audit: AuditContext,
    id: string,
    tierId: number,
    body: { name?: string; description?: string | null; zones?: string[] },
  ) {
    const row = await this.load(principal, id, MANAGE);
    await this.db.transaction(async (trx) => {
      const category = await TicketCategory.query(trx).where({ event_contract_id: id, tier_id: tierId }).forUpdate().first();
      if (!category) throw new HttpError(404, "category_not_found", `no category for tier ${tierId}`);
      const zonesBefore = await TicketCategoryZone.query(trx).where({ ticket_category_id: category.id }).select("zone_id");
      const before = { ...category, zones: zonesBefore.map((z) => z.zone_id) };
      const patch = {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        updated_by: principal.userId,
      };
      await TicketCategory.query(trx).findById(category.id).patch(patch);
      let zoneIds: string[] | undefined;
      if (body.zones) {
        const zones = await zoneIdsByCode(trx, id, body.zones);
        const missing = body.zones.filter((code) => !zones.has(code));
        if (missing.length) {
          throw new HttpError(
            400,
            "invalid_input",
            "unknown zones",
            missing.map((code) => ({ field: "body.zones", message: `unknown zone ${code}` })),
          );
        }
        zoneIds = [...new Set(zones.values())];
        await TicketCategoryZone.query(trx).where({ ticket_category_id: category.id }).delete();
        if (zoneIds.length) {
          await TicketCategoryZone.query(trx).insert(zoneIds.map((zone_id) => ({ ticket_category_id: category.id, zone_id, created_by: principal.userId })));
        }
      }
      await recordAudit(trx, audit, {
        action: "ticket_category.updated",
        entityType: "ticket_category",
        entityId: category.id,
        festivalId: row.festival_id,
        before,
        after: { ...patch, ...(zoneIds ? { zones: zoneIds } : {}) },
      });
    });
    return this.view(id);
  }

  async tierStats(principal: Principal, id: string, page: PageQuery) {
    const row = await this.load(principal, id, { level: "viewer" });
    return tierStats(this.db, row.id, page);
  }
}

/** Its chain was replaced by a new local chain (indexer/src/store/discard.ts): nothing of it exists there. */
function discardedError(): HttpError {
  return new HttpError(409, "chain_discarded", "this event contract belonged to a local chain that was replaced; prepare the event again");
}
