import type { Knex } from "knex";
import {
  createWalletClient,
  encodeFunctionData,
  http,
  keccak256,
  parseEventLogs,
  stringToBytes,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { eventFactoryAbi } from "../../../../lib/abis/EventFactory.js";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import { chainDefinition } from "../../../../lib/chain.js";
import type { Config } from "../../../../lib/config.js";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit, systemAuditContext } from "../audit/service.js";
import { assertFestivalAccess, festivalAccess, satisfies, type FestivalAccessRequirement } from "../festival-access/service.js";
import { evmWalletsOf } from "../users/wallets.js";
import { deployerAccount, scannerAccount } from "./chain-accounts.js";
import type { CreateEventContractBody } from "./schemas.js";

/**
 * Organizers link a festival (edition, event) to an on-chain event:
 *  1. `create`: validates tiers, payees, zones; stores a `pending` link with the categories
 *     (one per tier, tier ids 1..n in order) and zones; returns the EventFactory.createEvent
 *     call for the organizer's wallet to sign;
 *  2. the organizer reports the transaction hash (or the factory's event id); on a local chain
 *     the platform's deployer account can send it instead (`deployWithServer`);
 *  3. `resolvePendingLinks` links it once the indexer has mirrored EventCreated (chain_events:
 *     same factory, same organizer, same tx hash or event id): the mirror is the source of truth;
 *  4. the event admin grants the platform scanner SCANNER_ROLE (`grantScannerCall`) so check-ins
 *     can be anchored.
 */
export const SCANNER_ROLE = keccak256(stringToBytes("SCANNER_ROLE"));
const TRANSFER_POLICY = { free: 0, resale_only: 1, soulbound: 2 } as const;
const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export interface ChainDeps {
  client: PublicClient;
  chainId: number;
}

export interface EventContractsDeps {
  db: Knex;
  config: Config;
  chain?: ChainDeps;
}

interface LinkRow {
  id: string;
  festival_id: string;
  edition_id: string | null;
  event_id: string | null;
  chain_id: string;
  factory_address: Address;
  organizer_address: Address;
  status: "pending" | "linked";
  name: string;
  config: StoredConfig;
  deploy_tx_hash: Hex | null;
  chain_event_id: string | null;
  ticket_address: Address | null;
  split_address: Address | null;
  linked_at: Date | null;
  scanner_granted_at: Date | null;
}

/** What the createEvent call was built from (kept so the call can be shown again). */
interface StoredConfig {
  eventConfig: {
    name: string;
    symbol: string;
    baseURI: string;
    contractURI: string;
    startsAt: number;
    endsAt: number;
    refundWindow: number;
    transferPolicy: number;
    resaleCapBps: number;
    royaltyBps: number;
  };
  tiers: Array<{
    name: string;
    price: string;
    currency: Address;
    supply: number;
    maxPerBuyer: number;
    saleStart: number;
    saleEnd: number;
    transferable: boolean;
  }>;
  payees: Array<{ account: Address; shareBps: number; fixedAmount: string; fixedToken: Address }>;
}

export function requireChain(deps: { chain?: ChainDeps }): ChainDeps {
  if (!deps.chain) throw new HttpError(503, "chain_unavailable", "no chain is configured for this API (CHAIN_RPC_URL)");
  return deps.chain;
}

function requireFactory(config: Config): Address {
  if (!config.chain.factoryAddress) throw new HttpError(503, "factory_unconfigured", "FACTORY_ADDRESS is not configured");
  return config.chain.factoryAddress;
}

export function createEventCall(chainId: number, factory: Address, config: StoredConfig) {
  const data = encodeFunctionData({
    abi: eventFactoryAbi,
    functionName: "createEvent",
    args: [
      config.eventConfig,
      config.tiers.map((t) => ({ ...t, price: BigInt(t.price) })),
      config.payees.map((p) => ({ ...p, fixedAmount: BigInt(p.fixedAmount) })),
    ],
  });
  return { chainId, to: factory, data, value: "0" };
}

