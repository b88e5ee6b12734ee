import type { Knex } from "knex";
import type { PartialModelObject } from "objection";
import { encodeFunctionData, type Address } from "viem";
import { revenueSplitAbi } from "../../../../lib/abis/RevenueSplit.js";
import { newId } from "../../../../lib/ids.js";
import { hasRole, type Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError, notFound } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { withConstraintErrors } from "../../http/pg-errors.js";
import { randomToken } from "../../security/tokens.js";
import { insertAudited, updateAudited, type AuditTarget } from "../audit/audited-writes.js";
import { recordAudit } from "../audit/service.js";
import type { EventContractsService } from "../event-contracts/service.js";
import { festivalAccess, type FestivalAccessRequirement } from "../festival-access/service.js";
import { profileOwner } from "../users/profiles.js";
import { evmWalletsOf } from "../users/wallets.js";
import { Attribution, ReferralLink, type AttributionStatus, type ContributionType, type ContributorKind } from "./models.js";

/**
 * Attribution: the off-chain agreement an event's on-chain split encodes (issue 20).
 *
 * Where each rule lives:
 * - value checks (share 1..10000 bps, fixed amount > 0): the zod schemas (400) and the table's checks;
 * - accepted shares + platform fee <= 100 % per event: the database (trg_attributions_total_share, under a
 *   per-event advisory lock), surfaced here as 422 shares_exceed_100_percent;
 * - fixed amounts in the event's currencies, only the contributor decides, no change once the split is locked:
 *   here (422, 403/404, 409);
 * - the split's own rules (shares + highest referral share <= 100 %, no duplicate payee): checked again by
 *   payeeSet() before it hands out the call, and by RevenueSplit.setPayees on-chain.
 * Paid and claimable come from the mirror's published views (chain_payouts, chain_payees, chain_split_states,
 * chain_referral_earnings), never from another module's tables.
 */
const MANAGE: FestivalAccessRequirement = { level: "manager", scope: "editions" };
const VIEW: FestivalAccessRequirement = { level: "viewer" };
const BPS = 10_000;

/** Audit rows name the festival and its organization (through the festivals module's published live_festivals). */
async function auditTarget(db: Knex | Knex.Transaction, festivalId: string): Promise<AuditTarget> {
  const festival: { organization_id: string } | undefined = await db("live_festivals").where({ id: festivalId }).first("organization_id");
  return { entityType: "attribution", organizationId: festival?.organization_id ?? null, festivalId };
}

interface SplitState {
  chain_id: string;
  ticket_address: string;
  split_address: string;
  organizer: string;
  platform_fee_bps: number;
  locked: boolean;
  cancelled: boolean;
  max_referral_share_bps: number;
}

interface LinkView {
  id: string;
  festival_id: string;
  chain_id: string;
  status: string;
  ticket_address: string | null;
  split_address: string | null;
}

export interface AttributionsDeps {
  db: Knex;
  eventContracts: EventContractsService;
}

const PROFILE_KIND = { artist: "artist", content_creator: "content-creator", sponsor: "sponsor" } as const;

export class AttributionsService {
  constructor(private readonly deps: AttributionsDeps) {}

  private get db() {
    return this.deps.db;
  }

  /** The mirror's view of an event's split (null while the indexer has not seen the event). */
  private async splitState(db: Knex | Knex.Transaction, chainId: string, split: string): Promise<SplitState | null> {
    return (await db("chain_split_states").where({ chain_id: chainId, split_address: split }).first()) ?? null;
  }

  /** A linked event contract the caller manages (or views), with its split's mirrored state. */
  private async managed(principal: Principal, eventContractId: string, required = MANAGE) {
    const link = await this.deps.eventContracts.load(principal, eventContractId, required);
    if (link.status !== "linked" || !link.split_address) {
      throw new HttpError(409, "event_contract_not_linked", "the event contract is not on the chain yet: attributions need its split");
    }
    const state = await this.splitState(this.db, link.chain_id, link.split_address);
    if (!state) throw new HttpError(409, "mirror_not_ready", "the chain mirror has not seen this event's split yet; retry shortly");
    return { link, state };
  }

