import { useState } from "preact/hooks";
import { Interface } from "ethers";
import { api } from "../lib/api.js";
import { SignIn, SignedInBar } from "../lib/sign-in.js";
import { ErrorBox, Loaded, useLoad } from "../lib/ui.js";
import { useSession } from "../lib/use-session.js";
import { reconnect } from "../lib/wallet.js";
import { formatDateTime, formatEth, t } from "../i18n.js";

interface Payout {
  chainId: number;
  splitAddress: string;
  account: string;
  shareBps: number | null;
  eventName: string | null;
  balances: Array<{ currency: string; token: string; entitled: string; released: string; claimable: string }>;
}

const splitAbi = new Interface(["function claim(address token) returns (uint256)"]);

export default function Payouts() {
  const session = useSession("fan");
  if (!session || session.method !== "siwe") {
    return (
      <>
        <h1>{t("payouts.title")}</h1>
        <p class="muted">{t("payouts.intro")}</p>
        <SignIn area="fan" methods={["wallet"]} />
      </>
    );
  }
  return <List />;
}

function List() {
  const payouts = useLoad(() => api<{ items: Payout[]; wallets: string[] }>("/me/payouts", { as: "fan" }), []);
  return (
    <>
      <SignedInBar area="fan" />
      <h1>{t("payouts.title")}</h1>
      <p class="muted">{t("payouts.intro")}</p>
      <Loaded state={payouts}>
        {({ items }) =>
          items.length === 0 ? (
            <p>{t("payouts.empty")}</p>
          ) : (
            <ul class="cards">
              {items.map((p) => (
                <li class="card" key={`${p.splitAddress}:${p.account}`} data-testid="payout">
                  <strong>{p.eventName ?? p.splitAddress}</strong>
                  {p.shareBps !== null && <div class="muted">{t("payouts.share", { pct: p.shareBps / 100 })}</div>}
                  {p.balances.length === 0 && <p>{t("payouts.nothing")}</p>}
                  {p.balances.map((b) => (
                    <Balance key={b.token} payout={p} balance={b} onClaimed={payouts.reload} />
                  ))}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <History refresh={payouts.value} />
    </>
  );
}

function Balance({ payout, balance, onClaimed }: { payout: Payout; balance: Payout["balances"][number]; onClaimed: () => void }) {
  const session = useSession("fan");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const money = (v: string) => (balance.currency === "ETH" ? formatEth(v) : `${v} ${balance.currency.slice(0, 8)}…`);
  const claim = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const wallet = await reconnect(session?.walletRdns, payout.account);
      if (!wallet) throw new Error(t("buy.connect"));
      const tx = await wallet.signer.sendTransaction({ to: payout.splitAddress, data: splitAbi.encodeFunctionData("claim", [balance.token]) });
      const receipt = await tx.wait();
      if (!receipt || receipt.status !== 1) throw new Error("the transaction failed");
      setDone(tx.hash);
      // the mirror shows the claim once the indexer has its block
      setTimeout(onClaimed, 1500);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <table>
        <tbody>
          <tr>
            <th>{t("payouts.entitled")}</th>
            <td>{money(balance.entitled)}</td>
          </tr>
          <tr>
            <th>{t("payouts.released")}</th>
            <td data-testid="released">{money(balance.released)}</td>
          </tr>
          <tr>
            <th>{t("payouts.claimable")}</th>
            <td data-testid="claimable">{money(balance.claimable)}</td>
          </tr>
        </tbody>
      </table>
      {BigInt(balance.claimable) > 0n && !done && (
        <button type="button" disabled={busy} onClick={claim} data-testid="claim">
          {busy ? t("common.loading") : t("payouts.claim", { amount: money(balance.claimable) })}
        </button>
      )}
      {done && (
        <p role="status" class="ok" data-testid="claimed">
          {t("payouts.claimed", { hash: `${done.slice(0, 10)}…` })}
        </p>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </div>
  );
}

interface Claim {
  splitAddress: string;
  eventName: string | null;
  payee: string;
  currency: string;
  amount: string;
  txHash: string;
  claimedAt: string;
}

/** (Again after each reload of the balances.) Every claim of the signed-in user's proven wallets, from the chain mirror (the server's history, not this browser's). */
function History({ refresh }: { refresh: unknown }) {
  const [pages, setPages] = useState<Claim[][]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useLoad(async () => {
    const page = await api<{ items: Claim[]; nextCursor: string | null }>("/me/payouts/claims?limit=20", { as: "fan" });
    setPages([page.items]);
    setCursor(page.nextCursor);
    return page;
  }, [refresh]);
  const [error, setError] = useState<unknown>();
  const more = async () => {
    try {
      const page = await api<{ items: Claim[]; nextCursor: string | null }>(`/me/payouts/claims?limit=20&cursor=${encodeURIComponent(cursor!)}`, { as: "fan" });
      setPages((p) => [...p, page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">{t("payouts.history")}</h2>
      <Loaded state={first}>
        {() => {
          const items = pages.flat();
          return items.length === 0 ? (
            <p class="muted">{t("payouts.noHistory")}</p>
          ) : (
            <ul data-testid="claim-history">
              {items.map((h) => (
                <li key={h.txHash + h.payee} data-testid="claim-entry">
                  {formatDateTime(h.claimedAt)} · {h.eventName ?? h.splitAddress.slice(0, 10)} · {h.currency === "ETH" ? formatEth(h.amount) : h.amount} ·{" "}
                  <code>{h.txHash.slice(0, 12)}…</code>
                </li>
              ))}
            </ul>
          );
        }}
      </Loaded>
      {cursor && (
        <button type="button" class="secondary" onClick={more}>
          {t("common.more")}
        </button>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </section>
  );
}
