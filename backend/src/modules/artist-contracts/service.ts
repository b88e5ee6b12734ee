import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import { systemAuditContext } from "../audit/service.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError, type FieldError } from "../../http/errors.js";
import { paginate } from "../../http/pagination.js";
import { artistExists, artistOfUser } from "../organizations/company-service.js";
import { auditCompanyChange, hasAnyRole, inCompany, sqlDate, withTenant, type CompanyRole, type CompanyScope } from "../organizations/tenant.js";
import { productionDates } from "../productions/service.js";
import type { SignatureEvent } from "./esign.js";
import { performanceSends, queuePerformanceSend } from "./performance-chain.js";
import { providerOf, type SignatureProviders } from "./providers.js";
import { manualProvider, ProviderSendError } from "./signature-provider.js";
import type { AmendBody, ContractListQuery, CreateContractBody, SendBody, StatusBody } from "./schemas.js";

/** signature_event_process { companyId, eventId }: applies one stored provider event (jobs.ts). */
export const SIGNATURE_EVENT_TASK = "signature_event_process";

type Status = "draft" | "pending_signature" | "active" | "completed" | "expired" | "terminated" | "cancelled" | "archived";
const MANAGERS: readonly CompanyRole[] = ["admin", "production_manager", "system_admin"];
const STAFF: readonly CompanyRole[] = [...MANAGERS, "accountant"];
/** Status changes a person may make (active comes only from a signature). */
const MANUAL_NEXT: Record<Status, readonly Status[]> = {
  draft: ["cancelled"],
  pending_signature: ["cancelled"],
  active: ["completed", "expired", "terminated"],
  completed: ["archived"],
  expired: ["archived"],
  terminated: ["archived"],
  cancelled: ["archived"],
  archived: [],
};
/** The terms an amendment compares, version to version. */
const TERM_FIELDS = ["fee_minor", "currency", "starts_on", "ends_on", "terms", "union_name", "union_member_number", "union_minimum_rate_minor"] as const;

interface ContractRow {
  id: string;
  company_id: string;
  artist_id: string;
  production_id: string;
  number: string;
  status: Status;
  current_version: number;
  signed_version: number | null;
  engagement_id: string | null;
  payee_address: string | null;
  performance_status: "pending" | "confirmed" | "cancelled";
  performance_decided_at: Date | null;
  created_at: Date;
}

interface VersionRow {
  id: string;
  contract_id: string;
  version: number;
  fee_minor: string;
  currency: string;
  starts_on: string | Date;
  ends_on: string | Date;
  terms: Record<string, unknown>;
  union_name: string | null;
  union_member_number: string | null;
  union_minimum_rate_minor: string | null;
  document_sha256: Buffer;
  amendment_reason: string | null;
  term_diff: Record<string, { from: unknown; to: unknown }> | null;
  signed_at: Date | null;
  created_at: Date;
}

interface Terms {
  fee_minor: string;
  currency: string;
  starts_on: string;
  ends_on: string;
  terms: Record<string, unknown>;
  union_name: string | null;
  union_member_number: string | null;
  union_minimum_rate_minor: string | null;
}

function notFound(id: string): HttpError {
  return new HttpError(404, "contract_not_found", `contract ${id} not found`);
}

function termsOf(v: VersionRow): Terms {
  return {
    fee_minor: String(v.fee_minor),
    currency: v.currency,
    starts_on: sqlDate(v.starts_on),
    ends_on: sqlDate(v.ends_on),
    terms: v.terms,
    union_name: v.union_name,
    union_member_number: v.union_member_number,
    union_minimum_rate_minor: v.union_minimum_rate_minor === null ? null : String(v.union_minimum_rate_minor),
  };
}

export function termDiff(from: Terms, to: Terms): Record<string, { from: unknown; to: unknown }> {
  const diff: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of TERM_FIELDS) {
    if (JSON.stringify(from[field]) !== JSON.stringify(to[field])) diff[field] = { from: from[field], to: to[field] };
  }
  return diff;
}

