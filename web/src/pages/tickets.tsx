import { useEffect, useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { formatMoney } from "../lib/card.js";
import { SignIn, SignedInBar } from "../lib/sign-in.js";
import type { CardOrder, CustodialTicket, Page, Ticket, TransferOffer } from "../lib/types.js";
import { ErrorBox, Field, Form, Loaded, useLoad } from "../lib/ui.js";
import { useSession } from "../lib/use-session.js";
import { formatDateTime, formatEth, t, type MessageKey } from "../i18n.js";

/** ethers and the wallet calls load only when the fan uses one of them. */
const walletCalls = () => import("../lib/ticket-wallet.js");

export default function Tickets() {
  const session = useSession("fan");
  if (!session) return <SignIn area="fan" methods={["wallet", "email"]} />;
  return <MyTickets />;
}

type TicketList = { items: Ticket[]; wallets: string[] };

function MyTickets() {
  const tickets = useLoad(() => api<TicketList>("/me/tickets?limit=100", { as: "fan" }), []);
  const custodial = useLoad(() => api<{ items: CustodialTicket[] }>("/me/custodial-tickets", { as: "fan" }), []);
  const offers = useLoad(() => api<{ items: TransferOffer[] }>("/me/transfer-offers", { as: "fan" }), []);
  const reloadAll = () => {
    tickets.reload();
    custodial.reload();
    offers.reload();
  };
  // a ticket just bought (or claimed) reaches the mirror once the indexer saw its block: look again for a while
  useEffect(() => {
    const timer = setInterval(() => tickets.reload(), 2000);
    return () => clearInterval(timer);
  }, []);
  const held = tickets.value?.items.filter((x) => !x.custodial) ?? [];
  return (
    <>
      <SignedInBar area="fan" />
      <h1>{t("tickets.title")}</h1>
      <Loaded state={tickets}>
        {({ wallets }) => (
          <>
            <p class="muted">{t("tickets.wallets", { list: wallets.map((w) => `${w.slice(0, 6)}…${w.slice(-4)}`).join(", ") || "–" })}</p>
            {held.length === 0 && !custodial.value?.items.length ? (
              <p>{t("tickets.empty")}</p>
            ) : (
              <ul class="cards">
                {held.map((ticket) => (
                  <WalletTicket key={`${ticket.contract}:${ticket.tokenId}`} ticket={ticket} onChange={reloadAll} />
                ))}
              </ul>
            )}
          </>
        )}
      </Loaded>
      <Custodial state={custodial} mirrored={tickets.value?.items ?? []} onChange={reloadAll} />
      <Offers state={offers} onChange={reloadAll} />
    </>
  );
}

function TicketHeading({ ticket }: { ticket: Ticket }) {
  return (
    <div>
      <strong>{ticket.event.name}</strong> <span class="tag">{ticket.category ?? ticket.tierName}</span>
      <div class="muted">
        {t("tickets.serial", { id: ticket.tokenId })} · {formatDateTime(ticket.event.startsAt)}
      </div>
      <div>{t(`tickets.state.${ticket.state}` as MessageKey)}</div>
    </div>
  );
}

function WalletTicket({ ticket, onChange }: { ticket: Ticket; onChange: () => void }) {
  // keep what the pass page needs, for when the network is gone
  localStorage.setItem(`ticket:${ticket.contract}:${ticket.tokenId}`, JSON.stringify(ticket));
  return (
    <li class="card" data-testid="ticket">
      <div class="spread">
        <TicketHeading ticket={ticket} />
        {ticket.state === "valid" && (
          <a class="button" href={`/pass/${ticket.contract}/${ticket.tokenId}`} data-testid="show-pass">
            {t("tickets.show")}
          </a>
        )}
      </div>
      {ticket.state === "valid" && ticket.owner && (
        <details data-testid="ticket-actions">
          <summary>{t("tickets.actions")}</summary>
          <Form
            testId="transfer"
            submit={t("transfer.send")}
            action={async (data) => {
              await (await walletCalls()).transferTicket(ticket, String(data.get("to")).trim());
              onChange();
            }}
          >
            <Field label={t("transfer.to")} name="to" pattern="^0x[0-9a-fA-F]{40}$" placeholder="0x…" autoComplete="off" />
          </Form>
          <Resale ticket={ticket} />
        </details>
      )}
    </li>
  );
}

/** Listing for resale: the cap is the contract's (maxResalePrice), shown and enforced here before the wallet opens. */
function Resale({ ticket }: { ticket: Ticket }) {
  const state = useLoad(async () => (await walletCalls()).resaleState(ticket), [ticket.contract, ticket.tokenId]);
  const [error, setError] = useState<unknown>();
  return (
    <section aria-label={t("resale.title")} data-testid="resale">
      <h3>{t("resale.title")}</h3>
      <Loaded state={state}>
        {({ cap, listed }) =>
          listed !== null ? (
            <div class="spread">
              <span data-testid="listed">{t("resale.listed", { price: formatEth(listed) })}</span>
              <button
                type="button"
                class="secondary"
                onClick={async () => {
                  setError(undefined);
                  try {
                    await (await walletCalls()).cancelResale(ticket);
                    state.reload();
                  } catch (e) {
                    setError(e);
                  }
                }}
              >
                {t("resale.cancel")}
              </button>
            </div>
          ) : (
            <Form
              testId="resale-form"
              submit={t("resale.list")}
              action={async (data) => {
                await (await walletCalls()).listForResale(ticket, String(data.get("price")), cap);
                state.reload();
              }}
            >
              <p class="muted" data-testid="resale-cap">
                {t("resale.cap", { cap: formatEth(cap) })}
              </p>
              <Field label={t("resale.price")} name="price" inputMode="decimal" pattern="^[0-9]+([.,][0-9]{1,18})?$" autoComplete="off" />
            </Form>
          )
        }
      </Loaded>
      {error !== undefined && <ErrorBox error={error} />}
    </section>
  );
}

function Custodial({
  state,
  mirrored,
  onChange,
}: {
  state: { value?: { items: CustodialTicket[] }; error?: unknown; reload: () => void };
  mirrored: Ticket[];
  onChange: () => void;
}) {
  const orders = useLoad(() => api<Page<CardOrder>>("/card-orders?limit=100", { as: "fan" }), []);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const claim = async (ids?: string[]) => {
    setBusy(true);
    setError(undefined);
    try {
      const wallet = await (await walletCalls()).linkedWallet();
      await api("/me/custodial-tickets/claim", { as: "fan", body: { wallet, ticketIds: ids }, headers: { "idempotency-key": crypto.randomUUID() } });
      onChange();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="custodial-title">
      <h2 id="custodial-title">{t("custody.title")}</h2>
      <p class="muted">{t("custody.hint")}</p>
      <Loaded state={state}>
        {({ items }) =>
          items.length === 0 ? (
            <p>{t("custody.none")}</p>
          ) : (
            <ul class="cards">
              {items.map((c) => {
                const ticket = mirrored.find((m) => m.contract.toLowerCase() === c.contract.toLowerCase() && m.tokenId === c.tokenId);
                const order = orders.value?.items.find((o) => o.id === c.orderId);
                return (
                  <li class="card" key={c.id} data-testid="custodial-ticket" data-status={c.status}>
                    <div class="spread">
                      {ticket ? <TicketHeading ticket={ticket} /> : <strong>{t("tickets.serial", { id: c.tokenId })}</strong>}
                      {ticket?.state === "valid" && (
                        <a class="button" href={`/pass/${ticket.contract}/${ticket.tokenId}`}>
                          {t("tickets.show")}
                        </a>
                      )}
                    </div>
                    <p class="muted">{t(`custody.status.${c.status}` as MessageKey)}</p>
                    <button type="button" disabled={busy} data-testid="claim" onClick={() => claim([c.id])}>
                      {busy ? t("common.loading") : t("custody.claim")}
                    </button>
                    {c.status === "custody" && (
                      <details>
                        <summary>{t("offer.title")}</summary>
                        <Form
                          testId="offer"
                          submit={t("offer.send")}
                          action={async (data) => {
                            const raw = String(data.get("price") ?? "")
                              .trim()
                              .replace(",", ".");
                            const price = raw ? Math.round(Number(raw) * 100) : 0;
                            if (!Number.isFinite(price) || price < 0) throw new Error(t("offer.badPrice"));
                            await api(`/me/custodial-tickets/${c.id}/offers`, { as: "fan", body: { email: String(data.get("email")).trim(), price } });
                            onChange();
                          }}
                        >
                          <Field label={t("offer.email")} name="email" type="email" autoComplete="off" />
                          <Field
                            label={t("offer.price", { currency: order?.currency ?? "" })}
                            name="price"
                            required={false}
                            inputMode="decimal"
                            pattern="^[0-9]+([.,][0-9]{1,2})?$"
                            autoComplete="off"
                          />
                        </Form>
                      </details>
                    )}
                  </li>
                );
              })}
            </ul>
          )
        }
      </Loaded>
      {error !== undefined && <ErrorBox error={error} />}
    </section>
  );
}

function Offers({ state, onChange }: { state: { value?: { items: TransferOffer[] }; error?: unknown; reload: () => void }; onChange: () => void }) {
  const session = useSession("fan");
  const [error, setError] = useState<unknown>();
  const decide = async (offer: TransferOffer, decision: "accept" | "decline" | "withdraw") => {
    setError(undefined);
    try {
      const after = await api<TransferOffer & { checkoutUrl?: string | null }>(`/transfer-offers/${offer.id}/${decision}`, { as: "fan", method: "POST" });
      // a priced offer is paid on the provider's page before the ticket moves
      if (after.checkoutUrl) return location.assign(after.checkoutUrl);
      onChange();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="offers-title">
      <h2 id="offers-title">{t("offer.list")}</h2>
      <Loaded state={state}>
        {({ items }) =>
          items.length === 0 ? (
            <p>{t("offer.none")}</p>
          ) : (
            <ul class="cards">
              {items.map((o) => {
                const mine = o.fromUserId === session?.userId;
                return (
                  <li class="card" key={o.id} data-testid={mine ? "offer-made" : "offer-received"} data-status={o.status}>
                    <div class="spread">
                      <span>{mine ? t("offer.madeTo", { email: o.toEmail }) : t("offer.receivedFrom")}</span>
                      <span class="tag">{t(`offer.status.${o.status}` as MessageKey)}</span>
                    </div>
                    <p class="muted">
                      {o.price > 0 ? t("offer.priced", { price: formatMoney(o.price, o.currency) }) : t("offer.gift")} · {formatDateTime(o.createdAt)}
                    </p>
                    {o.status === "pending" &&
                      (mine ? (
                        <button type="button" class="secondary" onClick={() => decide(o, "withdraw")}>
                          {t("offer.withdraw")}
                        </button>
                      ) : (
                        <div class="row">
                          <button type="button" data-testid="accept" onClick={() => decide(o, "accept")}>
                            {o.price > 0 ? t("offer.acceptPay", { price: formatMoney(o.price, o.currency) }) : t("offer.accept")}
                          </button>
                          <button type="button" class="secondary" onClick={() => decide(o, "decline")}>
                            {t("offer.decline")}
                          </button>
                        </div>
                      ))}
                  </li>
                );
              })}
            </ul>
          )
        }
      </Loaded>
      {error !== undefined && <ErrorBox error={error} />}
    </section>
  );
}