export function grantScannerCall(chainId: number, ticket: Address, scanner: Address) {
  const data = encodeFunctionData({ abi: eventTicketAbi, functionName: "grantRole", args: [SCANNER_ROLE, scanner] });
  return { chainId, to: ticket, data, value: "0" };
}

export class EventContractsService {
  constructor(private readonly deps: EventContractsDeps) {}

  private get db() {
    return this.deps.db;
  }

  /** The link, if the caller may see its festival at `required` (404 otherwise, 403 when seen but not enough). */
  async load(principal: Principal, id: string, required: FestivalAccessRequirement): Promise<LinkRow> {
    const row: LinkRow | undefined = await this.db("event_contracts").where({ id }).first();
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
    const access = await assertFestivalAccess(this.db, principal, festivalId, { level: "manager", scope: "editions" });

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

    const config: StoredConfig = {
      eventConfig: {
        name: body.name,
        symbol: body.symbol,
        baseURI: body.baseUri,
        contractURI: body.contractUri,
        startsAt: unix(body.startsAt),
        endsAt: unix(body.endsAt),
        refundWindow: body.refundWindowSeconds,
        transferPolicy: TRANSFER_POLICY[body.transferPolicy],
        resaleCapBps: body.resaleCapBps,
        royaltyBps: body.royaltyBps,
      },
      tiers: body.tiers.map((t) => ({
        name: t.name,
        price: t.price,
        currency: t.currency,
        supply: t.supply,
        maxPerBuyer: t.maxPerBuyer,
        saleStart: unix(t.saleStart),
        saleEnd: unix(t.saleEnd),
        transferable: t.transferable,
      })),
      payees: body.payees,
    };

    const id = newId();
    await this.db.transaction(async (trx) => {
      const row = {
        id,
        festival_id: festivalId,
        edition_id: body.editionId ?? null,
        event_id: body.eventId ?? null,
        chain_id: chain.chainId,
        factory_address: factory,
        organizer_address: organizer,
        name: body.name,
        config: JSON.stringify(config),
        created_by: principal.userId,
        updated_by: principal.userId,
      };
      await trx("event_contracts").insert(row);
      const zoneIds = new Map<string, string>();
      for (const zone of body.zones) {
        const newZone = zoneRow(id, zone, principal.userId);
        zoneIds.set(zone.code, newZone.id);
        await trx("gate_zones").insert(newZone);
      }
      for (const [index, tier] of body.tiers.entries()) {
        const categoryId = newId();
        await trx("ticket_categories").insert({
          id: categoryId,
          event_contract_id: id,
          tier_id: index + 1,
          name: tier.name,
          description: tier.description ?? null,
          created_by: principal.userId,
          updated_by: principal.userId,
        });
        for (const code of new Set(tier.zones)) {
          await trx("ticket_category_zones").insert({ ticket_category_id: categoryId, zone_id: zoneIds.get(code), created_by: principal.userId });
        }
      }
      await recordAudit(trx, audit, {
        action: "event_contract.created",
        entityType: "event_contract",
        entityId: id,
        organizationId: access.organizationId,
        festivalId,
        after: { ...row, config },
      });
    });
    return this.view(id);
  }

