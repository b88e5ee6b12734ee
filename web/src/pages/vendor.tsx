import { useEffect, useRef, useState } from "preact/hooks";
import type { PageProps } from "../lib/router.js";
import { api, errorWords } from "../lib/api.js";
import { SignIn, SignedInBar } from "../lib/sign-in.js";
import { Loaded, useLoad } from "../lib/ui.js";
import { useSession } from "../lib/use-session.js";
import { formatTime, t } from "../i18n.js";

interface Stand {
  id: string;
  name: string;
  location: string | null;
  vendorName: string;
  role: "owner" | "staff";
  currency: string | null;
}
interface Menu {
  id: string;
  items: Array<{ id: string; name: string; price: number }>;
}
type Outcome = { ok: true; amount: number; balanceAfter: number; pickupNumber?: number } | { ok: false; reason: string };

const as = "vendor" as const;
/** Minor units as money, two decimals. */
const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;
const keyOf = (standId: string) => `terminal:${standId}`;

/**
 * The vendor terminal: staff sign in, pick their stand, and charge a wristband (the band's id
 * typed, or typed by a band reader that acts as a keyboard) for an amount or menu items; the
 * answer fills the screen in green or red. The browser holds the stand's terminal key (an
 * owner registers the device once); the pickup screen lists the orders ready at the stand.
 */
export default function Vendor({ params }: PageProps) {
  const session = useSession(as);
  if (!session) {
    return (
      <>
        <h1>{t("vendor.title")}</h1>
        <SignIn area={as} methods={["email"]} />
      </>
    );
  }
  return (
    <>
      <SignedInBar area={as} />
      {params.standId ? params.pickup ? <Pickup standId={params.standId} /> : <Terminal standId={params.standId} /> : <Stands />}
    </>
  );
}

function useStands() {
  return useLoad(() => api<{ items: Stand[] }>("/me/vendor-stands", { as }), []);
}

