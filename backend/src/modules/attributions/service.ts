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
import { assertFestivalAccess, festivalAccess, type FestivalAccessRequirement } from "../festival-access/service.js";
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
    AttributionsService.assertCurrency(body.currency, new Set(link.config.tiers.map((t) => t.currency.toLowerCase())));
    return this.insertProposal(
      audit,
      { event_contract_id: link.id, edition_id: null, festival_id: link.festival_id, platform_fee_bps: state.platform_fee_bps },
      body,
    );
  }

  /**
   * An edition's attribution: a share of all its events' revenue (their splits encode it one by one; the edition's
   * accepted percentages stay within 100 %). A fixed amount is in a tier currency of one of its event contracts.
   */
  async proposeForEdition(principal: Principal, audit: AuditContext, editionId: string, body: ProposeInput) {
    const festivalId = await this.editionFestival(principal, editionId, MANAGE);
    AttributionsService.assertCurrency(body.currency, await this.editionCurrencies(principal, editionId));
    return this.insertProposal(audit, { event_contract_id: null, edition_id: editionId, festival_id: festivalId, platform_fee_bps: 0 }, body);
  }

  async listForEdition(principal: Principal, editionId: string, page: PageQuery) {
    await this.editionFestival(principal, editionId, VIEW);
    const rows = await paginate(Attribution.query(this.db).where({ edition_id: editionId }).toKnexQuery(), page, { column: "created_at", order: "asc" }, (r) =>
      Attribution.fromDatabaseJson(r),
    );
    return { items: await this.dtos(this.db, rows.items), nextCursor: rows.nextCursor };
  }

  /** The edition's festival, if the caller may see it at `required` (404 for the edition otherwise, 403 when seen). */
  private async editionFestival(principal: Principal, editionId: string, required: FestivalAccessRequirement): Promise<string> {
    const edition: { festival_id: string } | undefined = await this.db("edition_time_zones").where({ id: editionId }).first("festival_id");
    if (!edition) throw notFound("edition", editionId);
    await assertFestivalAccess(this.db, principal, edition.festival_id, required).catch((e: unknown) => {
      throw e instanceof HttpError && e.status === 404 ? notFound("edition", editionId) : e;
    });
    return edition.festival_id;
  }

  /** The tier currencies of the edition's event contracts. */
  private async editionCurrencies(principal: Principal, editionId: string): Promise<Set<string>> {
    const ids: Array<{ id: string }> = await this.db("event_contract_links").where({ edition_id: editionId }).select("id");
    const currencies = new Set<string>();
    for (const { id } of ids) {
      const link = await this.deps.eventContracts.load(principal, id, VIEW);
      for (const t of link.config.tiers) currencies.add(t.currency.toLowerCase());
    }
    return currencies;
  }

  private static assertCurrency(currency: string | undefined, currencies: Set<string>) {
    if (currency !== undefined && !currencies.has(currency)) {
      throw new HttpError(422, "currency_not_of_event", "a fixed amount is paid in one of the event's tier currencies", [
        { field: "body.currency", message: currencies.size ? `not one of ${[...currencies].join(", ")}` : "the edition has no event contract yet" },
      ]);
    }
  }

  private async insertProposal(
    audit: AuditContext,
    scope: { event_contract_id: string | null; edition_id: string | null; festival_id: string; platform_fee_bps: number },
    body: ProposeInput,
  ) {
    const contributor = await this.contributor(body.contributor);
    return this.db.transaction(async (trx) => {
      const row = await insertAudited(
        trx,
        audit,
        Attribution,
        {
          ...scope,
          ...contributor,
          payout_address: contributor.contributor_kind === "address" ? contributor.contributor_address : null,
          contribution_type: body.contributionType,
          share_bps: body.shareBps ?? null,
          fixed_amount: body.fixedAmount ?? null,
          fixed_currency: body.currency ?? null,
          note: body.note ?? null,
          status: "proposed",
        },
        await auditTarget(trx, scope.festival_id),
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
    const link = row.event_contract_id ? await this.link(row.event_contract_id) : null;
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
    const hidden = (e: unknown) => {
      throw e instanceof HttpError && e.status === 404 ? notFound("attribution", attributionId) : e;
    };
    if (row.event_contract_id) {
      const { link, state } = await this.managed(principal, row.event_contract_id).catch(hidden);
      AttributionsService.assertUnlocked(state);
      AttributionsService.assertCurrency(body.currency, new Set(link.config.tiers.map((t) => t.currency.toLowerCase())));
    } else {
      await this.editionFestival(principal, row.edition_id!, MANAGE).catch(hidden);
      AttributionsService.assertCurrency(body.currency, await this.editionCurrencies(principal, row.edition_id!));
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
    const hidden = (e: unknown) => {
      throw e instanceof HttpError && e.status === 404 ? notFound("attribution", attributionId) : e;
    };
    if (row.event_contract_id) await this.deps.eventContracts.load(principal, row.event_contract_id, MANAGE).catch(hidden);
    else await this.editionFestival(principal, row.edition_id!, MANAGE).catch(hidden);
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
    for (const id of new Set(rows.flatMap((r) => (r.event_contract_id ? [r.event_contract_id] : []))))
      links.set(id, (await db("event_contract_links").where({ id }).first()) ?? null);
    // an edition's attribution is paid through the splits of the edition's event contracts: its payouts add them up
    const editionPayouts = new Map<string, Array<Record<string, string>>>();
    for (const editionId of new Set(rows.flatMap((r) => (r.edition_id ? [r.edition_id] : [])))) {
      const splits: Array<{ chain_id: string; split_address: string }> = await db("event_contract_links")
        .where({ edition_id: editionId })
        .whereNotNull("split_address")
        .select("chain_id", "split_address");
      const sums: Array<Record<string, string>> = splits.length
        ? await db("chain_payouts")
            .where((w) => {
              for (const sp of splits) w.orWhere({ chain_id: sp.chain_id, split_address: sp.split_address });
            })
            .groupBy("account", "token_address")
            .select(
              "account",
              "token_address",
              db.raw("sum(entitled)::text as entitled"),
              db.raw("sum(released)::text as released"),
              db.raw("sum(claimable)::text as claimable"),
            )
        : [];
      editionPayouts.set(editionId, sums);
    }
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
      const link = r.event_contract_id ? links.get(r.event_contract_id) : undefined;
      const mirror = link?.split_address ? bySplit.get(link.split_address) : undefined;
      const account = r.payout_address;
      const payee = account ? mirror?.payees.find((p) => p.account === account) : undefined;
      const payouts = account
        ? (r.edition_id ? (editionPayouts.get(r.edition_id) ?? []) : (mirror?.payouts ?? []))
            .filter((p) => p.account === account)
            .map((p) => ({ token: p.token_address!, entitled: String(p.entitled), released: String(p.released), claimable: String(p.claimable) }))
        : [];
      const released = payouts.some((p) => BigInt(p.released) > 0n);
      const claimable = payouts.some((p) => BigInt(p.claimable) > 0n);
      const onChainAtAll = r.edition_id ? payouts.length > 0 : payee !== undefined;
      const status = !onChainAtAll ? "not_on_chain" : claimable ? "claimable" : released ? "paid" : "on_chain";
      return {
        id: r.id,
        eventContractId: r.event_contract_id,
        editionId: r.edition_id,
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
