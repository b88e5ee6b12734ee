import { useEffect, useRef, useState } from "preact/hooks";
import QRCode from "qrcode";
import type { PageProps } from "../lib/router.js";
import { api } from "../lib/api.js";
import { encodePass, passDomain, PASS_TYPES, randomNonce } from "../lib/pass.js";
import { navigate } from "../lib/router.js";
import { getSession } from "../lib/session.js";
import type { Ticket } from "../lib/types.js";
import { ErrorBox, Loading } from "../lib/ui.js";
import { reconnect, type Connected } from "../lib/wallet.js";
import { t } from "../i18n.js";

/** Seconds a pass is valid; a new one is made REFRESH_BEFORE seconds before it expires. */
const VALIDITY = 30;
const REFRESH_BEFORE = 10;

interface Shown {
  payload: string;
  svg: string;
  validUntil: number;
  signer: "holder" | "platform";
}

/**
 * The pass: a full-screen QR that is a fresh signed TicketPass every 20 s. A fan who signed in
 * with a wallet that holds the ticket has it signed by that wallet, here, with no network; anyone
 * else gets a platform-signed pass from the API.
 */
export default function PassPage({ params }: PageProps) {
  const contract = params.contract!;
  const tokenId = params.tokenId!;
  const session = getSession("fan");
  const [shown, setShown] = useState<Shown | null>(null);
  const [error, setError] = useState<unknown>();
  const [online, setOnline] = useState(navigator.onLine);
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  const wallet = useRef<Connected | null | undefined>(undefined);

  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener("online", on);
    window.addEventListener("offline", off);
    const clock = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1000);
    return () => {
      window.removeEventListener("online", on);
      window.removeEventListener("offline", off);
      clearInterval(clock);
    };
  }, []);

  useEffect(() => {
    if (!session) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cached = localStorage.getItem(`ticket:${contract}:${tokenId}`);
    const ticket = cached ? (JSON.parse(cached) as Ticket) : null;
    const make = async (): Promise<Shown> => {
      if (wallet.current === undefined) {
        wallet.current = session.method === "siwe" ? await reconnect(session.walletRdns, session.address).catch(() => null) : null;
      }
      const holder = ticket?.owner ?? session.address;
      const w = wallet.current;
      if (w && holder && w.address.toLowerCase() === holder.toLowerCase()) {
        const validUntil = Math.floor(Date.now() / 1000) + VALIDITY;
        const nonce = randomNonce();
        const chainId = ticket?.chainId ?? w.chainId;
        const signature = await w.signer.signTypedData(passDomain(chainId, contract), PASS_TYPES, {
          tokenId: BigInt(tokenId),
          holder: w.address,
          validUntil,
          nonce,
        });
        const payload = encodePass({ signer: "holder", chainId, contract, holder: w.address, validUntil, nonce, tokenId: BigInt(tokenId), signature });
        return { payload, validUntil, signer: "holder", svg: await QRCode.toString(payload, { type: "svg", errorCorrectionLevel: "M", margin: 2 }) };
      }
      const issued = await api<{ payload: string; validUntil: number }>("/gate/passes", { as: "fan", body: { contract, tokenId, validitySeconds: VALIDITY } });
      return {
        payload: issued.payload,
        validUntil: issued.validUntil,
        signer: "platform",
        svg: await QRCode.toString(issued.payload, { type: "svg", errorCorrectionLevel: "M", margin: 2 }),
      };
    };
    const cycle = async () => {
      try {
        const next = await make();
        if (!live) return;
        performance.mark("pass:qr-shown");
        setShown(next);
        setError(undefined);
        timer = setTimeout(cycle, Math.max(1, next.validUntil - REFRESH_BEFORE - Math.floor(Date.now() / 1000)) * 1000);
      } catch (e) {
        if (!live) return;
        setError(e);
        timer = setTimeout(cycle, 3000);
      }
    };
    void cycle();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [contract, tokenId, session?.accessToken]);

  if (!session) {
    navigate(`/sign-in?next=${encodeURIComponent(location.pathname)}`, true);
    return null;
  }
  const left = shown ? Math.max(0, shown.validUntil - now) : 0;
  return (
    <div class="pass" role="dialog" aria-label={t("pass.title")}>
      {shown ? (
        <>
          <div
            class="qr"
            data-testid="pass-qr"
            data-payload={shown.payload}
            data-valid-until={shown.validUntil}
            role="img"
            aria-label={t("pass.title")}
            dangerouslySetInnerHTML={{ __html: shown.svg }}
          />
          <div class="meter" aria-hidden="true">
            <div style={{ width: `${(left / VALIDITY) * 100}%` }} />
          </div>
          <p>{t("pass.validFor", { s: left })}</p>
          <p class="muted">{shown.signer === "holder" ? t("pass.signedBy.holder") : t("pass.signedBy.platform")}</p>
        </>
      ) : error === undefined ? (
        <Loading />
      ) : null}
      {!online && <p role="status">{shown?.signer === "holder" ? t("pass.offline") : t("pass.offlineNoWallet")}</p>}
      {error !== undefined && <ErrorBox error={error} />}
      <p class="muted">{t("pass.hint")}</p>
      <div class="row">
        <button type="button" class="secondary" onClick={() => document.documentElement.requestFullscreen?.().catch(() => {})}>
          {t("pass.fullscreen")}
        </button>
        <button type="button" onClick={() => navigate("/tickets")}>
          {t("pass.exit")}
        </button>
      </div>
    </div>
  );
}
