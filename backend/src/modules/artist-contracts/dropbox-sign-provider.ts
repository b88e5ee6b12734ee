import { providerJson, ProviderSendError, type EnvelopeRequest, type SignatureProvider } from "./signature-provider.js";

/**
 * Dropbox Sign API v3, POST {baseUrl}/v3/signature_request/send: multipart/form-data with the
 * file (files[0]) and one signer (signers[0][name], signers[0][email_address]); HTTP Basic
 * auth with the API key as user name and an empty password (the same key signs its webhooks'
 * event_hash, esign.ts). Outside production test_mode=1 (free, not legally binding).
 */
export class DropboxSignProvider implements SignatureProvider {
  readonly name = "dropbox_sign" as const;

  constructor(
    private readonly settings: { baseUrl: string; apiKey: string; testMode: boolean },
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async send(request: EnvelopeRequest): Promise<{ envelopeId: string }> {
    const form = new FormData();
    form.set("title", request.reference);
    form.set("subject", request.subject.slice(0, 200));
    form.set("signers[0][name]", request.signer.name);
    form.set("signers[0][email_address]", request.signer.email);
    form.set("metadata[reference]", request.reference);
    form.set("test_mode", this.settings.testMode ? "1" : "0");
    form.set("files[0]", new Blob([new Uint8Array(request.document)], { type: "application/pdf" }), request.documentName);
    const res = await this.fetchFn(`${this.settings.baseUrl}/v3/signature_request/send`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${this.settings.apiKey}:`).toString("base64")}`, accept: "application/json" },
      body: form,
      signal: AbortSignal.timeout(15_000),
    }).catch((error: Error) => {
      throw new ProviderSendError("dropbox_sign", null, error.message);
    });
    const json = await providerJson("dropbox_sign", res);
    const id = (json.signature_request as { signature_request_id?: unknown } | undefined)?.signature_request_id;
    if (typeof id !== "string") throw new ProviderSendError("dropbox_sign", res.status, "no signature_request.signature_request_id in the answer");
    return { envelopeId: id };
  }
}