/**
 * The seed's rules on a version's terms, checked at creation, amendment and sending: the fee
 * is positive, the dates lie inside the production, the fee meets the union minimum.
 */
async function assertTerms(trx: Knex.Transaction, productionId: string, t: Terms, field = (f: string) => `body.${f}`): Promise<void> {
  if (BigInt(t.fee_minor) <= 0n)
    throw new HttpError(422, "contract_fee_not_positive", "a contract's fee is more than zero", [{ field: field("feeMinor"), message: "must be > 0" }]);
  if (t.ends_on < t.starts_on)
    throw new HttpError(422, "contract_ends_before_start", "a contract ends on or after its first day", [
      { field: field("endsOn"), message: "before startsOn" },
    ]);
  const production = await productionDates(trx, productionId);
  if (!production) throw new HttpError(422, "production_not_found", "no such production", [{ field: field("productionId"), message: "not found" }]);
  const errors: FieldError[] = [];
  if (t.starts_on < production.startsOn) errors.push({ field: field("startsOn"), message: `before the production starts (${production.startsOn})` });
  if (t.ends_on > production.endsOn) errors.push({ field: field("endsOn"), message: `after the production ends (${production.endsOn})` });
  if (errors.length)
    throw new HttpError(
      422,
      "contract_dates_outside_production",
      `a contract's dates lie within its production (${production.startsOn} to ${production.endsOn})`,
      errors,
    );
  if (t.union_minimum_rate_minor !== null && BigInt(t.fee_minor) < BigInt(t.union_minimum_rate_minor))
    throw new HttpError(422, "below_union_minimum", "the fee is below the union's minimum rate", [
      { field: field("feeMinor"), message: "below union.minimumRateMinor" },
    ]);
}

function sha256(base64: string): Buffer {
  return createHash("sha256").update(Buffer.from(base64, "base64")).digest();
}

export class ContractService {
  constructor(
    private readonly db: Knex,
    private readonly providers: SignatureProviders = { manual: manualProvider },
  ) {}

  private async dto(trx: Knex.Transaction, c: ContractRow) {
    const [versions, milestones, requests, sends] = await Promise.all([
      trx("artist_contract_versions").where({ contract_id: c.id }).orderBy("version"),
      trx("artist_contract_milestones").where({ contract_id: c.id }).orderBy("due_on"),
      trx("signature_requests").where({ contract_id: c.id }).orderBy("created_at"),
      performanceSends(trx, c.id),
    ]);
    const base = summary(c);
    return {
      ...base,
      performance: { ...base.performance, chain: sends },
      versions: versions.map((v: VersionRow) => {
        const t = termsOf(v);
        return {
          version: v.version,
          feeMinor: t.fee_minor,
          currency: t.currency,
          startsOn: t.starts_on,
          endsOn: t.ends_on,
          terms: v.terms,
          union: v.union_name ? { name: v.union_name, memberNumber: v.union_member_number, minimumRateMinor: t.union_minimum_rate_minor } : null,
          documentSha256: v.document_sha256.toString("hex"),
          amendmentReason: v.amendment_reason,
          termDiff: v.term_diff,
          signedAt: v.signed_at?.toISOString() ?? null,
          createdAt: v.created_at.toISOString(),
        };
      }),
      milestones: milestones.map((m) => ({
        id: m.id,
        label: m.label,
        dueOn: sqlDate(m.due_on),
        amountMinor: String(m.amount_minor),
        status: m.status,
        paidAt: m.paid_at?.toISOString() ?? null,
      })),
      signatureRequests: requests.map((r) => ({
        id: r.id,
        version: r.version,
        provider: r.provider,
        envelopeId: r.envelope_id,
        status: r.status,
        completedAt: r.completed_at?.toISOString() ?? null,
      })),
    };
  }

  /** A contract the caller may see: staff see all, an artist their own. */
  private async visible(scope: CompanyScope, contractId: string, lock = false): Promise<ContractRow> {
    const q = scope.trx("artist_contracts").where({ id: contractId }).first();
    const row: ContractRow | undefined = await (lock ? q.forUpdate() : q);
    if (!row) throw notFound(contractId);
    if (!hasAnyRole(scope, STAFF)) {
      const me = await artistOfUser(scope.trx, scope.userId);
      if (me?.id !== row.artist_id) throw notFound(contractId);
    }
    return row;
  }

