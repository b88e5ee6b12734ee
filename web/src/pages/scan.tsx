import { useEffect, useRef, useState } from "preact/hooks";
import QrScanner from "qr-scanner";
import { api, ApiError } from "../lib/api.js";
import { SignIn, SignedInBar } from "../lib/sign-in.js";
import { ErrorBox, Loaded, useLoad } from "../lib/ui.js";
import { useSession } from "../lib/use-session.js";
import type { SignedSnapshot, Snapshot } from "../lib/offline-gate.js";
import { formatDateTime, t, verdictText } from "../i18n.js";

interface Assignment {
  festivalId: string;
  name: string;
  events: Array<{ eventContractId: string; name: string; zones: Array<{ id: string; code: string; name: string; kind: string }> }>;
}

interface Verdict {
  verdict: string;
  admitted: boolean;
  message: string;
  tier: string | null;
  name: string | null;
  offline: boolean;
}

interface QueuedScan {
  nonce: string;
  zoneId: string;
  payload: string;
  scannedAt: string;
  verdict: string;
}

const GREEN = new Set(["admitted", "exited"]);
const AMBER = new Set(["expired_pass", "replayed_pass", "zone_full", "not_inside", "validity_too_long"]);
const colour = (v: string) => (GREEN.has(v) ? "green" : AMBER.has(v) ? "amber" : "red");

/** A short tone: high for admit, two low ones for refuse (WebAudio, no file to download). */
function beep(kind: string): void {
  try {
    const ctx = new AudioContext();
    const tones = kind === "green" ? [880] : kind === "amber" ? [520, 520] : [220, 180];
    tones.forEach((hz, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = hz;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.2);
      osc.stop(ctx.currentTime + i * 0.2 + 0.15);
    });
    setTimeout(() => void ctx.close(), 1000);
  } catch {
    // no audio output: the colour says it
  }
}

const deviceId = (() => {
  let id = localStorage.getItem("scanner:device");
  if (!id) localStorage.setItem("scanner:device", (id = `web-${crypto.randomUUID()}`));
  return id;
})();

const queueKey = (eventContractId: string) => `scanner:queue:${eventContractId}`;
const readQueue = (eventContractId: string): QueuedScan[] => JSON.parse(localStorage.getItem(queueKey(eventContractId)) ?? "[]");
const writeQueue = (eventContractId: string, q: QueuedScan[]) => localStorage.setItem(queueKey(eventContractId), JSON.stringify(q));

export default function ScanPage() {
  const session = useSession("staff");
  if (!session) {
    return (
      <>
        <h1>{t("scan.title")}</h1>
        <p class="muted">{t("scan.signInHint")}</p>
        <SignIn area="staff" methods={["email"]} />
      </>
    );
  }
  return <Scanner />;
}

