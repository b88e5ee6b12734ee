import { useState } from "preact/hooks";
import { Interface } from "ethers";
import type { PageProps } from "../lib/router.js";
import { api, ApiError } from "../lib/api.js";
import { useSession } from "../lib/use-session.js";
import { reconnect } from "../lib/wallet.js";
import type { CardPrice, EventOnSale, PersonalSchedule, PublicEdition, ScheduleDocument, TierOnSale } from "../lib/types.js";
import { ErrorBox, Field, Form, Loaded, useLoad } from "../lib/ui.js";
import { buyByCard, formatMoney } from "../lib/card.js";
import { getSession } from "../lib/session.js";
import { formatDateTime, formatEth, formatTime, t } from "../i18n.js";

const ticketAbi = new Interface(["function purchase(uint256 tierId, uint256 quantity, address to) payable returns (uint256)"]);

export default function Edition({ params }: PageProps) {
  const editionId = params.editionId!;
  const session = useSession("fan");
  const edition = useLoad(() => api<PublicEdition>(`/public/editions/${editionId}`), [editionId]);
  const schedule = useLoad(async () => {
    try {
      return await api<ScheduleDocument>(`/editions/${editionId}/schedule`);
    } catch (e) {
      if (e instanceof ApiError && e.code === "schedule_not_found") return null;
      throw e;
    }
  }, [editionId]);
  return (
    <Loaded state={edition}>
      {(e) => (
        <>
          <h1>
            {e.festivalName} · {e.name}
          </h1>
          <p class="muted">
            {formatDateTime(e.startsAt, e.timezone)} – {formatDateTime(e.endsAt, e.timezone)}
          </p>
          <Tickets festivalId={e.festivalId} />
          <h2>{t("edition.schedule")}</h2>
          <Loaded state={schedule}>
            {(doc) => (doc ? <Programme doc={doc} editionId={editionId} signedIn={session !== null} /> : <p>{t("edition.noSchedule")}</p>)}
          </Loaded>
        </>
      )}
    </Loaded>
  );
}

