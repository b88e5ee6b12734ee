import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api } from "../lib/api.js";
import type { Page } from "../lib/types.js";
import { Loaded, useLoad } from "../lib/ui.js";
import { formatEth, t } from "../i18n.js";

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