  /** The organizer reports the transaction they sent (or the factory's event id) so the link can be matched. */
  async reportTransaction(principal: Principal, audit: AuditContext, id: string, input: { txHash?: Hex; chainEventId?: string }) {
    const row = await this.load(principal, id, { level: "manager", scope: "editions" });
    if (row.status === "linked") throw new HttpError(409, "already_linked", "this event contract is already linked");
    await this.db.transaction(async (trx) => {
      const patch = {
        ...(input.txHash ? { deploy_tx_hash: input.txHash } : {}),
        ...(input.chainEventId ? { chain_event_id: input.chainEventId } : {}),
        updated_by: principal.userId,
      };
      try {
        await trx("event_contracts").where({ id }).update(patch);
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
    await resolvePendingLinks(this.db);
    return this.view(id);
  }

  /**
   * Local chains: the platform's deployer account sends createEvent, then (as the new event's
   * admin) grants the scanner SCANNER_ROLE. Waits for both receipts; the link itself follows
   * once the indexer has mirrored the event.
   */
  async deployWithServer(principal: Principal, audit: AuditContext, id: string) {
    const chain = requireChain(this.deps);
    const row = await this.load(principal, id, { level: "manager", scope: "editions" });
    const deployer = deployerAccount(this.deps.config, chain.chainId);
    const scanner = scannerAccount(this.deps.config, chain.chainId);
    const rpcUrl = this.deps.config.chain.rpcUrl;
    if (!deployer || !rpcUrl) throw new HttpError(422, "server_deployer_unavailable", "no server-side deployer on this chain");
    if (deployer.address.toLowerCase() !== row.organizer_address) {
      throw new HttpError(422, "not_server_deployed", "this event contract was prepared for the organizer's own wallet");
    }
    if (row.deploy_tx_hash || row.status === "linked") throw new HttpError(409, "already_deployed", "this event contract was already sent");

    const wallet = createWalletClient({ account: deployer, chain: chainDefinition(chain.chainId, rpcUrl), transport: http(rpcUrl) });
    const call = createEventCall(chain.chainId, row.factory_address, row.config);
    const txHash = await wallet.sendTransaction({ to: call.to, data: call.data });
    await this.db("event_contracts").where({ id }).update({ deploy_tx_hash: txHash, updated_by: principal.userId });
    const receipt = await chain.client.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 });
    if (receipt.status !== "success") throw new HttpError(422, "deploy_reverted", `createEvent reverted (tx ${txHash})`);
    const [created] = parseEventLogs({ abi: eventFactoryAbi, eventName: "EventCreated", logs: receipt.logs });
    if (!created) throw new HttpError(500, "deploy_no_event", "createEvent emitted no EventCreated");
    let scannerGrantedAt: Date | null = null;
    if (scanner) {
      const grant = grantScannerCall(chain.chainId, created.args.ticket, scanner.address);
      const grantHash = await wallet.sendTransaction({ to: grant.to, data: grant.data });
      const grantReceipt = await chain.client.waitForTransactionReceipt({ hash: grantHash, timeout: 120_000 });
      if (grantReceipt.status === "success") scannerGrantedAt = new Date();
    }
    await this.db.transaction(async (trx) => {
      const patch = { chain_event_id: created.args.eventId.toString(), scanner_granted_at: scannerGrantedAt, updated_by: principal.userId };
      await trx("event_contracts").where({ id }).update(patch);
      await recordAudit(trx, audit, {
        action: "event_contract.deployed",
        entityType: "event_contract",
        entityId: id,
        festivalId: row.festival_id,
        after: { deploy_tx_hash: txHash, ticket: created.args.ticket, ...patch },
      });
    });
    await resolvePendingLinks(this.db);
    return this.view(id);
  }

  async get(principal: Principal, id: string) {
    const row = await this.load(principal, id, { level: "viewer" });
    if (row.status === "pending") await resolvePendingLinks(this.db);
    await this.refreshScannerGrant(id);
    return this.view(id);
  }

  async list(principal: Principal, festivalId: string) {
    await assertFestivalAccess(this.db, principal, festivalId, { level: "viewer" });
    await resolvePendingLinks(this.db);
    const rows = await this.db("event_contracts").where({ festival_id: festivalId }).orderBy("created_at", "desc").limit(100).select("id");
    return { items: await Promise.all(rows.map((r) => this.view(r.id))) };
  }

  /** Reads hasRole on the chain for a linked contract whose grant is not yet known. */
  private async refreshScannerGrant(id: string): Promise<void> {
    const chain = this.deps.chain;
    if (!chain) return;
    const row: LinkRow | undefined = await this.db("event_contracts").where({ id }).first();
    const scanner = scannerAccount(this.deps.config, chain.chainId);
    if (!row?.ticket_address || row.scanner_granted_at || !scanner) return;
    const granted = await chain.client
      .readContract({ address: row.ticket_address, abi: eventTicketAbi, functionName: "hasRole", args: [SCANNER_ROLE, scanner.address] })
      .catch(() => false);
    if (granted) await this.db("event_contracts").where({ id }).update({ scanner_granted_at: new Date() });
  }

  async view(id: string) {
    const row: LinkRow = await this.db("event_contracts").where({ id }).first();
    const chainId = Number(row.chain_id);
    const scanner = scannerAccount(this.deps.config, chainId);
    const zones = await this.db("gate_zones").where({ event_contract_id: id }).orderBy([{ column: "kind" }, { column: "code" }]);
    const categories = await this.db("ticket_categories as c")
      .where("c.event_contract_id", id)
      .orderBy("c.tier_id")
      .select(
        "c.id",
        "c.tier_id",
        "c.name",
        "c.description",
        this.db.raw(
          "coalesce((select array_agg(z.code order by z.code) from ticket_category_zones cz join gate_zones z on z.id = cz.zone_id where cz.ticket_category_id = c.id), '{}') as zones",
        ),
      );
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
      scannerAddress: scanner?.address.toLowerCase() ?? null,
      scannerGranted: row.scanner_granted_at !== null,
      createEventCall: createEventCall(chainId, row.factory_address, row.config),
      grantScannerCall:
        row.ticket_address && scanner && !row.scanner_granted_at ? grantScannerCall(chainId, row.ticket_address, scanner.address) : null,
      zones: zones.map(zoneView),
      categories: categories.map((c) => ({ id: c.id, tierId: c.tier_id, name: c.name, description: c.description, zones: c.zones })),
    };
  }