  private static assertUnlocked(state: SplitState) {
    if (state.locked) {
      throw new HttpError(
        409,
        "split_locked",
        "the event's split is locked (its first settlement): its payees and the attributions they encode can no longer change",
      );
    }
  }

  async propose(principal: Principal, audit: AuditContext, eventContractId: string, body: ProposeInput) {
    const { link, state } = await this.managed(principal, eventContractId);
    AttributionsService.assertUnlocked(state);
    const contributor = await this.contributor(body.contributor);
    if (body.currency !== undefined) {
      const currencies = new Set(link.config.tiers.map((t) => t.currency.toLowerCase()));
      if (!currencies.has(body.currency)) {
        throw new HttpError(422, "currency_not_of_event", "a fixed amount is paid in one of the event's tier currencies", [
          { field: "body.currency", message: `not one of ${[...currencies].join(", ")}` },
        ]);
      }
    }
    return this.db.transaction(async (trx) => {
      const row = await insertAudited(
        trx,
        audit,
        Attribution,
        {
          event_contract_id: link.id,
          festival_id: link.festival_id,
          ...contributor,
          payout_address: contributor.contributor_kind === "address" ? contributor.contributor_address : null,
          contribution_type: body.contributionType,
          share_bps: body.shareBps ?? null,
          fixed_amount: body.fixedAmount ?? null,
          fixed_currency: body.currency ?? null,
          platform_fee_bps: state.platform_fee_bps,
          note: body.note ?? null,
          status: "proposed",
        },
        await auditTarget(trx, link.festival_id),
      );
      return (await this.dtos(trx, [row]))[0]!;
    });
  }

  private async contributor(c: ProposeInput["contributor"]) {
    if (c.kind === "address") {
      return { contributor_kind: "address" as ContributorKind, contributor_address: c.address, contributor_profile_id: null, contributor_user_id: null };
    }
    const userId = await profileOwner(this.db, PROFILE_KIND[c.kind], c.profileId);
    if (!userId) {
      throw new HttpError(422, "contributor_not_found", `no ${c.kind} profile ${c.profileId}`, [
        { field: "body.contributor.profileId", message: "no such profile" },
      ]);
    }
    return { contributor_kind: c.kind as ContributorKind, contributor_profile_id: c.profileId, contributor_user_id: userId, contributor_address: null };
  }

  async list(principal: Principal, eventContractId: string, page: PageQuery) {
    await this.deps.eventContracts.load(principal, eventContractId, VIEW);
    const rows = await paginate(
      Attribution.query(this.db).where({ event_contract_id: eventContractId }).toKnexQuery(),
      page,
      { column: "created_at", order: "asc" },
      (r) => Attribution.fromDatabaseJson(r),
    );
    return { items: await this.dtos(this.db, rows.items), nextCursor: rows.nextCursor };
  }

  /** The caller's attributions: as a platform contributor, or through one of its wallets (outside addresses). */
  async mine(principal: Principal, page: PageQuery) {
    const wallets = await evmWalletsOf(this.db, principal.userId);
    const q = Attribution.query(this.db)
      .where((w) => {
        w.where("contributor_user_id", principal.userId);
        if (wallets.length) w.orWhereIn("contributor_address", wallets);
      })
      .toKnexQuery();
    const rows = await paginate(q, page, { column: "created_at", order: "desc" }, (r) => Attribution.fromDatabaseJson(r));
    return { items: await this.dtos(this.db, rows.items), nextCursor: rows.nextCursor };
  }

