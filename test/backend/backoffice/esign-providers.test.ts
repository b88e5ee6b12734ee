import assert from "node:assert/strict";
import { loadConfig } from "../../../lib/config.js";
import { providerOf, signatureProviders } from "../../../backend/src/modules/artist-contracts/providers.js";
import { ProviderSendError, type EnvelopeRequest } from "../../../backend/src/modules/artist-contracts/signature-provider.js";
import { HttpError } from "../../../backend/src/http/errors.js";
import { esignEnv, startEsignServer, type EsignServer } from "./esign-server.js";

const request: EnvelopeRequest = {
  reference: "AC-1 v1",
  subject: "Please sign contract AC-1 (version 1)",
  document: Buffer.from("%PDF-1.4 doc"),
  documentName: "AC-1-v1.pdf",
  signer: { name: "Ada Artist", email: "ada@example.test" },
};

describe("back office: e-signature send adapters against a local stand-in of the providers' APIs", () => {
  let s: EsignServer;
  before(async () => {
    s = await startEsignServer();
  });
  after(() => s.close());

  it("creates a DocuSign envelope with status sent (Bearer token, documentBase64, one signer)", async () => {
    const { docusign } = signatureProviders(loadConfig(esignEnv(s)).backoffice.esign);
    const { envelopeId } = await docusign!.send(request);
    const r = s.requests.at(-1)!;
    assert.equal(r.path, `/restapi/v2.1/accounts/${s.accountId}/envelopes`);
    assert.equal(r.headers.authorization, `Bearer ${s.accessToken}`);
    assert.equal(r.json!.status, "sent");
    assert.equal(r.json!.emailSubject, request.subject);
    assert.match(envelopeId, /^[0-9a-f-]{36}$/);
  });

  it("sends a Dropbox Sign signature request (Basic api key, multipart files[0] and signers[0])", async () => {
    const { dropbox_sign } = signatureProviders(loadConfig(esignEnv(s)).backoffice.esign);
    const { envelopeId } = await dropbox_sign!.send(request);
    const r = s.requests.at(-1)!;
    assert.equal(r.path, "/v3/signature_request/send");
    assert.equal(r.form!.get("signers[0][name]"), "Ada Artist");
    assert.equal(r.form!.get("signers[0][email_address]"), "ada@example.test");
    assert.equal((r.form!.get("files[0]") as { bytes: Buffer }).bytes.toString(), "%PDF-1.4 doc");
    assert.match(envelopeId, /^[0-9a-f]{40}$/);
  });

  it("reports a refused token, a wrong key and an unreachable provider as ProviderSendError", async () => {
    const wrong = signatureProviders(
      loadConfig({ ...esignEnv(s), ESIGN_DOCUSIGN_ACCESS_TOKEN: "expired-token", ESIGN_DROPBOX_SIGN_API_KEY: "0".repeat(32) }).backoffice.esign,
    );
    await assert.rejects(wrong.docusign!.send(request), (e: unknown) => e instanceof ProviderSendError && e.status === 401);
    await assert.rejects(wrong.dropbox_sign!.send(request), (e: unknown) => e instanceof ProviderSendError && e.status === 401);
    const gone = signatureProviders(loadConfig({ ...esignEnv(s), ESIGN_DOCUSIGN_BASE_URL: "http://127.0.0.1:1/restapi" }).backoffice.esign);
    await assert.rejects(gone.docusign!.send(request), (e: unknown) => e instanceof ProviderSendError && e.status === null);
  });

  it("has the manual provider always, the others only when configured; production keeps the manual one", () => {
    const none = signatureProviders(loadConfig({}).backoffice.esign);
    assert.ok(none.manual);
    assert.throws(
      () => providerOf(none, "docusign"),
      (e: unknown) => e instanceof HttpError && e.status === 503,
    );
    assert.throws(
      () => providerOf(none, "dropbox_sign"),
      (e: unknown) => e instanceof HttpError && e.status === 503,
    );
    assert.throws(() => loadConfig({ NODE_ENV: "production", ESIGN_DOCUSIGN_BASE_URL: "https://demo.docusign.net/restapi" }), /go together/);
  });
});