function Stands() {
  const stands = useStands();
  return (
    <>
      <h1>{t("vendor.pickStand")}</h1>
      <Loaded state={stands}>
        {({ items }) =>
          items.length === 0 ? (
            <p>{t("vendor.noStands")}</p>
          ) : (
            <ul class="cards">
              {items.map((s) => (
                <li class="card" key={s.id}>
                  <a href={`/vendor/stands/${s.id}`} data-testid="stand">
                    <strong>{s.name}</strong>
                  </a>
                  <div class="muted">
                    {s.vendorName}
                    {s.location && ` · ${s.location}`}
                  </div>
                  <a href={`/vendor/stands/${s.id}/pickup`}>{t("vendor.pickup")}</a>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}

function Terminal({ standId }: { standId: string }) {
  const stands = useStands();
  const [key, setKey] = useState(() => localStorage.getItem(keyOf(standId)));
  return (
    <Loaded state={stands}>
      {({ items }) => {
        const stand = items.find((s) => s.id === standId);
        if (!stand) return <p role="alert">{t("vendor.notYourStand")}</p>;
        return (
          <>
            <div class="spread">
              <h1>{stand.name}</h1>
              <a href={`/vendor/stands/${standId}/pickup`}>{t("vendor.pickup")}</a>
            </div>
            {!stand.currency ? (
              <p role="alert">{t("vendor.noCashless")}</p>
            ) : key ? (
              <Charge stand={stand} terminalKey={key} currency={stand.currency} />
            ) : (
              <Register stand={stand} onKey={(k) => (localStorage.setItem(keyOf(standId), k), setKey(k))} />
            )}
          </>
        );
      }}
    </Loaded>
  );
}

function Register({ stand, onKey }: { stand: Stand; onKey: (key: string) => void }) {
  const [error, setError] = useState<unknown>();
  if (stand.role !== "owner") return <p role="alert">{t("vendor.askOwner")}</p>;
  return (
    <section class="card">
      <p>{t("vendor.registerHint")}</p>
      <button
        type="button"
        data-testid="register-terminal"
        onClick={async () => {
          setError(undefined);
          try {
            const created = await api<{ key: string }>(`/stands/${stand.id}/terminals`, {
              as,
              body: { name: `${stand.name} · ${navigator.platform || "web"}` },
            });
            onKey(created.key);
          } catch (e) {
            setError(e);
          }
        }}
      >
        {t("vendor.register")}
      </button>
      {error !== undefined && <p role="alert">{errorWords(error).message}</p>}
    </section>
  );
}

function Charge({ stand, terminalKey, currency }: { stand: Stand; terminalKey: string; currency: string }) {
  const menu = useLoad(() => api<Menu>(`/stands/${stand.id}/menu`).catch(() => null), [stand.id]);
  const [amount, setAmount] = useState("");
  const [lines, setLines] = useState<Record<string, number>>({});
  const [band, setBand] = useState("");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const bandInput = useRef<HTMLInputElement>(null);
  const items = menu.value?.items ?? [];
  const menuTotal = items.reduce((sum, i) => sum + i.price * (lines[i.id] ?? 0), 0);
  const minor = menuTotal > 0 ? menuTotal : Math.round(Number(amount.replace(",", ".")) * 100);
  const headers = { "x-terminal-key": terminalKey };

  const charge = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      if (menuTotal > 0 && menu.value) {
        const order = await api<{ total: number; pickupNumber: number }>("/terminal/orders", {
          headers,
          body: {
            orderId: crypto.randomUUID(),
            transferId: crypto.randomUUID(),
            menuId: menu.value.id,
            lines: Object.entries(lines)
              .filter(([, q]) => q > 0)
              .map(([itemId, quantity]) => ({ itemId, quantity })),
            paymentMethod: "cashless",
            tagId: band.trim(),
          },
        });
        setOutcome({ ok: true, amount: order.total, balanceAfter: NaN, pickupNumber: order.pickupNumber });
      } else {
        const paid = await api<{ amount: number; balanceAfter: number }>("/terminal/payments", {
          headers,
          body: { transferId: crypto.randomUUID(), tagId: band.trim(), amount: minor, currency, standId: stand.id },
        });
        setOutcome({ ok: true, amount: paid.amount, balanceAfter: paid.balanceAfter });
      }
      setAmount("");
      setLines({});
    } catch (error) {
      setOutcome({ ok: false, reason: errorWords(error).message });
    } finally {
      setBusy(false);
      setBand("");
    }
  };

  if (outcome) {
    return (
      <div class={`verdict ${outcome.ok ? "green" : "red"}`} role="status" data-testid="charge-result" data-ok={String(outcome.ok)}>
        <h2>{outcome.ok ? t("vendor.approved") : t("vendor.declined")}</h2>
        {outcome.ok ? (
          <>
            <p>{money(outcome.amount, currency)}</p>
            {!Number.isNaN(outcome.balanceAfter) && <p>{t("vendor.balanceAfter", { balance: money(outcome.balanceAfter, currency) })}</p>}
            {outcome.pickupNumber !== undefined && <p>{t("vendor.pickupNumber", { n: outcome.pickupNumber })}</p>}
          </>
        ) : (
          <p data-testid="decline-reason">{outcome.reason}</p>
        )}
        <button
          type="button"
          autoFocus
          onClick={() => {
            setOutcome(null);
            setTimeout(() => bandInput.current?.focus(), 0);
          }}
        >
          {t("vendor.next")}
        </button>
      </div>
    );
  }
  return (
    <form class="form" onSubmit={charge} data-testid="charge">
      {items.length > 0 && (
        <fieldset>
          <legend>{t("vendor.menu")}</legend>
          {items.map((i) => (
            <div class="spread" key={i.id}>
              <span>
                {i.name} · {money(i.price, currency)}
              </span>
              <span class="row">
                <button
                  type="button"
                  class="secondary"
                  aria-label={t("vendor.less", { item: i.name })}
                  onClick={() => setLines((l) => ({ ...l, [i.id]: Math.max(0, (l[i.id] ?? 0) - 1) }))}
                >
                  −
                </button>
                <span aria-live="polite">{lines[i.id] ?? 0}</span>
                <button
                  type="button"
                  class="secondary"
                  aria-label={t("vendor.more", { item: i.name })}
                  onClick={() => setLines((l) => ({ ...l, [i.id]: (l[i.id] ?? 0) + 1 }))}
                >
                  +
                </button>
              </span>
            </div>
          ))}
        </fieldset>
      )}
      {menuTotal === 0 && (
        <label class="field">
          <span>{t("vendor.amount", { currency })}</span>
          <input name="amount" inputMode="decimal" required value={amount} onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
        </label>
      )}
      <label class="field">
        <span>{t("vendor.band")}</span>
        <input
          ref={bandInput}
          name="band"
          required
          autoComplete="off"
          autoCapitalize="characters"
          pattern="[0-9A-Fa-f]{8,32}"
          title={t("vendor.bandHint")}
          value={band}
          onInput={(e) => setBand((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" class="big" disabled={busy || !(minor > 0)} data-testid="charge-button">
        {busy ? t("common.loading") : t("vendor.charge", { amount: minor > 0 ? money(minor, currency) : "" })}
      </button>
    </form>
  );
}

/** The stand's READY orders, large, for the counter's screen; refreshed every 5 s. */
function Pickup({ standId }: { standId: string }) {
  const ready = useLoad(
    () => api<{ items: Array<{ id: string; pickupNumber: number; readySince: string }> }>(`/stands/${standId}/pickup?limit=100`, { as }),
    [standId],
  );
  useEffect(() => {
    const timer = setInterval(ready.reload, 5000);
    return () => clearInterval(timer);
  }, []);
  return (
    <>
      <div class="spread">
        <h1>{t("vendor.pickupTitle")}</h1>
        <a href={`/vendor/stands/${standId}`}>{t("vendor.terminal")}</a>
      </div>
      <Loaded state={ready}>
        {({ items }) =>
          items.length === 0 ? (
            <p class="muted">{t("vendor.nothingReady")}</p>
          ) : (
            <ul class="pickup" data-testid="pickup" aria-live="polite">
              {items.map((o) => (
                <li key={o.id}>
                  <strong>{o.pickupNumber}</strong>
                  <span class="muted">{t("vendor.readySince", { time: formatTime(o.readySince) })}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}
