import type { Config } from "../../../../lib/config.js";
import { HttpError } from "../../http/errors.js";
import { DocusignProvider } from "./docusign-provider.js";
import { DropboxSignProvider } from "./dropbox-sign-provider.js";
import { manualProvider, type ProviderName, type SignatureProvider } from "./signature-provider.js";

/** The providers this deployment sends with: manual always, DocuSign and Dropbox Sign when configured (lib/config.ts, backoffice.esign). */
export type SignatureProviders = Partial<Record<ProviderName, SignatureProvider>>;

export function signatureProviders(esign: Config["backoffice"]["esign"], fetchFn: typeof fetch = fetch): SignatureProviders {
  return {
    manual: manualProvider,
    ...(esign.docusign ? { docusign: new DocusignProvider(esign.docusign, fetchFn) } : {}),
    ...(esign.dropboxSign ? { dropbox_sign: new DropboxSignProvider(esign.dropboxSign, fetchFn) } : {}),
  };
}

export function providerOf(providers: SignatureProviders, name: ProviderName): SignatureProvider {
  const provider = providers[name];
  if (!provider)
    throw new HttpError(503, "esign_provider_not_configured", `${name} is not configured here`, [{ field: "body.provider", message: "not configured" }]);
  return provider;
}