  create(principal: Principal, ctx: AuditContext, companyId: string, input: z.output<typeof CreateContractBody>) {
    return inCompany(this.db, principal, companyId, MANAGERS, async ({ trx, userId }) => {
      if (!(await artistExists(trx, input.artistId)))
        throw new HttpError(422, "artist_not_found", "no such artist on the roster", [{ field: "body.artistId", message: "not on the roster" }]);
      const terms: Terms = {
        fee_minor: String(input.feeMinor),
        currency: input.currency,
        starts_on: input.startsOn,
        ends_on: input.endsOn,
        terms: input.terms ?? {},
        union_name: input.union?.name ?? null,
        union_member_number: input.union?.memberNumber ?? null,
        union_minimum_rate_minor: input.union?.minimumRateMinor === undefined ? null : String(input.union.minimumRateMinor),
      };
      await assertTerms(trx, input.productionId, terms);
      const milestoneTotal = input.milestones.reduce((sum, m) => sum + BigInt(m.amountMinor), 0n);
      if (milestoneTotal > BigInt(input.feeMinor))
        throw new HttpError(422, "milestones_exceed_fee", "payment milestones add up to more than the fee", [
          { field: "body.milestones", message: "sum above feeMinor" },
        ]);
      const id = newId();
      const number = input.number ?? `AC-${new Date().getUTCFullYear()}-${id.slice(-8).toUpperCase()}`;
      const [contract] = await trx("artist_contracts")
        .insert({
          id,
          company_id: companyId,
          artist_id: input.artistId,
          production_id: input.productionId,
          number,
          engagement_id: input.engagementId ?? null,
          payee_address: input.payeeAddress?.toLowerCase() ?? null,
          created_by: userId,
          updated_by: userId,
        })
        .returning("*")
        .catch((error: { constraint?: string }) => {
          if (error.constraint === "uq_artist_contracts_company_number")
            throw new HttpError(409, "contract_number_taken", `contract number ${number} is taken`, [{ field: "body.number", message: "taken" }]);
          if (error.constraint === "fk_artist_contracts_engagement")
            throw new HttpError(422, "engagement_not_found", "no such engagement", [{ field: "body.engagementId", message: "not found" }]);
          throw error;
        });
      await trx("artist_contract_versions").insert({
        id: newId(),
        company_id: companyId,
        contract_id: id,
        version: 1,
        ...terms,
        terms: JSON.stringify(terms.terms),
        document_sha256: sha256(input.document),
        created_by: userId,
        updated_by: userId,
      });
      if (input.milestones.length)
        await trx("artist_contract_milestones").insert(
          input.milestones.map((m) => ({
            id: newId(),
            company_id: companyId,
            contract_id: id,
            label: m.label,
            due_on: m.dueOn,
            amount_minor: m.amountMinor,
            created_by: userId,
            updated_by: userId,
          })),
        );
      await auditCompanyChange(trx, ctx, {
        action: "artist_contract.created",
        entityType: "artist_contract",
        entityId: id,
        companyId,
        after: { ...contract, terms },
      });
      return this.dto(trx, contract);
    });
  }