  /** The contributor decides: accepted (with the address to be paid at) or rejected. Anyone else: 403 or 404. */
  async decide(principal: Principal, audit: AuditContext, attributionId: string, to: "accepted" | "rejected", payoutAddress?: Address) {
    const row = await Attribution.query(this.db).findById(attributionId);
    if (!row) throw notFound("attribution", attributionId);
    const wallets = await evmWalletsOf(this.db, principal.userId);
    const own = row.contributor_user_id === principal.userId || (row.contributor_address !== null && wallets.includes(row.contributor_address));
    if (!own) {
      const access = await festivalAccess(this.db, principal, row.festival_id);
      if (access && access.grants.length) throw new HttpError(403, "not_your_attribution", "only the contributor accepts or rejects an attribution");
      throw notFound("attribution", attributionId);
    }
    const link = await this.link(row.event_contract_id);
    const state = link?.split_address ? await this.splitState(this.db, link.chain_id, link.split_address) : null;
    if (to === "accepted" && state) AttributionsService.assertUnlocked(state);
    let payout: string | null = row.payout_address;
    if (to === "accepted" && row.contributor_kind !== "address") {
      if (payoutAddress !== undefined && !wallets.includes(payoutAddress)) {
        throw new HttpError(422, "not_your_wallet", "the payout address must be one of your verified EVM wallets", [
          { field: "body.payoutAddress", message: "not one of your wallets" },
        ]);
      }
      payout = payoutAddress ?? (await this.primaryWallet(principal.userId)) ?? null;
      if (!payout) throw new HttpError(422, "no_wallet", "link an EVM wallet first: the split pays an address");
    }
    return this.db.transaction(async (trx) => {
      const current = await Attribution.query(trx).findById(attributionId).forUpdate();
      if (!current || current.status !== "proposed") {
        throw new HttpError(409, "attribution_not_proposed", `the attribution is ${current?.status ?? "gone"}: only a proposal can be accepted or rejected`);
      }
      const changes: PartialModelObject<Attribution> = { status: to, decided_at: new Date(), decided_by: principal.userId };
      if (to === "accepted") changes.payout_address = payout;
      const target = await auditTarget(trx, row.festival_id);
      const updated = await withConstraintErrors(() => updateAudited(trx, audit, Attribution, attributionId, changes, target, to), {
        ck_attributions_total_share: (e) =>
          new HttpError(422, "shares_exceed_100_percent", e.message ?? "the event's accepted shares plus the platform fee would exceed 100 %"),
      });
      return (await this.dtos(trx, [updated]))[0]!;
    });
  }

  /**
   * The organizer changes the terms of a proposed or accepted attribution while the split is not locked; an accepted
   * one goes back to proposed (the contributor consents to the new terms). 409 once the split is locked.
   */
  async update(principal: Principal, audit: AuditContext, attributionId: string, body: UpdateInput) {
    const row = await Attribution.query(this.db).findById(attributionId);
    if (!row) throw notFound("attribution", attributionId);
    const { link, state } = await this.managed(principal, row.event_contract_id).catch((e: unknown) => {
      throw e instanceof HttpError && e.status === 404 ? notFound("attribution", attributionId) : e;
    });
    AttributionsService.assertUnlocked(state);
    if (body.currency !== undefined && !link.config.tiers.some((t) => t.currency.toLowerCase() === body.currency)) {
      throw new HttpError(422, "currency_not_of_event", "a fixed amount is paid in one of the event's tier currencies", [
        { field: "body.currency", message: "not a tier currency of the event" },
      ]);
    }
    const changes: PartialModelObject<Attribution> = {};
    if (body.contributionType !== undefined) changes.contribution_type = body.contributionType;
    if (body.note !== undefined) changes.note = body.note;
    if (body.shareBps !== undefined) Object.assign(changes, { share_bps: body.shareBps, fixed_amount: null, fixed_currency: null });
    if (body.fixedAmount !== undefined) Object.assign(changes, { share_bps: null, fixed_amount: body.fixedAmount, fixed_currency: body.currency });
    return this.db.transaction(async (trx) => {
      const current = await Attribution.query(trx).findById(attributionId).forUpdate();
      if (!current || (current.status !== "proposed" && current.status !== "accepted")) {
        throw new HttpError(409, "attribution_closed", `the attribution is ${current?.status ?? "gone"}`);
      }
      if (current.status === "accepted") Object.assign(changes, { status: "proposed", decided_at: null, decided_by: null });
      const target = await auditTarget(trx, row.festival_id);
      const updated = await withConstraintErrors(() => updateAudited(trx, audit, Attribution, attributionId, changes, target));
      return (await this.dtos(trx, [updated]))[0]!;
    });
  }

