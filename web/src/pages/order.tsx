import { useEffect } from "preact/hooks";
import type { PageProps } from "../lib/router.js";
import { api } from "../lib/api.js";
import { checkoutUrl, formatMoney } from "../lib/card.js";
import { SignIn } from "../lib/sign-in.js";
import type { CardOrder } from "../lib/types.js";
import { Loaded, useLoad } from "../lib/ui.js";
import { useSession } from "../lib/use-session.js";
import { formatDateTime, t, type MessageKey } from "../i18n.js";

/** Orders that will not change by themselves any more: the page stops asking. */
const SETTLED = new Set(["minted", "completed", "expired", "cancelled", "refunded"]);

/** A card order after the hosted checkout: asks the API until the ticket is minted (or the order failed). */
export default function Order({ params }: PageProps) {
  const session = useSession("fan");
  if (!session) return <SignIn area="fan" methods={["wallet", "email"]} />;
  return <OrderStatus orderId={params.orderId!} />;
}

function OrderStatus({ orderId }: { orderId: string }) {
  const order = useLoad(() => api<CardOrder>(`/card-orders/${orderId}`, { as: "fan" }), [orderId]);
  const status = order.value?.status;
  useEffect(() => {
    if (status && SETTLED.has(status)) return;
    const timer = setInterval(() => order.reload(), 1500);
    return () => clearInterval(timer);
  }, [status]);
  return (
    <>
      <h1>{t("order.title")}</h1>
      <Loaded state={order}>
        {(o) => {
          const failed = o.payment?.status === "failed" && o.status === "reserved";
          const over = o.status === "expired" || o.status === "cancelled" || o.status === "refunded" || o.status === "refunding";
          const pay = checkoutUrl(o);
          return (
            <section class="card" aria-live="polite" data-testid="order" data-status={o.status}>
              <p>{t("order.amount", { amount: formatMoney(o.amount, o.currency), n: o.quantity })}</p>
              <p data-testid="order-status" role="status">
                <strong>{t(`order.status.${o.status}` as MessageKey)}</strong>
              </p>
              {failed && (
                <div class="error" role="alert" data-testid="order-failed">
                  <strong>{t("order.failed")}</strong>
                  <p>{o.payment?.lastError ?? t("order.failedUnknown")}</p>
                  <p>{t("order.retryUntil", { at: formatDateTime(o.expiresAt) })}</p>
                </div>
              )}
              {over && o.statusReason && <p class="muted">{t("order.reason", { reason: o.statusReason.replace(/_/g, " ") })}</p>}
              {o.status === "reserved" && pay && (
                <a class="button" href={pay}>
                  {failed ? t("order.payAgain") : t("order.pay")}
                </a>
              )}
              {o.status === "reserved" && !pay && <p>{t("order.noHostedPage")}</p>}
              {(o.status === "minted" || o.status === "completed") && (
                <p>
                  {t("order.minted")} <a href="/tickets">{t("nav.tickets")}</a>
                </p>
              )}
              {o.tickets && o.tickets.length > 0 && (
                <ul>
                  {o.tickets.map((ticket) => (
                    <li key={ticket.id}>{t("tickets.serial", { id: ticket.tokenId })}</li>
                  ))}
                </ul>
              )}
            </section>
          );
        }}
      </Loaded>
    </>
  );
}