  get(principal: Principal, companyId: string, contractId: string) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => this.dto(scope.trx, await this.visible(scope, contractId)));
  }

  list(principal: Principal, companyId: string, query: z.output<typeof ContractListQuery>) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => {
      const q = scope.trx("artist_contracts");
      if (!hasAnyRole(scope, STAFF)) {
        const me = await artistOfUser(scope.trx, scope.userId);
        q.where({ artist_id: me?.id ?? "00000000-0000-0000-0000-000000000000" });
      }
      if (query.status) q.where({ status: query.status });
      return paginate(q, query, { column: "created_at", id: "id", order: "desc" }, (c: ContractRow) => ({
        ...summary(c),
        versions: [],
        milestones: [],
        signatureRequests: [],
      }));
    });
  }

  /**
   * An amendment is a new version with its reason and the diff of its terms. It is made
   * before signature: a signed version is final (the contract is then completed, terminated
   * or replaced), and an amendment must start from the current version.
   */
  amend(principal: Principal, ctx: AuditContext, companyId: string, contractId: string, input: z.output<typeof AmendBody>) {
    return inCompany(this.db, principal, companyId, MANAGERS, async (scope) => {
      const { trx, userId } = scope;
      const before = await this.visible(scope, contractId, true);
      const current: VersionRow = await trx("artist_contract_versions").where({ contract_id: contractId, version: before.current_version }).first();
      if (input.basedOnVersion !== before.current_version)
        throw new HttpError(409, "not_current_version", `version ${input.basedOnVersion} is not the current version (${before.current_version})`, [
          { field: "body.basedOnVersion", message: `the current version is ${before.current_version}` },
        ]);
      if (current.signed_at || before.signed_version !== null)
        throw new HttpError(422, "signed_version_immutable", `version ${current.version} is signed: a signed version is never amended`);
      if (!["draft", "pending_signature"].includes(before.status))
        throw new HttpError(422, "contract_not_amendable", `a ${before.status} contract is not amended`);
      const from = termsOf(current);
      const to: Terms = {
        fee_minor: input.feeMinor === undefined ? from.fee_minor : String(input.feeMinor),
        currency: input.currency ?? from.currency,
        starts_on: input.startsOn ?? from.starts_on,
        ends_on: input.endsOn ?? from.ends_on,
        terms: input.terms ?? from.terms,
        union_name: input.union === undefined ? from.union_name : (input.union?.name ?? null),
        union_member_number: input.union === undefined ? from.union_member_number : (input.union?.memberNumber ?? null),
        union_minimum_rate_minor:
          input.union === undefined ? from.union_minimum_rate_minor : input.union?.minimumRateMinor === undefined ? null : String(input.union.minimumRateMinor),
      };
      await assertTerms(trx, before.production_id, to);
      const diff = termDiff(from, to);
      const version = before.current_version + 1;
      await trx("artist_contract_versions").insert({
        id: newId(),
        company_id: companyId,
        contract_id: contractId,
        version,
        ...to,
        terms: JSON.stringify(to.terms),
        document_sha256: sha256(input.document),
        amendment_reason: input.reason,
        term_diff: JSON.stringify(diff),
        created_by: userId,
        updated_by: userId,
      });
      // a request out for the old version can no longer make the contract active
      await trx("signature_requests")
        .where({ contract_id: contractId, status: "sent" })
        .update({ status: "voided", completed_at: trx.fn.now(), updated_by: userId });
      const [after] = await trx("artist_contracts")
        .where({ id: contractId })
        .update({ current_version: version, status: "draft", updated_by: userId })
        .returning("*");
      await auditCompanyChange(trx, ctx, {
        action: "artist_contract.amended",
        entityType: "artist_contract",
        entityId: contractId,
        companyId,
        before: { ...before, terms: from },
        after: { ...after, terms: to, amendment_reason: input.reason },
      });
      return this.dto(trx, after);
    });
  }

  /** Only the current version goes out for signature; its terms are checked once more. */
  send(principal: Principal, ctx: AuditContext, companyId: string, contractId: string, input: z.output<typeof SendBody>) {
    return inCompany(this.db, principal, companyId, MANAGERS, async (scope) => {
      const { trx, userId } = scope;
      const before = await this.visible(scope, contractId, true);
      if (input.version !== before.current_version)
        throw new HttpError(409, "not_current_version", `only the current version (${before.current_version}) is sent for signature`, [
          { field: "body.version", message: `the current version is ${before.current_version}` },
        ]);
      if (before.status !== "draft") throw new HttpError(409, "contract_not_draft", `the contract is ${before.status}`);
      const current: VersionRow = await trx("artist_contract_versions").where({ contract_id: contractId, version: input.version }).first();
      await assertTerms(trx, before.production_id, termsOf(current), (f) => `version.${f}`);
      // the provider gets the document itself: it must be the one the version's SHA-256 names
      if (input.provider !== "manual" && !input.document)
        throw new HttpError(400, "invalid_input", "the document is required to send it through a provider", [
          { field: "body.document", message: `required for ${input.provider}` },
        ]);
      if (input.document && !sha256(input.document).equals(current.document_sha256))
        throw new HttpError(422, "document_mismatch", `the document is not version ${input.version}'s (its SHA-256 differs)`, [
          { field: "body.document", message: "SHA-256 differs from the version's" },
        ]);
      const provider = providerOf(this.providers, input.provider);
      const artist = await artistExists(trx, before.artist_id);
      const signer = artist && (await trx("user_accounts").where({ id: artist.user_id }).first("display_name", "email"));
      // inside the contract's row lock, so two sends never create two envelopes (the provider answers within its timeout)
      const { envelopeId } = await provider
        .send({
          reference: `${before.number} v${input.version}`,
          subject: `Please sign contract ${before.number} (version ${input.version})`,
          document: input.document ? Buffer.from(input.document, "base64") : Buffer.alloc(0),
          documentName: `${before.number}-v${input.version}.pdf`,
          signer: { name: signer?.display_name ?? "Artist", email: signer?.email ?? "" },
        })
        .catch((error: unknown) => {
          if (error instanceof ProviderSendError)
            throw new HttpError(502, "esign_provider_failed", `${input.provider} did not take the envelope: ${error.message}`);
          throw error;
        });
      const [request] = await trx("signature_requests")
        .insert({
          id: newId(),
          company_id: companyId,
          contract_id: contractId,
          version: input.version,
          provider: input.provider,
          envelope_id: envelopeId,
          created_by: userId,
          updated_by: userId,
        })
        .returning("*")
        .catch((error: { constraint?: string }) => {
          if (error.constraint === "uq_signature_requests_provider_envelope") throw new HttpError(409, "envelope_in_use", "this envelope is another request's");
          throw error;
        });
      const [after] = await trx("artist_contracts").where({ id: contractId }).update({ status: "pending_signature", updated_by: userId }).returning("*");
      await auditCompanyChange(trx, ctx, {
        action: "artist_contract.sent_for_signature",
        entityType: "artist_contract",
        entityId: contractId,
        companyId,
        before,
        after: { ...after, signature_request_id: request.id, provider: request.provider },
      });
      return this.dto(trx, after);
    });
  }

  /** The built-in manual provider: the artist signs in the platform. */
  signManually(principal: Principal, ctx: AuditContext, companyId: string, contractId: string, requestId: string) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => {
      const contract = await this.visible(scope, contractId, true);
      const me = await artistOfUser(scope.trx, scope.userId);
      if (me?.id !== contract.artist_id) throw new HttpError(403, "only_the_artist_signs", "the contract's artist signs it");
      const request = await scope.trx("signature_requests").where({ id: requestId, contract_id: contractId, provider: "manual" }).forUpdate().first();
      if (!request) throw new HttpError(404, "signature_request_not_found", `signature request ${requestId} not found`);
      const outcome = await applySignature(scope.trx, ctx, companyId, request, "signed");
      if (outcome !== "applied") throw new HttpError(409, "signature_not_open", `the request is ${outcome}`);
      return this.dto(scope.trx, await scope.trx("artist_contracts").where({ id: contractId }).first());
    });
  }

  changeStatus(principal: Principal, ctx: AuditContext, companyId: string, contractId: string, input: z.output<typeof StatusBody>) {
    return inCompany(this.db, principal, companyId, MANAGERS, async (scope) => {
      const { trx, userId } = scope;
      const before = await this.visible(scope, contractId, true);
      if (!MANUAL_NEXT[before.status].includes(input.status))
        throw new HttpError(422, "contract_status_transition", `a ${before.status} contract cannot become ${input.status}`, [
          { field: "body.status", message: `one of ${MANUAL_NEXT[before.status].join(", ") || "(none)"}` },
        ]);
      if (input.status === "cancelled")
        await trx("signature_requests")
          .where({ contract_id: contractId, status: "sent" })
          .update({ status: "voided", completed_at: trx.fn.now(), updated_by: userId });
      if (["cancelled", "terminated"].includes(input.status))
        await trx("artist_contract_milestones")
          .where({ contract_id: contractId })
          .whereIn("status", ["pending", "due"])
          .update({ status: "cancelled", updated_by: userId });
      const [after] = await trx("artist_contracts").where({ id: contractId }).update({ status: input.status, updated_by: userId }).returning("*");
      await auditCompanyChange(trx, ctx, {
        action: "artist_contract.status_changed",
        entityType: "artist_contract",
        entityId: contractId,
        companyId,
        before,
        after: { ...after, reason: input.reason ?? null },
      });
      return this.dto(trx, after);
    });
  }

  /** Finance records a milestone as paid; only an active (signed) contract pays. */
  payMilestone(principal: Principal, ctx: AuditContext, companyId: string, contractId: string, milestoneId: string) {
    return inCompany(this.db, principal, companyId, ["accountant", "system_admin"], async (scope) => {
      const contract = await this.visible(scope, contractId, true);
      if (!["active", "completed"].includes(contract.status))
        throw new HttpError(422, "contract_not_active", "milestones are paid on a signed, active contract");
      const before = await scope.trx("artist_contract_milestones").where({ id: milestoneId, contract_id: contractId }).forUpdate().first();
      if (!before) throw new HttpError(404, "milestone_not_found", `milestone ${milestoneId} not found`);
      if (before.status === "paid" || before.status === "cancelled") throw new HttpError(409, "milestone_closed", `the milestone is ${before.status}`);
      const [after] = await scope
        .trx("artist_contract_milestones")
        .where({ id: milestoneId })
        .update({ status: "paid", paid_at: scope.trx.fn.now(), updated_by: scope.userId })
        .returning("*");
      await auditCompanyChange(scope.trx, ctx, {
        action: "contract_milestone.paid",
        entityType: "contract_milestone",
        entityId: milestoneId,
        companyId,
        before,
        after,
      });
      return this.dto(scope.trx, contract);
    });
  }

  /**
   * A verified provider event, in the request: stored once per event key (a retry answers
   * `duplicate`) and queued (signature_event_process, job key per event); the job applies it.
   * Unknown envelopes are acknowledged and dropped (nothing ties them to a company).
   */
  async receiveWebhook(event: SignatureEvent): Promise<{ status: "received" | "duplicate" | "unknown_envelope" }> {
    const companyId = await companyOfEnvelope(this.db, event.provider, event.envelopeId);
    if (!companyId) return { status: "unknown_envelope" };
    return withTenant(this.db, companyId, async (trx) => {
      const [stored] = await trx("signature_webhook_events")
        .insert({
          id: newId(),
          company_id: companyId,
          provider: event.provider,
          event_key: event.eventKey,
          envelope_id: event.envelopeId,
          event_type: event.eventType,
          payload: JSON.stringify(event.payload),
        })
        .onConflict(["provider", "event_key"])
        .ignore()
        .returning("id");
      if (!stored) return { status: "duplicate" };
      await trx.raw("select backoffice_enqueue_job(?, json_build_object('companyId', ?::text, 'eventId', ?::text), ?)", [
        SIGNATURE_EVENT_TASK,
        companyId,
        stored.id,
        `${SIGNATURE_EVENT_TASK}:${stored.id}`,
      ]);
      return { status: "received" };
    });
  }

  /** The job: applies a stored event once (a retried job finds it processed); returns its outcome. */
  processStoredEvent(companyId: string, eventId: string): Promise<string | null> {
    return withTenant(this.db, companyId, async (trx) => {
      const event = await trx("signature_webhook_events").where({ id: eventId }).forUpdate().first("processed_at", "outcome");
      if (!event) return null;
      if (event.processed_at) return event.outcome as string;
      return this.processEvent(trx, systemAuditContext(), companyId, eventId);
    });
  }

  private async processEvent(trx: Knex.Transaction, ctx: AuditContext, companyId: string, eventId: string): Promise<string> {
    const event = await trx("signature_webhook_events").where({ id: eventId }).forUpdate().first();
    const request = await trx("signature_requests").where({ provider: event.provider, envelope_id: event.envelope_id }).forUpdate().first();
    const kind = outcomeOf(event.provider, event.event_type);
    const outcome = !request ? "unknown_envelope" : kind === "ignored" ? "ignored" : await applySignature(trx, ctx, companyId, request, kind);
    await trx("signature_webhook_events").where({ id: eventId }).update({ outcome, processed_at: trx.fn.now() });
    return outcome;
  }

  /** Runs a stored event again (after a fix, or to re-check it); applying is idempotent. */
  replay(principal: Principal, ctx: AuditContext, companyId: string, eventId: string) {
    return inCompany(this.db, principal, companyId, ["system_admin", "admin"], async ({ trx }) => {
      const event = await trx("signature_webhook_events").where({ id: eventId }).first();
      if (!event) throw new HttpError(404, "signature_event_not_found", `event ${eventId} not found`);
      await this.processEvent(trx, ctx, companyId, eventId);
      return webhookDto(await trx("signature_webhook_events").where({ id: eventId }).first());
    });
  }

  /** A production manager confirms or cancels the performance of an active contract (paid on performance). */
  decidePerformance(principal: Principal, ctx: AuditContext, companyId: string, contractId: string, outcome: "confirmed" | "cancelled") {
    return inCompany(this.db, principal, companyId, MANAGERS, async (scope) => {
      const before = await this.visible(scope, contractId, true);
      await decide(scope.trx, ctx, companyId, before, outcome, "production_manager", scope.userId);
      return this.dto(scope.trx, await scope.trx("artist_contracts").where({ id: contractId }).first());
    });
  }

  listEvents(principal: Principal, companyId: string, page: { limit: number; cursor?: string }) {
    return inCompany(this.db, principal, companyId, ["system_admin", "admin"], ({ trx }) =>
      paginate(trx("signature_webhook_events"), page, { column: "received_at", id: "id", order: "desc" }, webhookDto),
    );
  }
}

