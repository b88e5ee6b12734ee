import { useEffect } from "preact/hooks";
import { api } from "../lib/api.js";
import { SignIn, SignedInBar } from "../lib/sign-in.js";
import type { Ticket } from "../lib/types.js";
import { Loaded, useLoad } from "../lib/ui.js";
import { useSession } from "../lib/use-session.js";
import { formatDateTime, t, type MessageKey } from "../i18n.js";

export default function Tickets() {
  const session = useSession("fan");
  if (!session) return <SignIn area="fan" methods={["wallet", "email"]} />;
  return <MyTickets />;
}

function MyTickets() {
  const tickets = useLoad(() => api<{ items: Ticket[]; wallets: string[] }>("/me/tickets?limit=100", { as: "fan" }), []);
  // a ticket just bought reaches the list once the indexer mirrored its block: look again for a while
  useEffect(() => {
    const timer = setInterval(() => tickets.reload(), 2000);
    return () => clearInterval(timer);
  }, []);
  return (
    <>
      <SignedInBar area="fan" />
      <h1>{t("tickets.title")}</h1>
      <Loaded state={tickets}>
        {({ items, wallets }) => (
          <>
            <p class="muted">{t("tickets.wallets", { list: wallets.map((w) => `${w.slice(0, 6)}…${w.slice(-4)}`).join(", ") || "–" })}</p>
            {items.length === 0 ? (
              <p>{t("tickets.empty")}</p>
            ) : (
              <ul class="cards">
                {items.map((ticket) => {
                  // keep what the pass page needs, for when the network is gone
                  localStorage.setItem(`ticket:${ticket.contract}:${ticket.tokenId}`, JSON.stringify(ticket));
                  return (
                    <li class="card" key={`${ticket.contract}:${ticket.tokenId}`} data-testid="ticket">
                      <div class="spread">
                        <div>
                          <strong>{ticket.event.name}</strong> <span class="tag">{ticket.category ?? ticket.tierName}</span>
                          <div class="muted">
                            {t("tickets.serial", { id: ticket.tokenId })} · {formatDateTime(ticket.event.startsAt)}
                          </div>
                          <div>{t(`tickets.state.${ticket.state}` as MessageKey)}</div>
                        </div>
                        {ticket.state === "valid" && (
                          <a class="button" href={`/pass/${ticket.contract}/${ticket.tokenId}`} data-testid="show-pass">
                            {t("tickets.show")}
                          </a>
                        )}
                      </div>
                    </li>
                  );
                })}
              </ul>
            )}
          </>
        )}
      </Loaded>
    </>
  );
}
