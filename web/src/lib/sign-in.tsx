import { useState } from "preact/hooks";
import { t } from "../i18n.js";
import { getSession, setSession, type Area } from "./session.js";
import { signInWithPassword } from "./password.js";
import type { WalletInfo } from "./wallet.js";
import { ErrorBox, Field, Form, Loaded, useLoad } from "./ui.js";

/** Sign-in for an area: with an injected wallet (SIWE) and/or email and password. */
export function SignIn({ area, methods, onDone }: { area: Area; methods: Array<"wallet" | "email">; onDone?: () => void }) {
  // the wallet code (ethers) loads only where a wallet may sign in: the scanner's staff never need it
  const wallets = useLoad(async () => (methods.includes("wallet") ? (await import("./wallet.js")).discoverWallets() : ([] as WalletInfo[])), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  return (
    <section class="card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t("signIn.title")}</h1>
      {methods.includes("wallet") && (
        <>
          <h2>{t("signIn.wallet")}</h2>
          <p class="muted">{t("signIn.walletHint")}</p>
          <Loaded state={wallets}>
            {(list) =>
              list.length === 0 ? (
                <p>{t("signIn.noWallet")}</p>
              ) : (
                <div class="row">
                  {list.map((w) => (
                    <button
                      key={w.uuid}
                      type="button"
                      disabled={busy !== null}
                      data-testid="wallet-sign-in"
                      onClick={async () => {
                        setBusy(w.uuid);
                        setError(undefined);
                        try {
                          await (await import("./wallet.js")).signInWithWallet(area, w);
                          onDone?.();
                        } catch (e) {
                          setError(e);
                        } finally {
                          setBusy(null);
                        }
                      }}
                    >
                      {w.icon && <img src={w.icon} alt="" width={20} height={20} style="vertical-align:middle;margin-right:6px" />}
                      {busy === w.uuid ? t("common.loading") : t("signIn.useWallet", { name: w.name })}
                    </button>
                  ))}
                </div>
              )
            }
          </Loaded>
          {error !== undefined && <ErrorBox error={error} />}
        </>
      )}
      {methods.includes("email") && (
        <>
          <h2>{t("signIn.email")}</h2>
          <Form
            submit={t("signIn.submit")}
            testId="email-sign-in"
            action={async (data) => {
              await signInWithPassword(area, String(data.get("email")), String(data.get("password")));
              onDone?.();
            }}
          >
            <Field label={t("signIn.emailLabel")} name="email" type="email" autoComplete="username" />
            <Field label={t("signIn.passwordLabel")} name="password" type="password" autoComplete="current-password" />
          </Form>
        </>
      )}
    </section>
  );
}

export function SignedInBar({ area }: { area: Area }) {
  const session = getSession(area);
  if (!session) return null;
  return (
    <div class="spread muted">
      <span>{t("signIn.signedInAs", { who: session.label })}</span>
      <button type="button" class="link" onClick={() => setSession(area, null)}>
        {t("nav.signOut")}
      </button>
    </div>
  );
}
