import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api } from "../lib/api.js";
import type { Page } from "../lib/types.js";
import { Loaded, useLoad } from "../lib/ui.js";
import { formatDateTime, formatEth, t } from "../i18n.js";

interface TierStats {
  tierId: number;
  category: string;
  zones: string[];
  onChain: { price: string; supply: string; sold: string; revenue: string; currency: string } | null;
  holders: number;
  checkedInOnChain: number;
  admittedAtGate: number;
}
interface Zone {
  id: string;
  code: string;
  name: string;
  capacity: number | null;
  occupancy: number;
}

/** Live numbers of one event: sales and revenue per tier, zones with occupancy, check-ins per 10 minutes per zone (uPlot). */
export function Dashboard({ eventContractId }: { eventContractId: string }) {
  const tiers = useLoad(() => api<Page<TierStats>>(`/event-contracts/${eventContractId}/tiers?limit=100`, { as: "organizer" }), [eventContractId]);
  const zones = useLoad(() => api<Page<Zone>>(`/event-contracts/${eventContractId}/zones?limit=100`, { as: "organizer" }), [eventContractId]);
  useEffect(() => {
    const timer = setInterval(() => {
      tiers.reload();
      zones.reload();
      window.dispatchEvent(new Event("dashboard-tick"));
    }, 10_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <section aria-label={t("org.dashboard")}>
      <h3>{t("org.tiers")}</h3>
      <Loaded state={tiers}>
        {({ items }) => (
          <table data-testid="tiers">
            <thead>
              <tr>
                <th>{t("org.tierName")}</th>
                <th>{t("org.sold")}</th>
                <th>{t("org.checkedIn")}</th>
                <th>{t("org.revenue")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((tier) => (
                <tr key={tier.tierId}>
                  <td>
                    {tier.category} {tier.zones.length > 0 && <span class="muted">({tier.zones.join(", ")})</span>}
                  </td>
                  <td>
                    {tier.onChain?.sold ?? "–"} / {tier.onChain?.supply ?? "–"}
                  </td>
                  <td>{tier.admittedAtGate}</td>
                  <td>{tier.onChain ? formatEth(tier.onChain.revenue) : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      <h3>{t("org.checkinsPer10")}</h3>
      <Loaded state={zones}>
        {({ items }) => (
          <>
            <ul>
              {items.map((z) => (
                <li key={z.id}>
                  {z.name}: {z.occupancy}
                  {z.capacity !== null && ` / ${z.capacity}`}
                </li>
              ))}
            </ul>
            <CheckInChart zones={items} />
          </>
        )}
      </Loaded>
      <OfflineScanners eventContractId={eventContractId} />
      <PayeeRevenue eventContractId={eventContractId} />
    </section>
  );
}

function CheckInChart({ zones }: { zones: Zone[] }) {
  const box = useRef<HTMLDivElement>(null);
  const data = useLoad(async () => {
    const logs = await Promise.all(
      zones.map((z) => api<Page<{ direction: string; verdict: string; scannedAt: string }>>(`/gate/zones/${z.id}/scans?limit=100`, { as: "organizer" })),
    );
    const bucket = (iso: string) => Math.floor(Date.parse(iso) / 600_000) * 600;
    const now = Math.floor(Date.now() / 600_000) * 600;
    const xs = Array.from({ length: 18 }, (_, i) => now - (17 - i) * 600);
    const series = logs.map((log) =>
      xs.map((x) => log.items.filter((s) => s.verdict === "admitted" && s.direction === "in" && bucket(s.scannedAt) === x).length),
    );
    return [xs, ...series] as uPlot.AlignedData;
  }, [zones.map((z) => z.id).join()]);
  useEffect(() => {
    if (!box.current || !data.value) return;
    const colours = ["#6a1fd1", "#0b8a3e", "#b36b00", "#c0172b"];
    const plot = new uPlot(
      {
        width: Math.min(box.current.clientWidth || 320, 900),
        height: 200,
        series: [{}, ...zones.map((z, i) => ({ label: z.name, stroke: colours[i % colours.length], width: 2 }))],
        axes: [{}, { label: t("org.checkedIn") }],
      },
      data.value,
      box.current,
    );
    return () => plot.destroy();
  }, [data.value]);
  return <div class="chart" ref={box} data-testid="checkin-chart" />;
}

/** Reloads `reload` on the dashboard's 10 s tick. */
function useTick(reload: () => void) {
  useEffect(() => {
    window.addEventListener("dashboard-tick", reload);
    return () => window.removeEventListener("dashboard-tick", reload);
  }, [reload]);
}

interface Device {
  deviceId: string;
  zoneName: string | null;
  mode: "online" | "offline";
  offline: boolean;
  stale: boolean;
  queuedScans: number;
  uploadedScans: number;
  snapshotIssuedAt: string | null;
  lastSeenAt: string;
}

/** Scanner devices the gate has not heard from recently, or that work from their snapshot with scans queued. */
function OfflineScanners({ eventContractId }: { eventContractId: string }) {
  const devices = useLoad(
    () => api<{ items: Device[]; staleAfterSeconds: number }>(`/event-contracts/${eventContractId}/gate/devices`, { as: "organizer" }),
    [eventContractId],
  );
  useTick(devices.reload);
  return (
    <>
      <h3>{t("org.offlineScanners")}</h3>
      <Loaded state={devices}>
        {({ items }) => {
          const offline = items.filter((d) => d.offline);
          return (
            <div data-testid="offline-scanners">
              <p class="muted">{t("org.scannersSummary", { offline: offline.length, all: items.length })}</p>
              {offline.length > 0 && (
                <table>
                  <thead>
                    <tr>
                      <th>{t("org.device")}</th>
                      <th>{t("org.lastSeen")}</th>
                      <th>{t("org.queued")}</th>
                      <th>{t("org.snapshotAt")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {offline.map((d) => (
                      <tr key={d.deviceId} data-testid="offline-scanner">
                        <td>
                          <code>{d.deviceId.slice(0, 16)}</code>
                          {d.zoneName && <div class="muted">{d.zoneName}</div>}
                          <div class="tag">{d.stale ? t("org.deviceSilent") : t("org.deviceOfflineMode")}</div>
                        </td>
                        <td>{formatDateTime(d.lastSeenAt)}</td>
                        <td>{d.queuedScans}</td>
                        <td>{d.snapshotIssuedAt ? formatDateTime(d.snapshotIssuedAt) : "–"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          );
        }}
      </Loaded>
    </>
  );
}

interface SplitPayees {
  splitAddress: string | null;
  totals: Array<{ currency: string; received: string; released: string }>;
  payees: Array<{ account: string; shareBps: number | null; balances: Array<{ currency: string; entitled: string; released: string; claimable: string }> }>;
}

const money = (v: string, currency: string) => (currency === "ETH" ? formatEth(v) : `${v} ${currency.slice(0, 8)}…`);

/** What the event's split received, and per payee: entitled, claimed and still owed (from the chain mirror). */
function PayeeRevenue({ eventContractId }: { eventContractId: string }) {
  const split = useLoad(() => api<SplitPayees>(`/event-contracts/${eventContractId}/payees`, { as: "organizer" }), [eventContractId]);
  useTick(split.reload);
  return (
    <>
      <h3>{t("org.payees")}</h3>
      <Loaded state={split}>
        {({ totals, payees }) => (
          <div data-testid="payees">
            {totals.map((x) => (
              <p key={x.currency}>{t("org.splitReceived", { received: money(x.received, x.currency), claimed: money(x.released, x.currency) })}</p>
            ))}
            {payees.length === 0 ? (
              <p class="muted">{t("org.noPayees")}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>{t("org.payee")}</th>
                    <th>{t("payouts.entitled")}</th>
                    <th>{t("payouts.released")}</th>
                    <th>{t("org.owed")}</th>
                  </tr>
                </thead>
                <tbody>
                  {payees.flatMap((p) =>
                    (p.balances.length ? p.balances : [{ currency: "ETH", entitled: "0", released: "0", claimable: "0" }]).map((b) => (
                      <tr key={`${p.account}:${b.currency}`} data-testid="payee">
                        <td>
                          <code>{`${p.account.slice(0, 8)}…${p.account.slice(-4)}`}</code>
                          {p.shareBps !== null && <div class="muted">{t("payouts.share", { pct: p.shareBps / 100 })}</div>}
                        </td>
                        <td>{money(b.entitled, b.currency)}</td>
                        <td>{money(b.released, b.currency)}</td>
                        <td>{money(b.claimable, b.currency)}</td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            )}
          </div>
        )}
      </Loaded>
    </>
  );
}
