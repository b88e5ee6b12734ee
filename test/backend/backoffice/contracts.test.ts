import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { loadConfig } from "../../../lib/config.js";
import { docusignSignature, dropboxSignEventHash } from "../../../backend/src/modules/artist-contracts/esign.js";
import { runContractJobsOnce } from "../../../backend/src/modules/artist-contracts/jobs.js";
import { expectProblem, useTestApi } from "../../support/api-suite.js";
import { testDatabaseUrl } from "../../support/database.js";
import { esignEnv, startEsignServer } from "./esign-server.js";
import { buildCompany, type TestCompany } from "./fixtures.js";

const DOC = Buffer.from("%PDF-1.4 the contract").toString("base64");
// both providers send to a local stand-in of their APIs (esign-server.ts)
const esign = await startEsignServer();
const config = loadConfig(esignEnv(esign));
const { docusignHmacKey, dropboxSignApiKey } = config.backoffice;
const keys = { docusignHmacKey: docusignHmacKey!, dropboxSignApiKey: dropboxSignApiKey! };

describe("back office: productions and artist contracts with versions and e-signatures", () => {
  const t = useTestApi({ config });
  let c: TestCompany, other: TestCompany, productionId: string;
  after(() => esign.close());
  /** The worker's turn: applies the stored webhook events (the requests only stored them). */
  const runJobs = async () => runContractJobsOnce({ connectionString: await testDatabaseUrl(), deps: { db: t.db, contracts: t.api.app.locals.contracts } });

  before(async () => {
    c = await buildCompany(t.db, t.api, { name: "Contracts A" });
    other = await buildCompany(t.db, t.api, { name: "Contracts B" });
    const p = await t.api.post(
      `/api/v1/companies/${c.companyId}/productions`,
      { name: "Summer tour", startsOn: "2027-06-01", endsOn: "2027-08-31", budgetMinor: 5_000_000 },
      c.manager.headers,
    );
    assert.equal(p.status, 201, JSON.stringify(p.body));
    assert.equal(p.body.status, "planning");
    assert.equal(p.body.currency, "EUR");
    productionId = p.body.id;
  });

  const contracts = () => `/api/v1/companies/${c.companyId}/contracts`;
  const body = (extra: Record<string, unknown> = {}) => ({
    artistId: c.artistId,
    productionId,
    feeMinor: 250_000,
    currency: "EUR",
    startsOn: "2027-06-10",
    endsOn: "2027-07-10",
    terms: { performances: 4 },
    union: { name: "Equity", memberNumber: "EQ-123", minimumRateMinor: 100_000 },
    document: DOC,
    milestones: [
      { label: "on signature", dueOn: "2027-06-01", amountMinor: 100_000 },
      { label: "after the run", dueOn: "2027-07-15", amountMinor: 150_000 },
    ],
    ...extra,
  });
  async function draftContract(extra: Record<string, unknown> = {}) {
    const res = await t.api.post(contracts(), body(extra), c.manager.headers);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }
  const send = (id: string, payload: Record<string, unknown>) => t.api.post(`${contracts()}/${id}/send`, payload, c.manager.headers);

  it("refuses contract dates outside the production and a fee that is not positive, naming the rule; nothing is stored", async () => {
    const before = (await t.db("artist_contracts").where({ company_id: c.companyId })).length;
    await expectProblem(
      t.api,
      { status: 422, code: "contract_dates_outside_production", fields: ["body.startsOn"] },
      "POST",
      contracts(),
      c.manager,
      body({ startsOn: "2027-05-31" }),
    );
    await expectProblem(
      t.api,
      { status: 422, code: "contract_dates_outside_production", fields: ["body.endsOn"] },
      "POST",
      contracts(),
      c.manager,
      body({ endsOn: "2027-09-01" }),
    );
    await expectProblem(
      t.api,
      { status: 422, code: "contract_fee_not_positive", fields: ["body.feeMinor"] },
      "POST",
      contracts(),
      c.manager,
      body({ feeMinor: 0, milestones: [] }),
    );
    await expectProblem(t.api, { status: 422, code: "below_union_minimum" }, "POST", contracts(), c.manager, body({ feeMinor: 90_000, milestones: [] }));
    await expectProblem(t.api, { status: 422, code: "milestones_exceed_fee" }, "POST", contracts(), c.manager, body({ feeMinor: 200_000 }));
    assert.equal((await t.db("artist_contracts").where({ company_id: c.companyId })).length, before);
  });

  it("keeps numbered versions with the document's SHA-256; an amendment is a new version with reason and diff", async () => {
    const contract = await draftContract();
    assert.equal(contract.versions[0].documentSha256, createHash("sha256").update(Buffer.from(DOC, "base64")).digest("hex"));
    assert.equal(contract.milestones.length, 2);
    const amended = await t.api.post(
      `${contracts()}/${contract.id}/amendments`,
      { basedOnVersion: 1, reason: "two more shows", feeMinor: 300_000, terms: { performances: 6 }, document: Buffer.from("v2").toString("base64") },
      c.manager.headers,
    );
    assert.equal(amended.status, 201, JSON.stringify(amended.body));
    assert.equal(amended.body.currentVersion, 2);
    const v2 = amended.body.versions[1];
    assert.equal(v2.amendmentReason, "two more shows");
    assert.deepEqual(v2.termDiff.fee_minor, { from: "250000", to: "300000" });
    assert.deepEqual(v2.termDiff.terms, { from: { performances: 4 }, to: { performances: 6 } });
    assert.equal(amended.body.versions[0].feeMinor, "250000");
    // the database refuses to rewrite a version
    await assert.rejects(t.db("artist_contract_versions").where({ contract_id: contract.id, version: 1 }).update({ fee_minor: 1 }), /immutable/);
    await expectProblem(t.api, { status: 409, code: "not_current_version" }, "POST", `${contracts()}/${contract.id}/amendments`, c.manager, {
      basedOnVersion: 1,
      reason: "stale",
      document: DOC,
    });
  });

  it("sends only the current version; the manual provider's signature makes it active; a signed version is never amended", async () => {
    const contract = await draftContract();
    await t.api.post(`${contracts()}/${contract.id}/amendments`, { basedOnVersion: 1, reason: "date", endsOn: "2027-07-20", document: DOC }, c.manager.headers);
    const old = await send(contract.id, { version: 1 });
    assert.equal(old.status, 409);
    assert.equal(old.body.code, "not_current_version");
    const sent = await send(contract.id, { version: 2 });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.status, "pending_signature");
    const requestId = sent.body.signatureRequests[0].id;
    await expectProblem(
      t.api,
      { status: 403, code: "only_the_artist_signs" },
      "POST",
      `${contracts()}/${contract.id}/signature-requests/${requestId}/sign`,
      c.manager,
    );
    const signed = await t.api.post(`${contracts()}/${contract.id}/signature-requests/${requestId}/sign`, undefined, c.artist.headers);
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.equal(signed.body.status, "active");
    assert.equal(signed.body.signedVersion, 2);
    assert.ok(signed.body.versions[1].signedAt);

    const refused = await expectProblem(
      t.api,
      { status: 422, code: "signed_version_immutable" },
      "POST",
      `${contracts()}/${contract.id}/amendments`,
      c.manager,
      {
        basedOnVersion: 2,
        reason: "more money",
        feeMinor: 999_999,
        document: DOC,
      },
    );
    assert.match(refused.detail, /signed/);
    const row = await t.db("artist_contracts").where({ id: contract.id }).first();
    assert.equal(row.current_version, 2);
    assert.equal((await t.db("artist_contract_versions").where({ contract_id: contract.id })).length, 2);

    // paid on performance: a production manager confirms an active contract's performance, once; a draft has none
    const draft = await draftContract();
    await expectProblem(t.api, { status: 422, code: "contract_not_active" }, "POST", `${contracts()}/${draft.id}/performance`, c.manager, {
      outcome: "confirmed",
    });
    await expectProblem(t.api, { status: 403, code: "insufficient_company_role" }, "POST", `${contracts()}/${contract.id}/performance`, c.artist, {
      outcome: "confirmed",
    });
    const performed = await t.api.post(`${contracts()}/${contract.id}/performance`, { outcome: "confirmed" }, c.manager.headers);
    assert.equal(performed.status, 200, JSON.stringify(performed.body));
    assert.equal(performed.body.performance.status, "confirmed");
    // active comes only from a signature; then completed and archived
    await expectProblem(t.api, { status: 422, code: "contract_status_transition" }, "POST", `${contracts()}/${draft.id}/status`, c.manager, {
      status: "completed",
    });
    assert.equal((await t.api.post(`${contracts()}/${contract.id}/status`, { status: "completed" }, c.manager.headers)).body.status, "completed");
    const milestone = signed.body.milestones[0].id;
    const paid = await t.api.post(`${contracts()}/${contract.id}/milestones/${milestone}/paid`, undefined, c.accountant.headers);
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(paid.body.milestones.find((m: { id: string }) => m.id === milestone).status, "paid");
  });

  it("sends through DocuSign, then takes its Connect events verified by HMAC, stored once, applied by the job and replayable", async () => {
    const contract = await draftContract();
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.document"] }, "POST", `${contracts()}/${contract.id}/send`, c.manager, {
      version: 1,
      provider: "docusign",
    });
    await expectProblem(t.api, { status: 422, code: "document_mismatch", fields: ["body.document"] }, "POST", `${contracts()}/${contract.id}/send`, c.manager, {
      version: 1,
      provider: "docusign",
      document: Buffer.from("another document").toString("base64"),
    });
    assert.equal((await t.db("signature_requests").where({ contract_id: contract.id })).length, 0);
    const sent = await send(contract.id, { version: 1, provider: "docusign", document: DOC });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const envelopeId: string = sent.body.signatureRequests[0].envelopeId;
    const created = esign.requests.findLast((r) => r.path.endsWith("/envelopes"))!;
    assert.equal(created.json!.status, "sent");
    assert.deepEqual((created.json!.documents as unknown[])[0], {
      documentBase64: DOC,
      documentId: "1",
      fileExtension: "pdf",
      name: `${contract.number}-v1.pdf`,
    });
    assert.deepEqual((created.json!.recipients as { signers: unknown[] }).signers, [
      { email: c.artist.email, name: "Artist", recipientId: "1", routingOrder: "1" },
    ]);
    const event = JSON.stringify({
      event: "envelope-completed",
      apiVersion: "v2.1",
      generatedDateTime: "2027-06-01T10:00:00Z",
      retryCount: 0,
      data: { envelopeId },
    });
    const post = (raw: string, signature: string) =>
      fetch(`${t.api.base}/api/v1/esign/webhooks/docusign`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-docusign-signature-1": signature },
        body: raw,
      });

    const forged = await post(event, docusignSignature("not-the-key-at-all", Buffer.from(event)));
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as { code: string }).code, "invalid_webhook_signature");
    const tampered = await post(event.replace("envelope-completed", "envelope-voided"), docusignSignature(keys.docusignHmacKey, Buffer.from(event)));
    assert.equal(tampered.status, 401);
    assert.equal((await t.db("artist_contracts").where({ id: contract.id }).first()).status, "pending_signature");
    assert.equal((await t.db("signature_webhook_events").where({ envelope_id: envelopeId })).length, 0);

    const ok = await post(event, docusignSignature(keys.docusignHmacKey, Buffer.from(event)));
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { status: string }).status, "received");
    // the request stored and queued it; the contract changes when the job runs
    assert.equal((await t.db("artist_contracts").where({ id: contract.id }).first()).status, "pending_signature");
    const [stored0] = await t.db("signature_webhook_events").where({ envelope_id: envelopeId });
    assert.ok(
      await t
        .db("graphile_worker.jobs")
        .where({ key: `signature_event_process:${stored0.id}` })
        .first(),
      "job queued",
    );
    await runJobs();
    assert.equal((await t.db("artist_contracts").where({ id: contract.id }).first()).status, "active");
    await runJobs(); // a second run finds nothing to do
    const retry = JSON.stringify({ ...JSON.parse(event), retryCount: 1 });
    const again = await post(retry, docusignSignature(keys.docusignHmacKey, Buffer.from(retry)));
    assert.equal(((await again.json()) as { status: string }).status, "duplicate");
    assert.equal((await t.db("signature_webhook_events").where({ envelope_id: envelopeId })).length, 1);
    assert.equal((await t.db("audit_log").where({ entity_id: contract.id, action: "artist_contract.signature_signed" })).length, 1);

    const events = await t.api.get(`/api/v1/companies/${c.companyId}/signature-events`, c.owner.headers);
    const stored = events.body.items.find((e: { envelopeId: string }) => e.envelopeId === envelopeId);
    assert.equal(stored.outcome, "applied");
    const replayed = await t.api.post(`/api/v1/companies/${c.companyId}/signature-events/${stored.id}/replay`, undefined, c.owner.headers);
    assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
    assert.equal(replayed.body.outcome, "already_applied");
    await expectProblem(
      t.api,
      { status: 404, code: "company_not_found" },
      "POST",
      `/api/v1/companies/${c.companyId}/signature-events/${stored.id}/replay`,
      other.owner,
    );
  });

  it("sends through Dropbox Sign, then takes its multipart events verified by their event_hash", async () => {
    const contract = await draftContract();
    const sent = await send(contract.id, { version: 1, provider: "dropbox_sign", document: DOC });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const envelopeId: string = sent.body.signatureRequests[0].envelopeId;
    const created = esign.requests.findLast((r) => r.path === "/v3/signature_request/send")!;
    assert.equal(created.form!.get("signers[0][email_address]"), c.artist.email);
    assert.equal(created.form!.get("test_mode"), "1");
    const file = created.form!.get("files[0]") as { bytes: Buffer; type: string };
    assert.equal(file.bytes.toString("base64"), DOC);
    const time = "1812345678";
    const type = "signature_request_all_signed";
    const post = (hash: string) => {
      const form = new FormData();
      form.set(
        "json",
        JSON.stringify({ event: { event_time: time, event_type: type, event_hash: hash }, signature_request: { signature_request_id: envelopeId } }),
      );
      return fetch(`${t.api.base}/api/v1/esign/webhooks/dropbox-sign`, { method: "POST", body: form });
    };
    const bad = await post(dropboxSignEventHash("wrong-api-key-0000", time, type));
    assert.equal(bad.status, 401);
    assert.equal((await t.db("artist_contracts").where({ id: contract.id }).first()).status, "pending_signature");
    const ok = await post(dropboxSignEventHash(keys.dropboxSignApiKey, time, type));
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "Hello API Event Received");
    await runJobs();
    assert.equal((await t.db("artist_contracts").where({ id: contract.id }).first()).status, "active");
  });

  it("keeps contracts and productions apart between companies (404) and from other artists", async () => {
    const contract = await draftContract();
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "GET", `${contracts()}/${contract.id}`, other.owner);
    await expectProblem(
      t.api,
      { status: 404, code: "contract_not_found" },
      "GET",
      `/api/v1/companies/${other.companyId}/contracts/${contract.id}`,
      other.owner,
    );
    await expectProblem(
      t.api,
      { status: 404, code: "contract_not_found" },
      "POST",
      `/api/v1/companies/${other.companyId}/contracts/${contract.id}/send`,
      other.manager,
      { version: 1 },
    );
    await expectProblem(
      t.api,
      { status: 404, code: "production_not_found" },
      "GET",
      `/api/v1/companies/${other.companyId}/productions/${productionId}`,
      other.owner,
    );
    await expectProblem(t.api, { status: 422, code: "production_not_found" }, "POST", `/api/v1/companies/${other.companyId}/contracts`, other.manager, {
      ...body(),
      artistId: other.artistId,
    });
    const mine = await t.api.get(contracts(), c.artist.headers);
    assert.ok(mine.body.items.length > 0);
    assert.ok(mine.body.items.every((x: { artistId: string }) => x.artistId === c.artistId));
    assert.equal((await t.db("artist_contracts").where({ id: contract.id }).first()).status, "draft");
  });
});