  /** The organizer withdraws a proposal (not an accepted attribution: change it, the contributor consents again). */
  async withdraw(principal: Principal, audit: AuditContext, attributionId: string) {
    const row = await Attribution.query(this.db).findById(attributionId);
    if (!row) throw notFound("attribution", attributionId);
    await this.deps.eventContracts.load(principal, row.event_contract_id, MANAGE).catch((e: unknown) => {
      throw e instanceof HttpError && e.status === 404 ? notFound("attribution", attributionId) : e;
    });
    return this.db.transaction(async (trx) => {
      const current = await Attribution.query(trx).findById(attributionId).forUpdate();
      if (current?.status !== "proposed") throw new HttpError(409, "attribution_not_proposed", "only a proposal can be withdrawn");
      const updated = await updateAudited(
        trx,
        audit,
        Attribution,
        attributionId,
        { status: "withdrawn" },
        await auditTarget(trx, row.festival_id),
        "withdrawn",
      );
      return (await this.dtos(trx, [updated]))[0]!;
    });
  }

  /**
   * The exact RevenueSplit.setPayees call the accepted attributions derive (payees merged per payout address, in the
   * order of their first acceptance). 409 once the split is locked; 422 when the split would refuse it.
   */
  async payeeSet(principal: Principal, eventContractId: string) {
    const { link, state } = await this.managed(principal, eventContractId);
    AttributionsService.assertUnlocked(state);
    const accepted = await Attribution.query(this.db).where({ event_contract_id: eventContractId, status: "accepted" }).orderBy(["decided_at", "id"]);
    const payees = new Map<string, { account: string; shareBps: number; fixedAmount: bigint; fixedToken: string; attributionIds: string[] }>();
    for (const a of accepted) {
      const account = a.payout_address!;
      const p = payees.get(account) ?? { account, shareBps: 0, fixedAmount: 0n, fixedToken: "0x0000000000000000000000000000000000000000", attributionIds: [] };
      p.shareBps += a.share_bps ?? 0;
      if (a.fixed_amount !== null) {
        if (p.fixedAmount > 0n && p.fixedToken !== a.fixed_currency) {
          throw new HttpError(422, "conflicting_fixed_currencies", `${account} has fixed amounts in two currencies: the split holds one per payee`);
        }
        p.fixedAmount += BigInt(a.fixed_amount);
        p.fixedToken = a.fixed_currency!;
      }
      p.attributionIds.push(a.id);
      payees.set(account, p);
    }
    const list = [...payees.values()];
    const totalShareBps = state.platform_fee_bps + list.reduce((s, p) => s + p.shareBps, 0);
    if (totalShareBps + state.max_referral_share_bps > BPS) {
      throw new HttpError(
        422,
        "shares_exceed_with_referrals",
        `shares (${totalShareBps} bps with the platform fee) plus the highest referral share (${state.max_referral_share_bps} bps) exceed 100 %`,
      );
    }
    const data = encodeFunctionData({
      abi: revenueSplitAbi,
      functionName: "setPayees",
      args: [list.map((p) => ({ account: p.account as Address, shareBps: p.shareBps, fixedAmount: p.fixedAmount, fixedToken: p.fixedToken as Address }))],
    });
    return {
      call: { chainId: Number(link.chain_id), to: state.split_address, data, value: "0" },
      payees: list.map((p) => ({ ...p, fixedAmount: p.fixedAmount.toString() })),
      totalShareBps,
      maxReferralShareBps: state.max_referral_share_bps,
    };
  }

