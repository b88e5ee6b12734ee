import { useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { SignIn, SignedInBar } from "../lib/sign-in.js";
import type { Page } from "../lib/types.js";
import { ErrorBox, Loaded, useLoad } from "../lib/ui.js";
import { useSession } from "../lib/use-session.js";
import { formatDateTime, t } from "../i18n.js";

interface Band {
  id: string;
  editionId: string;
  tagId: string;
  status: "active" | "blocked";
  balance: number;
}
interface HistoryEntry {
  id: string;
  type: string;
  amount: number;
  currency: string;
  balanceAfter: number;
  createdAt?: string;
}

/** Minor units as money (two decimals; the edition's currency comes with each ledger line). */
const money = (minor: number, currency = "") => `${(minor / 100).toFixed(2)} ${currency}`.trim();

/** The fan's cashless wristbands: balance, the ledger's lines, and blocking a lost band. */
export default function Cashless() {
  const session = useSession("fan");
  if (!session) return <SignIn area="fan" methods={["wallet", "email"]} />;
  return <Bands />;
}

function Bands() {
  const bands = useLoad(() => api<Page<Band>>("/me/wristbands?limit=100", { as: "fan" }), []);
  return (
    <>
      <SignedInBar area="fan" />
      <h1>{t("cashless.title")}</h1>
      <Loaded state={bands}>
        {({ items }) =>
          items.length === 0 ? (
            <p data-testid="no-bands">{t("cashless.none")}</p>
          ) : (
            <ul class="cards">
              {items.map((b) => (
                <BandCard key={b.id} band={b} onChange={bands.reload} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}

function BandCard({ band, onChange }: { band: Band; onChange: () => void }) {
  const history = useLoad(() => api<Page<HistoryEntry>>(`/wristbands/${band.id}/history?limit=20`, { as: "fan" }), [band.id]);
  const [error, setError] = useState<unknown>();
  const currency = history.value?.items[0]?.currency ?? "";
  return (
    <li class="card">
      <div class="spread">
        <strong>{t("cashless.band", { tag: band.tagId })}</strong>
        <span class="tag">{band.status === "active" ? t("cashless.active") : t("cashless.blocked")}</span>
      </div>
      <p style="font-size:1.6rem;margin:8px 0">{money(band.balance, currency)}</p>
      <Loaded state={history}>
        {({ items }) => (
          <table>
            <tbody>
              {items.map((h) => (
                <tr key={h.id}>
                  <td>{h.createdAt ? formatDateTime(h.createdAt) : ""}</td>
                  <td>{h.type}</td>
                  <td>{money(h.amount, h.currency)}</td>
                  <td class="muted">{money(h.balanceAfter, h.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      {band.status === "active" && (
        <button
          type="button"
          class="secondary"
          onClick={async () => {
            setError(undefined);
            try {
              await api(`/wristbands/${band.id}/block`, { as: "fan", method: "POST" });
              onChange();
            } catch (e) {
              setError(e);
            }
          }}
        >
          {t("cashless.block")}
        </button>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </li>
  );
}
