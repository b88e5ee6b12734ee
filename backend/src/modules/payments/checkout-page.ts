import type { ProviderPayment } from "./provider.js";
import { TEST_CARDS } from "./test-provider.js";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Where the hosted page may send the fan back to (the shop's order page): a path on this site
 * only, so the page is never an open redirect to somewhere else.
 */
export function safeReturnPath(value: unknown): string | null {
  return typeof value === "string" && /^\/(?![/\\])[A-Za-z0-9/_.~-]{0,200}$/.test(value) ? value : null;
}

/** The test-mode provider's hosted checkout page: plain HTML forms, no script (the API's CSP allows none). */
export function checkoutPage(intent: ProviderPayment, path: string, returnTo: string | null = null): string {
  const amount = `${(intent.amount / 100).toFixed(2)} ${escape(intent.currency)}`;
  const query = returnTo ? `?return=${encodeURIComponent(returnTo)}` : "";
  const action = (step: string) => escape(`${path}/${step}${query}`);
  const back = returnTo ? `<p><a href="${escape(returnTo)}">Back to the shop</a></p>` : "";
  const body =
    intent.status === "requires_payment"
      ? `<form method="post" action="${action("confirm")}">
           <label>Card number <input name="cardNumber" inputmode="numeric" autocomplete="cc-number" value="${TEST_CARDS.success}"></label>
           <button>Pay ${amount}</button>
         </form>
         ${intent.lastError ? `<p role="alert">${escape(intent.lastError)}</p>` : ""}
         <p>Test cards: ${TEST_CARDS.success} authorizes, ${TEST_CARDS.decline} is declined, ${TEST_CARDS.threeDSecure} asks for 3-D Secure.</p>`
      : intent.status === "requires_action"
        ? `<p>Your bank asks you to confirm this payment (3-D Secure).</p>
           <form method="post" action="${action("authenticate")}"><button>Complete authentication</button></form>
           <form method="post" action="${action("fail")}"><button>Fail authentication</button></form>`
        : `<p>Payment ${escape(intent.status.replace("_", " "))}. You can close this page: your ticket appears in your account once it is minted.</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Test checkout</title></head><body><main><h1>Test checkout: ${amount}</h1><p><strong>Test mode</strong>: no real card is charged.</p>${body}${back}</main></body></html>`;
}
