import { newId } from "../../../../lib/ids.js";

/**
 * Sending a contract version for signature goes through one of these. The built-in manual
 * provider (the artist signs in the platform) is always there: it is a real signature by
 * the signed-in artist, not a test double, so production keeps it. DocuSign and Dropbox Sign
 * are there when configured (providers.ts); their status comes back by webhook (esign.ts).
 */
export type ProviderName = "manual" | "docusign" | "dropbox_sign";

export interface EnvelopeRequest {
  /** Ours, for the provider's records: contract number and version. */
  reference: string;
  subject: string;
  document: Buffer;
  documentName: string;
  signer: { name: string; email: string };
}

export interface SignatureProvider {
  readonly name: ProviderName;
  /** Creates the envelope and sends it to the signer; returns the provider's id for it. */
  send(request: EnvelopeRequest): Promise<{ envelopeId: string }>;
}

/** Why a provider's API refused or could not be reached (the route answers 502, nothing is stored). */
export class ProviderSendError extends Error {
  constructor(
    readonly provider: ProviderName,
    readonly status: number | null,
    detail: string,
  ) {
    super(`${provider}: ${detail}`);
  }
}

export const manualProvider: SignatureProvider = {
  name: "manual",
  send: async () => ({ envelopeId: `manual-${newId()}` }),
};

/** A provider's answer that is not what its API documents. */
export async function providerJson(provider: ProviderName, res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (!res.ok) throw new ProviderSendError(provider, res.status, `HTTP ${res.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ProviderSendError(provider, res.status, "the answer is not JSON");
  }
}
