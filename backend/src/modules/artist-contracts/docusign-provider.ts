import { providerJson, ProviderSendError, type EnvelopeRequest, type SignatureProvider } from "./signature-provider.js";

/**
 * DocuSign eSignature REST v2.1, Envelopes: create (POST
 * {baseUrl}/v2.1/accounts/{accountId}/envelopes) with the document inline (documentBase64),
 * one signer, and status "sent" so DocuSign mails it at once. The OAuth access token comes from
 * configuration (obtained and refreshed outside, e.g. by the JWT grant); baseUrl is the
 * account's base URI plus /restapi (https://demo.docusign.net/restapi for the developer sandbox).
 */
export class DocusignProvider implements SignatureProvider {
  readonly name = "docusign" as const;

  constructor(
    private readonly settings: { baseUrl: string; accountId: string; accessToken: string },
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async send(request: EnvelopeRequest): Promise<{ envelopeId: string }> {
    const url = `${this.settings.baseUrl}/v2.1/accounts/${encodeURIComponent(this.settings.accountId)}/envelopes`;
    const body = {
      emailSubject: request.subject.slice(0, 100),
      documents: [{ documentBase64: request.document.toString("base64"), documentId: "1", fileExtension: "pdf", name: request.documentName }],
      recipients: { signers: [{ email: request.signer.email, name: request.signer.name, recipientId: "1", routingOrder: "1" }] },
      customFields: { textCustomFields: [{ name: "reference", value: request.reference, show: "false" }] },
      status: "sent",
    };
    const res = await this.fetchFn(url, {
      method: "POST",
      headers: { authorization: `Bearer ${this.settings.accessToken}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    }).catch((error: Error) => {
      throw new ProviderSendError("docusign", null, error.message);
    });
    const json = await providerJson("docusign", res);
    if (typeof json.envelopeId !== "string") throw new ProviderSendError("docusign", res.status, "no envelopeId in the answer");
    return { envelopeId: json.envelopeId };
  }
}