function Scanner() {
  const assignments = useLoad(() => api<{ items: Assignment[] }>("/me/gate/assignments", { as: "staff" }), []);
  const [festivalId, setFestivalId] = useState("");
  const [eventId, setEventId] = useState("");
  const [zoneId, setZoneId] = useState("");
  const [direction, setDirection] = useState<"in" | "out">("in");
  return (
    <div class="scanner">
      <SignedInBar area="staff" />
      <h1>{t("scan.title")}</h1>
      <Loaded state={assignments}>
        {({ items }) => {
          if (!items.length) return <p>{t("scan.noAssignment")}</p>;
          const festival = items.find((f) => f.festivalId === festivalId) ?? items[0]!;
          const event = festival.events.find((e) => e.eventContractId === eventId) ?? festival.events[0];
          const zone = event?.zones.find((z) => z.id === zoneId) ?? event?.zones[0];
          return (
            <>
              <div class="form">
                <label class="field">
                  <span>{t("scan.festival")}</span>
                  <select value={festival.festivalId} onChange={(e) => setFestivalId((e.target as HTMLSelectElement).value)}>
                    {items.map((f) => (
                      <option key={f.festivalId} value={f.festivalId}>
                        {f.name}
                      </option>
                    ))}
                  </select>
                </label>
                {event && (
                  <label class="field">
                    <span>{t("scan.event")}</span>
                    <select value={event.eventContractId} onChange={(e) => setEventId((e.target as HTMLSelectElement).value)}>
                      {festival.events.map((ev) => (
                        <option key={ev.eventContractId} value={ev.eventContractId}>
                          {ev.name}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                {event && zone && (
                  <label class="field">
                    <span>{t("scan.zone")}</span>
                    <select value={zone.id} data-testid="zone" onChange={(e) => setZoneId((e.target as HTMLSelectElement).value)}>
                      {event.zones.map((z) => (
                        <option key={z.id} value={z.id}>
                          {z.name} ({z.kind})
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                <fieldset class="row" style="border:0;padding:0">
                  <legend class="muted">{t("scan.direction")}</legend>
                  {(["in", "out"] as const).map((d) => (
                    <label key={d} class="row">
                      <input
                        type="radio"
                        name="direction"
                        value={d}
                        checked={direction === d}
                        onChange={() => setDirection(d)}
                        style="width:auto;min-height:0"
                      />
                      {t(d === "in" ? "scan.in" : "scan.out")}
                    </label>
                  ))}
                </fieldset>
              </div>
              {!event ? (
                <p>{t("scan.noZones")}</p>
              ) : zone ? (
                <Station key={`${zone.id}:${direction}`} eventContractId={event.eventContractId} zoneId={zone.id} direction={direction} />
              ) : (
                <p>{t("scan.noZones")}</p>
              )}
            </>
          );
        }}
      </Loaded>
    </div>
  );
}

function Station({ eventContractId, zoneId, direction }: { eventContractId: string; zoneId: string; direction: "in" | "out" }) {
  const video = useRef<HTMLVideoElement>(null);
  const scanner = useRef<QrScanner | null>(null);
  const busy = useRef(false);
  const showing = useRef<string | null>(null);
  const [running, setRunning] = useState(false);
  const [cameraError, setCameraError] = useState<string | null>(null);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [offline, setOffline] = useState(!navigator.onLine);
  const [queued, setQueued] = useState(() => readQueue(eventContractId).length);
  const [uploaded, setUploaded] = useState<string | null>(null);
  const [snapshot, setSnapshot] = useState<{ snapshot: Snapshot; at: string } | null>(null);
  const [error, setError] = useState<unknown>();
  const admitted = useRef(new Set<string>(JSON.parse(localStorage.getItem(`scanner:admitted:${eventContractId}`) ?? "[]")));
  const next = useRef<HTMLButtonElement>(null);

  /** The signed snapshot, downloaded and checked against the key pinned at the first download. */
  const refreshSnapshot = async () => {
    const { verifySnapshot } = await import("../lib/offline-gate.js");
    const signed = await api<SignedSnapshot>(`/gate/event-contracts/${eventContractId}/snapshot`, { as: "staff" });
    const pinned = localStorage.getItem("scanner:snapshot-key") ?? signed.publicKey;
    const verified = await verifySnapshot(signed, pinned);
    localStorage.setItem("scanner:snapshot-key", pinned);
    localStorage.setItem(`scanner:snapshot:${eventContractId}`, JSON.stringify(signed));
    setSnapshot({ snapshot: verified, at: verified.issuedAt });
  };

  const loadStoredSnapshot = async () => {
    const raw = localStorage.getItem(`scanner:snapshot:${eventContractId}`);
    const key = localStorage.getItem("scanner:snapshot-key");
    if (!raw || !key) return null;
    const { verifySnapshot } = await import("../lib/offline-gate.js");
    const verified = await verifySnapshot(JSON.parse(raw) as SignedSnapshot, key);
    setSnapshot({ snapshot: verified, at: verified.issuedAt });
    return verified;
  };

  const snapshotAt = useRef<string | null>(null);
  snapshotAt.current = snapshot?.at ?? null;
  /** Tells the organizer's dashboard how this device is doing (while there is a network to tell it). */
  const report = async () => {
    if (!navigator.onLine) return;
    const queuedScans = readQueue(eventContractId).length;
    await api(`/gate/event-contracts/${eventContractId}/devices/${encodeURIComponent(deviceId)}`, {
      as: "staff",
      method: "PUT",
      body: { mode: queuedScans > 0 ? "offline" : "online", queuedScans, zoneId, ...(snapshotAt.current ? { snapshotIssuedAt: snapshotAt.current } : {}) },
    }).catch(() => {});
  };

  const upload = async () => {
    const queue = readQueue(eventContractId);
    if (!queue.length || !navigator.onLine) return;
    try {
      const res = await api<{ results: unknown[]; conflicts: unknown[] }>(`/gate/event-contracts/${eventContractId}/offline-scans`, {
        as: "staff",
        body: { deviceId, scans: queue },
        headers: { "idempotency-key": `${deviceId}:${queue[0]!.nonce}:${queue.length}` },
      });
      const sent = new Set(queue.map((q) => q.nonce));
      const left = readQueue(eventContractId).filter((q) => !sent.has(q.nonce));
      writeQueue(eventContractId, left);
      setQueued(left.length);
      setUploaded(t("scan.uploaded", { n: res.results.length, c: res.conflicts.length }));
      void report();
      setOffline(false);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === "network")) setError(e);
    }
  };

  useEffect(() => {
    // load the decoder's worker and the offline verifier now, while there is a network to load them from
    void QrScanner.createQrEngine()
      .then((engine) => engine instanceof Worker && engine.terminate())
      .catch(() => {});
    loadStoredSnapshot().catch(() => {});
    refreshSnapshot().catch(() => {});
    const goOnline = () => {
      setOffline(false);
      void report();
      void upload();
    };
    const goOffline = () => setOffline(true);
    window.addEventListener("online", goOnline);
    window.addEventListener("offline", goOffline);
    void report();
    const timers = [
      setInterval(() => void upload(), 5000),
      setInterval(() => void report(), 30_000),
      setInterval(() => navigator.onLine && refreshSnapshot().catch(() => {}), 5 * 60_000),
    ];
    return () => {
      window.removeEventListener("online", goOnline);
      window.removeEventListener("offline", goOffline);
      timers.forEach(clearInterval);
      scanner.current?.destroy();
    };
  }, [eventContractId]);

  const decideOffline = async (payload: string): Promise<Verdict> => {
    const { verifyOffline } = await import("../lib/offline-gate.js");
    const snap = snapshot?.snapshot ?? (await loadStoredSnapshot());
    if (!snap) throw new Error(t("scan.noSnapshot"));
    const result = verifyOffline(snap, payload, zoneId, admitted.current);
    localStorage.setItem(`scanner:admitted:${eventContractId}`, JSON.stringify([...admitted.current]));
    const queue = readQueue(eventContractId);
    queue.push({ nonce: crypto.randomUUID(), zoneId, payload, scannedAt: new Date().toISOString(), verdict: result.verdict });
    writeQueue(eventContractId, queue);
    setQueued(queue.length);
    return { verdict: result.verdict, admitted: result.verdict === "admitted", message: "", tier: result.tier, name: null, offline: true };
  };

  const check = async (payload: string) => {
    // one decision per pass shown: the decoder may still hand over a frame it read before it stopped
    if (busy.current || showing.current === payload) return;
    busy.current = true;
    showing.current = payload;
    performance.mark("scan:decoded");
    scanner.current?.stop();
    setError(undefined);
    try {
      let v: Verdict;
      if (offline || !navigator.onLine) v = await decideOffline(payload);
      else {
        try {
          const r = await api<{
            verdict: string;
            admitted: boolean;
            message: string;
            ticket: { category: string | null; holderDisplayName: string | null } | null;
          }>("/gate/scan", { as: "staff", body: { payload, zoneId, direction, deviceId } });
          v = {
            verdict: r.verdict,
            admitted: r.admitted,
            message: r.message,
            tier: r.ticket?.category ?? null,
            name: r.ticket?.holderDisplayName ?? null,
            offline: false,
          };
        } catch (e) {
          if (!(e instanceof ApiError && e.code === "network")) throw e;
          setOffline(true);
          v = await decideOffline(payload);
        }
      }
      setVerdict(v);
      beep(colour(v.verdict));
      requestAnimationFrame(() => {
        performance.mark("scan:verdict");
        const w = window as unknown as { __scanTimings?: Array<{ verdict: string; ms: number; decodeMs: number }> };
        const started = performance.getEntriesByName("scan:camera-started").at(-1)?.startTime ?? 0;
        const decoded = performance.getEntriesByName("scan:decoded").at(-1)?.startTime ?? 0;
        (w.__scanTimings ??= []).push({ verdict: v.verdict, ms: performance.now() - started, decodeMs: decoded - started });
        next.current?.focus();
      });
    } catch (e) {
      setError(e);
    } finally {
      busy.current = false;
    }
  };

  const start = async () => {
    setCameraError(null);
    setVerdict(null);
    try {
      scanner.current?.destroy();
      scanner.current = new QrScanner(video.current!, (result) => void check(result.data), {
        returnDetailedScanResult: true,
        maxScansPerSecond: 30,
        // the whole frame (a pass held anywhere in view), decoded at most 480 px wide
        calculateScanRegion: (v) => {
          const scale = Math.min(1, 480 / v.videoWidth);
          return {
            x: 0,
            y: 0,
            width: v.videoWidth,
            height: v.videoHeight,
            downScaledWidth: Math.round(v.videoWidth * scale),
            downScaledHeight: Math.round(v.videoHeight * scale),
          };
        },
        onDecodeError: () => {},
      });
      // a camera that is still settling from the last stream interrupts play(): try again shortly
      for (let attempt = 0; ; attempt++) {
        try {
          await scanner.current.start();
          break;
        } catch (e) {
          if (attempt >= 4 || !/interrupted|AbortError/i.test(`${(e as Error)?.name} ${(e as Error)?.message ?? e}`)) throw e;
          await new Promise((r) => setTimeout(r, 150));
        }
      }
      performance.mark("scan:camera-started");
      setRunning(true);
    } catch (e) {
      setRunning(false);
      setCameraError(t("scan.noCamera", { message: (e as Error)?.message ?? String(e) }));
    }
  };

  const [typed, setTyped] = useState("");
  return (
    <>
      <div class="status" role="status" aria-live="polite">
        <span class={`tag ${offline ? "offline" : ""}`} data-testid="network">
          {offline ? t("scan.offlineMode") : t("scan.online")}
        </span>
        {queued > 0 && (
          <span class="tag" data-testid="queued">
            {t("scan.queued", { n: queued })}
          </span>
        )}
        {uploaded && <span class="tag">{uploaded}</span>}
        <span class="tag" data-testid="snapshot">
          {snapshot ? t("scan.snapshot", { n: snapshot.snapshot.tickets.length, at: formatDateTime(snapshot.at) }) : t("scan.noSnapshot")}
        </span>
        <button type="button" class="link" onClick={() => refreshSnapshot().catch(setError)}>
          {t("scan.refreshSnapshot")}
        </button>
      </div>
      <video ref={video} muted playsInline aria-label={t("scan.pointCamera")} />
      <p class="muted">{t("scan.pointCamera")}</p>
      {cameraError && (
        <div class="error" role="alert">
          {cameraError}
        </div>
      )}
      {error !== undefined && <ErrorBox error={error} />}
      <div class="row">
        {!running ? (
          <button type="button" onClick={start} data-testid="start-camera">
            {t("scan.start")}
          </button>
        ) : (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              scanner.current?.stop();
              setRunning(false);
            }}
          >
            {t("scan.stop")}
          </button>
        )}
      </div>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed.trim()) void check(typed.trim());
        }}
      >
        <label class="field">
          <span>{t("scan.paste")}</span>
          <input value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} required={false} />
        </label>
        <button type="submit" class="secondary">
          {t("scan.check")}
        </button>
      </form>
      {verdict && (
        <div class={`verdict ${colour(verdict.verdict)}`} role="alertdialog" aria-live="assertive" data-testid="verdict" data-verdict={verdict.verdict}>
          <h2>{verdictText(verdict.verdict, verdict.message)}</h2>
          {verdict.tier && <p>{t("scan.tier", { tier: verdict.tier })}</p>}
          {verdict.name && <p>{t("scan.holder", { name: verdict.name })}</p>}
          {verdict.offline && <p>{t("scan.offlineMode")}</p>}
          <button
            ref={next}
            type="button"
            data-testid="next-scan"
            onClick={() => {
              setVerdict(null);
              showing.current = null;
              if (running) void start();
            }}
          >
            {t("scan.next")}
          </button>
        </div>
      )}
    </>
  );
}