function outcomeOf(provider: string, eventType: string): "signed" | "declined" | "voided" | "ignored" {
  const map: Record<string, "signed" | "declined" | "voided"> =
    provider === "docusign"
      ? { "envelope-completed": "signed", "envelope-declined": "declined", "envelope-voided": "voided" }
      : { signature_request_all_signed: "signed", signature_request_declined: "declined", signature_request_canceled: "voided" };
  return map[eventType] ?? "ignored";
}

/**
 * A signature request's outcome. Signed: the request's version becomes the signed one and the
 * contract active, only while that version is still current and the contract waits for it.
 */
async function applySignature(
  trx: Knex.Transaction,
  ctx: AuditContext,
  companyId: string,
  request: { id: string; contract_id: string; version: number; status: string },
  outcome: "signed" | "declined" | "voided",
): Promise<string> {
  if (request.status !== "sent") return request.status === outcome ? "already_applied" : `request_${request.status}`;
  await trx("signature_requests").where({ id: request.id }).update({ status: outcome, completed_at: trx.fn.now() });
  const before: ContractRow = await trx("artist_contracts").where({ id: request.contract_id }).forUpdate().first();
  if (before.current_version !== request.version || before.status !== "pending_signature") return "stale_version";
  const patch =
    outcome === "signed" ? { status: "active", signed_version: request.version } : { status: "draft" /* declined or voided: back to the drawing board */ };
  if (outcome === "signed")
    await trx("artist_contract_versions").where({ contract_id: request.contract_id, version: request.version }).update({ signed_at: trx.fn.now() });
  const [after] = await trx("artist_contracts").where({ id: request.contract_id }).update(patch).returning("*");
  await auditCompanyChange(trx, ctx, {
    action: `artist_contract.signature_${outcome}`,
    entityType: "artist_contract",
    entityId: request.contract_id,
    companyId,
    before,
    after,
  });
  return "applied";
}

