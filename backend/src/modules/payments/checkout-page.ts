import type { ProviderPayment } from "./provider.js";
import { TEST_CARDS } from "./test-provider.js";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The test-mode provider's hosted checkout page: plain HTML forms, no script (the API's CSP allows none). */
export function checkoutPage(intent: ProviderPayment, path: string): string {
  const amount = `${(intent.amount / 100).toFixed(2)} ${escape(intent.currency)}`;
  const body =
    intent.status === "requires_payment"
      ? `<form method="post" action="${escape(path)}/confirm">
           <label>Card number <input name="cardNumber" inputmode="numeric" autocomplete="cc-number" value="${TEST_CARDS.success}"></label>
           <button>Pay ${amount}</button>
         </form>
         ${intent.lastError ? `<p role="alert">${escape(intent.lastError)}</p>` : ""}
         <p>Test cards: ${TEST_CARDS.success} authorizes, ${TEST_CARDS.decline} is declined, ${TEST_CARDS.threeDSecure} asks for 3-D Secure.</p>`
      : intent.status === "requires_action"
        ? `<p>Your bank asks you to confirm this payment (3-D Secure).</p>
           <form method="post" action="${escape(path)}/authenticate"><button>Complete authentication</button></form>
           <form method="post" action="${escape(path)}/fail"><button>Fail authentication</button></form>`
        : `<p>Payment ${escape(intent.status.replace("_", " "))}. You can close this page: your ticket appears in your account once it is minted.</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Test checkout</title></head><body><main><h1>Test checkout: ${amount}</h1><p><strong>Test mode</strong>: no real card is charged.</p>${body}</main></body></html>`;
}