function Programme({ doc, editionId, signedIn }: { doc: ScheduleDocument; editionId: string; signedIn: boolean }) {
  const [mine, setMine] = useState<PersonalSchedule | null>(null);
  const [error, setError] = useState<unknown>();
  const plan = useLoad(
    async () => (signedIn ? setMine(await api<PersonalSchedule>(`/me/schedules/${editionId}`, { as: "fan" })) : undefined),
    [editionId, signedIn],
  );
  const tz = doc.edition.timezone;
  const inPlan = new Set(mine?.entries.map((e) => e.engagementId) ?? []);
  const names = new Map(doc.slots.flatMap((s) => s.performances.map((p) => [p.engagementId, p.artistName] as const)));
  const clashWith = (id: string) =>
    mine?.clashes
      .filter((c) => c.engagementIds.includes(id))
      .map((c) => names.get(c.engagementIds[0] === id ? c.engagementIds[1] : c.engagementIds[0]) ?? "?") ?? [];
  const toggle = async (engagementId: string) => {
    setError(undefined);
    try {
      if (inPlan.has(engagementId)) {
        await api(`/me/schedules/${editionId}/entries/${engagementId}`, { method: "DELETE", as: "fan" });
        setMine(await api<PersonalSchedule>(`/me/schedules/${editionId}`, { as: "fan" }));
      } else setMine(await api<PersonalSchedule>(`/me/schedules/${editionId}/entries/${engagementId}`, { method: "PUT", as: "fan" }));
    } catch (e) {
      setError(e);
    }
  };
  const calendar = async () => {
    try {
      const res = await fetch(`/api/v1/me/schedules/${editionId}/calendar.ics`, {
        headers: { authorization: `Bearer ${JSON.parse(localStorage.getItem("session:fan") ?? "{}").accessToken}` },
      });
      if (!res.ok) throw new ApiError(res.status, "calendar", ((await res.json().catch(() => ({}))) as { detail?: string }).detail ?? res.statusText);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = "schedule.ics";
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      {error !== undefined && <ErrorBox error={error} />}
      {plan.error !== undefined && <ErrorBox error={plan.error} onRetry={plan.reload} />}
      {!signedIn && (
        <p class="muted">
          <a href="/sign-in">{t("edition.signInForPlan")}</a>
        </p>
      )}
      {signedIn && (
        <p>
          <button type="button" class="link" onClick={calendar}>
            {t("edition.calendar")}
          </button>
        </p>
      )}
      {doc.stages.map((stage) => (
        <section key={stage.id} class="card" aria-label={stage.name}>
          <h3>
            {stage.name} <span class="muted">· {stage.venueName}</span>
          </h3>
          {doc.slots
            .filter((s) => s.stageId === stage.id && s.kind === "performance")
            .map((slot) => (
              <div class="slot" key={slot.id} data-testid="slot">
                <span>{formatTime(slot.startsAt, tz)}</span>
                <span>
                  {slot.performances.map((p) => p.artistName).join(", ") || slot.title}
                  {slot.performances.map((p) =>
                    clashWith(p.engagementId).map((other) => (
                      <div class="clash" key={other}>
                        {t("edition.clash", { other })}
                      </div>
                    )),
                  )}
                </span>
                <span>
                  {signedIn &&
                    slot.performances.map((p) => (
                      <button key={p.engagementId} type="button" class="secondary" onClick={() => toggle(p.engagementId)}>
                        {inPlan.has(p.engagementId) ? t("edition.remove") : t("edition.add")}
                      </button>
                    ))}
                </span>
              </div>
            ))}
        </section>
      ))}
      <p class="muted">{doc.version && formatDateTime(doc.version.publishedAt)}</p>
    </>
  );
}

function Tickets({ festivalId }: { festivalId: string }) {
  const sale = useLoad(() => api<{ items: EventOnSale[] }>(`/festivals/${festivalId}/tickets-on-sale`), [festivalId]);
  return (
    <section aria-labelledby="tickets-title">
      <h2 id="tickets-title">{t("edition.tickets")}</h2>
      <Loaded state={sale}>
        {({ items }) =>
          items.length === 0 ? (
            <p>{t("edition.noTickets")}</p>
          ) : (
            <>
              {items.map((event) => (
                <EventCard key={event.eventContractId} event={event} />
              ))}
            </>
          )
        }
      </Loaded>
    </section>
  );
}

function EventCard({ event }: { event: EventOnSale }) {
  // card prices are optional per tier: without one, a tier is sold by wallet only
  const prices = useLoad(
    () => api<{ items: CardPrice[] }>(`/event-contracts/${event.eventContractId}/card-prices`).catch(() => ({ items: [] as CardPrice[] })),
    [event.eventContractId],
  );
  return (
    <div class="card">
      <strong>{event.name}</strong>
      {event.tiers.map((tier) => (
        <BuyTier key={tier.tierId} event={event} tier={tier} cardPrice={prices.value?.items.find((p) => p.tierId === tier.tierId)} />
      ))}
      {event.eventId && <JoinWaitlist eventId={event.eventId} />}
    </div>
  );
}

/** The event's waitlist (it opens when the event sells out; the API says so in words before). */
function JoinWaitlist({ eventId }: { eventId: string }) {
  const [joined, setJoined] = useState(false);
  const session = useSession("fan");
  return (
    <details class="waitlist">
      <summary>{t("waitlist.join")}</summary>
      {joined ? (
        <p role="status" data-testid="waitlist-joined">
          {t("waitlist.checkMail")} <a href="/waitlists">{t("nav.waitlists")}</a>
        </p>
      ) : (
        <Form
          testId="waitlist-join"
          submit={t("waitlist.joinButton")}
          action={async (data) => {
            await api(`/events/${eventId}/waitlist`, { body: { email: String(data.get("email")).trim() }, as: session ? "fan" : undefined });
            setJoined(true);
          }}
        >
          <Field label={t("signIn.emailLabel")} name="email" type="email" autoComplete="email" />
        </Form>
      )}
    </details>
  );
}

function BuyTier({ event, tier, cardPrice }: { event: EventOnSale; tier: TierOnSale; cardPrice?: CardPrice }) {
  const session = useSession("fan");
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const now = Date.now();
  const onSale = !event.cancelled && Date.parse(tier.saleStart) <= now && now < Date.parse(tier.saleEnd) && BigInt(tier.remaining) > 0n;
  const buy = async () => {
    setError(undefined);
    try {
      const wallet = await reconnect(session?.walletRdns, session?.address);
      if (!wallet) throw new Error(t("buy.connect"));
      const chainId = Number(await wallet.wallet.provider.request({ method: "eth_chainId" }));
      if (chainId !== event.chainId) throw new Error(t("buy.wrongChain", { have: chainId, want: event.chainId }));
      setStatus(t("buy.sending"));
      const tx = await wallet.signer.sendTransaction({
        to: event.contract,
        data: ticketAbi.encodeFunctionData("purchase", [tier.tierId, 1, wallet.address]),
        value: BigInt(tier.price),
      });
      setStatus(t("buy.waiting", { hash: `${tx.hash.slice(0, 10)}…` }));
      const receipt = await tx.wait();
      if (!receipt || receipt.status !== 1) throw new Error("the transaction failed");
      setStatus(t("buy.done"));
    } catch (e) {
      setStatus(null);
      setError(e);
    }
  };
  return (
    <div class="spread" style="padding:8px 0">
      <div>
        <div>
          {t("buy.tier", { name: tier.name, price: tier.currency === "ETH" ? formatEth(tier.price) : `${tier.price} (${tier.currency.slice(0, 8)}…)` })}
        </div>
        <div class="muted">{onSale ? t("buy.remaining", { n: tier.remaining }) : t("buy.notOnSale")}</div>
      </div>
      {tier.currency !== "ETH" ? (
        <span class="muted">{t("buy.erc20")}</span>
      ) : session?.method === "siwe" ? (
        <button type="button" disabled={!onSale || (status !== null && status !== t("buy.done"))} data-testid={`buy-${tier.name}`} onClick={buy}>
          {t("buy.button", { name: tier.name })}
        </button>
      ) : (
        <a href="/sign-in">{t("buy.connect")}</a>
      )}
      {cardPrice && onSale && <CardBuy event={event} tier={tier} price={cardPrice} />}
      {status && (
        <p role="status" data-testid="buy-status" style="flex-basis:100%">
          {status} {status === t("buy.done") && <a href="/tickets">{t("nav.tickets")}</a>}
        </p>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </div>
  );
}

function CardBuy({ event, tier, price }: { event: EventOnSale; tier: TierOnSale; price: CardPrice }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <div class="spread" style="flex-basis:100%">
      <span class="muted">{t("card.price", { price: formatMoney(price.amount, price.currency) })}</span>
      {getSession("fan") ? (
        <button
          type="button"
          class="secondary"
          disabled={busy}
          data-testid={`card-buy-${tier.name}`}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            try {
              await buyByCard(event.eventContractId, tier.tierId);
            } catch (e) {
              setError(e);
              setBusy(false);
            }
          }}
        >
          {busy ? t("common.loading") : t("card.buy")}
        </button>
      ) : (
        <a href="/sign-in">{t("card.signIn")}</a>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </div>
  );
}