  async updateCategory(
    principal: Principal,
    audit: AuditContext,
    id: string,
    tierId: number,
    body: { name?: string; description?: string | null; zones?: string[] },
  ) {
    const row = await this.load(principal, id, { level: "manager", scope: "editions" });
    await this.db.transaction(async (trx) => {
      const category = await trx("ticket_categories").where({ event_contract_id: id, tier_id: tierId }).forUpdate().first();
      if (!category) throw new HttpError(404, "category_not_found", `no category for tier ${tierId}`);
      const before = { ...category, zones: (await trx("ticket_category_zones").where({ ticket_category_id: category.id }).pluck("zone_id")) };
      const patch = {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        updated_by: principal.userId,
      };
      await trx("ticket_categories").where({ id: category.id }).update(patch);
      let zoneIds: string[] | undefined;
      if (body.zones) {
        const zones = await trx("gate_zones").where({ event_contract_id: id }).whereIn("code", body.zones).select("id", "code");
        const missing = body.zones.filter((code) => !zones.some((z) => z.code === code));
        if (missing.length) {
          throw new HttpError(400, "invalid_input", "unknown zones", missing.map((code) => ({ field: "body.zones", message: `unknown zone ${code}` })));
        }
        zoneIds = zones.map((z) => z.id);
        await trx("ticket_category_zones").where({ ticket_category_id: category.id }).delete();
        if (zoneIds.length) {
          await trx("ticket_category_zones").insert(zoneIds.map((zone_id) => ({ ticket_category_id: category.id, zone_id, created_by: principal.userId })));
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

  /** Sales, holders, check-ins and revenue per tier, from the mirror (and the gate's own check-ins). */
  async tierStats(principal: Principal, id: string) {
    const row = await this.load(principal, id, { level: "viewer" });
    const rows = await this.db.raw(
      `select c.tier_id, c.name,
              coalesce((select array_agg(z.code order by z.code) from ticket_category_zones cz join gate_zones z on z.id = cz.zone_id
                        where cz.ticket_category_id = c.id), '{}') as zones,
              t.price::text, t.currency, t.supply::text, t.sold::text, t.comped::text, t.minted::text, t.revenue::text,
              (select count(distinct k.owner_address)::int from chain_tickets k
                 where k.chain_id = ec.chain_id and k.contract_address = ec.ticket_address and k.tier_id = c.tier_id and not k.burned) as holders,
              (select count(*)::int from chain_tickets k
                 where k.chain_id = ec.chain_id and k.contract_address = ec.ticket_address and k.tier_id = c.tier_id and k.checked_in) as checked_in,
              (select count(*)::int from gate_check_ins g
                 where g.event_contract_id = ec.id and g.token_id >= c.tier_id * tier_id_base() and g.token_id < (c.tier_id + 1) * tier_id_base()) as admitted
         from ticket_categories c
         join event_contracts ec on ec.id = c.event_contract_id
         left join chain_tiers t on t.chain_id = ec.chain_id and t.contract_address = ec.ticket_address and t.tier_id = c.tier_id
        where c.event_contract_id = ?
        order by c.tier_id`,
      [row.id],
    );
    return {
      items: rows.rows.map((r: Record<string, unknown>) => ({
        tierId: r.tier_id as number,
        category: r.name as string,
        zones: r.zones as string[],
        onChain:
          r.price === null
            ? null
            : {
                price: r.price as string,
                currency: r.currency as string,
                supply: r.supply as string,
                sold: r.sold as string,
                comped: r.comped as string,
                minted: r.minted as string,
                revenue: r.revenue as string,
              },
        holders: r.holders as number,
        checkedInOnChain: r.checked_in as number,
        admittedAtGate: r.admitted as number,
      })),
    };
  }
}

export interface ZoneInput {
  code: string;
  name: string;
  kind: "entrance" | "area";
  capacity?: number | null;
  /** Default: false for entrances (a ticket enters the festival once), true for areas. */
  allowReentry?: boolean;
}

/** A new gate_zones row, the one place its defaults live. */
export function zoneRow(eventContractId: string, input: ZoneInput, userId: string) {
  return {
    id: newId(),
    event_contract_id: eventContractId,
    code: input.code,
    name: input.name,
    kind: input.kind,
    capacity: input.capacity ?? null,
    allow_reentry: input.allowReentry ?? input.kind === "area",
    created_by: userId,
    updated_by: userId,
  };
}

export function zoneView(z: Record<string, unknown>) {
  return {
    id: z.id as string,
    code: z.code as string,
    name: z.name as string,
    kind: z.kind as "entrance" | "area",
    capacity: (z.capacity as number | null) ?? null,
    occupancy: z.occupancy as number,
    allowReentry: z.allow_reentry as boolean,
  };
}

/**
 * Links every pending event contract whose EventCreated the indexer has mirrored: same chain,
 * factory and organizer, and the reported tx hash or factory event id. Idempotent; called
 * after a report, on reads of a pending link, and by the gate's background loop.
 */
export async function resolvePendingLinks(db: Knex): Promise<number> {
  return db.transaction(async (trx) => {
  const linked = await trx.raw(
    `update event_contracts ec
        set status = 'linked', ticket_address = ce.ticket_address, split_address = ce.split_address,
            chain_event_id = ce.event_id, deploy_tx_hash = coalesce(ec.deploy_tx_hash, ce.created_tx_hash), linked_at = now()
       from chain_events ce
      where ec.status = 'pending'
        and ce.chain_id = ec.chain_id and ce.factory_address = ec.factory_address and ce.organizer = ec.organizer_address
        and (ce.created_tx_hash = ec.deploy_tx_hash or ce.event_id = ec.chain_event_id)
        and not exists (select 1 from event_contracts o where o.chain_id = ce.chain_id and o.ticket_address = ce.ticket_address)
      returning ec.id, ec.festival_id, ec.ticket_address, ec.split_address, ec.chain_event_id::text`,
  );
  for (const r of linked.rows) {
    await recordAudit(trx, systemAuditContext(), {
      action: "event_contract.linked",
      entityType: "event_contract",
      entityId: r.id,
      festivalId: r.festival_id,
      after: { ticket_address: r.ticket_address, split_address: r.split_address, chain_event_id: r.chain_event_id },
    });
  }
  return linked.rows.length as number;
  });
}