async function decide(
  trx: Knex.Transaction,
  ctx: AuditContext,
  companyId: string,
  before: ContractRow,
  outcome: "confirmed" | "cancelled",
  source: "check_in" | "production_manager" | "session_cancelled",
  userId: string | null,
): Promise<void> {
  if (before.status !== "active") throw new HttpError(422, "contract_not_active", "a performance is confirmed or cancelled on an active (signed) contract");
  if (before.performance_status !== "pending") throw new HttpError(409, "performance_decided", `the performance is already ${before.performance_status}`);
  const [after] = await trx("artist_contracts")
    .where({ id: before.id })
    .update({ performance_status: outcome, performance_decided_at: trx.fn.now(), performance_decided_by: userId, performance_source: source })
    .returning("*");
  await auditCompanyChange(trx, ctx, {
    action: `artist_contract.performance_${outcome}`,
    entityType: "artist_contract",
    entityId: before.id,
    companyId,
    before,
    after,
  });
  // tied to a payee of an event's revenue split: the chain learns it from a job (performance-chain.ts)
  if (before.payee_address && before.engagement_id)
    await queuePerformanceSend(trx, {
      companyId,
      contractId: before.id,
      payee: before.payee_address,
      action: outcome === "confirmed" ? "confirm" : "cancel",
      userId,
    });
}