  // ---------------------------------------------------------------- referrals

  /** A content creator's or sponsor's referral code for an event, naming its primary wallet (one per event and user). */
  async referralLink(principal: Principal, audit: AuditContext, eventContractId: string) {
    if (!hasRole(principal, "content_creator") && !hasRole(principal, "sponsor")) {
      throw new HttpError(403, "not_a_referrer", "referral links are for content creators and sponsors");
    }
    const link = await this.link(eventContractId);
    if (!link || link.status !== "linked" || !link.ticket_address) throw notFound("event_contract", eventContractId);
    const existing = await ReferralLink.query(this.db).where({ event_contract_id: eventContractId, user_id: principal.userId }).first();
    if (existing) return this.referralDto(existing, link);
    const address = await this.primaryWallet(principal.userId);
    if (!address) throw new HttpError(422, "no_wallet", "link an EVM wallet first: referral credits are paid to an address");
    return this.db.transaction(async (trx) => {
      const [inserted] = await trx(ReferralLink.tableName)
        .insert({
          id: newId(),
          event_contract_id: eventContractId,
          user_id: principal.userId,
          referrer_address: address,
          code: randomToken(12),
          created_by: principal.userId,
          updated_by: principal.userId,
        })
        .onConflict(["event_contract_id", "user_id"])
        .ignore()
        .returning("*");
      const row = inserted
        ? ReferralLink.fromDatabaseJson(inserted)
        : (await ReferralLink.query(trx).where({ event_contract_id: eventContractId, user_id: principal.userId }).first())!;
      if (inserted) {
        await recordAudit(trx, audit, {
          action: "referral_link.created",
          entityType: "referral_link",
          entityId: row.id,
          festivalId: link.festival_id,
          after: { eventContractId, referrerAddress: address },
        });
      }
      return this.referralDto(row, link);
    });
  }

  /** Public: what a referral code names (the buyer's wallet passes referrerAddress to purchaseWithReferrer). */
  async resolveReferral(code: string) {
    const row = await ReferralLink.query(this.db).where({ code }).first();
    const link = row ? await this.link(row.event_contract_id) : null;
    if (!row || !link?.ticket_address) throw notFound("referral_link", code);
    return this.referralDto(row, link);
  }

  /** Referral earnings of an event, from the mirror: every referrer for its organizers, the caller's own otherwise. */
  async referralEarnings(principal: Principal, eventContractId: string) {
    const link = await this.link(eventContractId);
    if (!link?.ticket_address) throw notFound("event_contract", eventContractId);
    const access = await festivalAccess(this.db, principal, link.festival_id);
    const organizer = access !== null && access.grants.length > 0;
    const q = this.db("chain_referral_earnings").where({ chain_id: link.chain_id, ticket_address: link.ticket_address });
    if (!organizer) q.whereIn("referrer", await evmWalletsOf(this.db, principal.userId));
    const rows: Array<Record<string, string>> = await q.orderBy(["referrer", "token_address"]);
    return {
      eventContractId,
      items: rows.map((r) => ({
        referrer: r.referrer!,
        token: r.token_address!,
        credited: String(r.credited),
        entitled: String(r.entitled),
        released: String(r.released),
        claimable: String(r.claimable),
      })),
    };
  }

  // ---------------------------------------------------------------- internals

  private async link(eventContractId: string): Promise<LinkView | null> {
    return (await this.db("event_contract_links").where({ id: eventContractId }).first()) ?? null;
  }

  /** One of the user's verified EVM wallets (the users module does not say which is primary through its service). */
  private async primaryWallet(userId: string): Promise<string | null> {
    return (await evmWalletsOf(this.db, userId))[0] ?? null;
  }

