import { api } from "./api.js";
import type { CardOrder } from "./types.js";
import { currentLang } from "../i18n.js";

/** Minor units as money, in the visitor's language (45,00 € / €45.00). */
export function formatMoney(minor: number, currency: string): string {
  return new Intl.NumberFormat(currentLang() === "fr" ? "fr-FR" : "en-GB", { style: "currency", currency }).format(minor / 100);
}

/** Where the provider's hosted checkout sends the fan back to: the order's status page on this site. */
export function checkoutUrl(order: CardOrder): string | null {
  const url = order.payment?.checkoutUrl;
  return url ? `${url}${url.includes("?") ? "&" : "?"}return=${encodeURIComponent(`/orders/${order.id}`)}` : null;
}

/**
 * Orders one ticket by card and goes to the provider's hosted checkout. One Idempotency-Key per
 * click, so a retried request (a flaky network) reserves once.
 */
export async function buyByCard(eventContractId: string, tierId: number): Promise<void> {
  const order = await api<CardOrder>("/card-orders", {
    as: "fan",
    body: { eventContractId, tierId, quantity: 1 },
    headers: { "idempotency-key": crypto.randomUUID() },
  });
  const url = checkoutUrl(order);
  // a provider without a hosted page (Stripe takes the card in its own element): the order page says what to do
  location.assign(url ?? `/orders/${order.id}`);
}