/**
 * The artist checked in at a performance session of a production: their active contracts for
 * it with a pending performance become confirmed (passed to the productions module by app.ts,
 * which runs it in its tenant transaction).
 */
export async function confirmPerformancesByCheckIn(
  trx: Knex.Transaction,
  ctx: AuditContext,
  companyId: string,
  productionId: string,
  artistId: string,
): Promise<number> {
  const rows: ContractRow[] = await trx("artist_contracts")
    .where({ production_id: productionId, artist_id: artistId, status: "active", performance_status: "pending" })
    .forUpdate();
  for (const row of rows) await decide(trx, ctx, companyId, row, "confirmed", "check_in", null);
  return rows.length;
}

/**
 * A performance session of a production was cancelled: the artist's active contracts for it
 * with a pending performance are cancelled when no scheduled performance session of the
 * production is left for the artist (productions passes that test's answer; app.ts wires it).
 */
export async function cancelPerformancesBySession(
  trx: Knex.Transaction,
  ctx: AuditContext,
  companyId: string,
  productionId: string,
  artistId: string,
): Promise<number> {
  const rows: ContractRow[] = await trx("artist_contracts")
    .where({ production_id: productionId, artist_id: artistId, status: "active", performance_status: "pending" })
    .forUpdate();
  for (const row of rows) await decide(trx, ctx, companyId, row, "cancelled", "session_cancelled", ctx.actorUserId);
  return rows.length;
}