  private referralDto(row: ReferralLink, link: LinkView) {
    return {
      code: row.code,
      eventContractId: row.event_contract_id,
      chainId: Number(link.chain_id),
      ticketAddress: link.ticket_address!,
      referrerAddress: row.referrer_address,
      purchaseFunction: "purchaseWithReferrer(uint256 tierId, uint256 quantity, address to, address referrer)",
    };
  }

  /** DTOs with the mirror's view of each payout address: its payee terms and its payouts per currency. */
  private async dtos(db: Knex | Knex.Transaction, rows: Attribution[]) {
    const links = new Map<string, LinkView | null>();
    for (const id of new Set(rows.map((r) => r.event_contract_id))) links.set(id, (await db("event_contract_links").where({ id }).first()) ?? null);
    const bySplit = new Map<string, { payees: Array<Record<string, string>>; payouts: Array<Record<string, string>>; shared: Map<string, number> }>();
    for (const link of links.values()) {
      if (!link?.split_address || bySplit.has(link.split_address)) continue;
      const where = { chain_id: link.chain_id, split_address: link.split_address };
      const accepted: Array<{ payout_address: string; n: string }> = await db("attributions")
        .where({ event_contract_id: link.id, status: "accepted" })
        .groupBy("payout_address")
        .select("payout_address", db.raw("count(*)::text as n"));
      bySplit.set(link.split_address, {
        payees: await db("chain_payees").where(where).where("position", ">", 0),
        payouts: await db("chain_payouts").where(where),
        shared: new Map(accepted.map((a) => [a.payout_address, Number(a.n)])),
      });
    }
    return rows.map((r) => {
      const link = links.get(r.event_contract_id);
      const mirror = link?.split_address ? bySplit.get(link.split_address) : undefined;
      const account = r.payout_address;
      const payee = account ? mirror?.payees.find((p) => p.account === account) : undefined;
      const payouts = account
        ? (mirror?.payouts ?? [])
            .filter((p) => p.account === account)
            .map((p) => ({ token: p.token_address!, entitled: String(p.entitled), released: String(p.released), claimable: String(p.claimable) }))
        : [];
      const released = payouts.some((p) => BigInt(p.released) > 0n);
      const claimable = payouts.some((p) => BigInt(p.claimable) > 0n);
      const status = !payee ? "not_on_chain" : claimable ? "claimable" : released ? "paid" : "on_chain";
      return {
        id: r.id,
        eventContractId: r.event_contract_id,
        festivalId: r.festival_id,
        contributor: { kind: r.contributor_kind, profileId: r.contributor_profile_id, userId: r.contributor_user_id, address: r.contributor_address },
        contributionType: r.contribution_type,
        shareBps: r.share_bps,
        fixedAmount: r.fixed_amount === null ? null : String(r.fixed_amount),
        currency: r.fixed_currency,
        note: r.note,
        status: r.status as AttributionStatus,
        payoutAddress: r.payout_address,
        decidedAt: r.decided_at?.toISOString() ?? null,
        createdAt: r.created_at.toISOString(),
        onChain: payee ? { shareBps: Number(payee.share_bps), fixedAmount: String(payee.fixed_amount), fixedToken: payee.fixed_token! } : null,
        payouts: r.status === "accepted" ? payouts : [],
        payoutStatus: (r.status === "accepted" ? status : "not_on_chain") as "not_on_chain" | "on_chain" | "claimable" | "paid",
        sharedPayee: r.status === "accepted" && account !== null && (mirror?.shared.get(account) ?? 0) > 1,
      };
    });
  }
}

export interface ProposeInput {
  contributor: { kind: "artist" | "content_creator" | "sponsor"; profileId: string } | { kind: "address"; address: Address };
  contributionType: ContributionType;
  shareBps?: number;
  fixedAmount?: string;
  currency?: Address;
  note?: string;
}

export interface UpdateInput {
  contributionType?: ContributionType;
  shareBps?: number;
  fixedAmount?: string;
  currency?: Address;
  note?: string | null;
}