async function companyOfEnvelope(db: Knex, provider: string, envelopeId: string): Promise<string | null> {
  // the one lookup across tenants, through a definer function that answers only this
  return db.transaction(async (trx) => {
    await trx.raw("select set_config('role', 'backoffice_tenant', true)");
    const { rows } = await trx.raw("select signature_request_company(?, ?) as company_id", [provider, envelopeId]);
    return (rows[0]?.company_id as string | null) ?? null;
  });
}

/** A contract without its versions, milestones and signature requests (lists); the full view adds them. */
function summary(c: ContractRow) {
  return {
    id: c.id,
    number: c.number,
    artistId: c.artist_id,
    productionId: c.production_id,
    status: c.status,
    currentVersion: c.current_version,
    signedVersion: c.signed_version,
    engagementId: c.engagement_id,
    payeeAddress: c.payee_address,
    performance: { status: c.performance_status, decidedAt: c.performance_decided_at?.toISOString() ?? null },
    createdAt: c.created_at.toISOString(),
  };
}

function webhookDto(e: { id: string; provider: string; event_type: string; envelope_id: string; outcome: string | null; received_at: Date }) {
  return { id: e.id, provider: e.provider, eventType: e.event_type, envelopeId: e.envelope_id, outcome: e.outcome, receivedAt: e.received_at.toISOString() };
}
